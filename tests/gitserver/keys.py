"""Signing identities for tests: a throw-away GnuPG key, or an SSH key (git ``gpg.format=ssh``)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.gitserver.sshserver import generate_key


@dataclass(frozen=True)
class Signer:
    """How to sign (git config for ``Repo.commit(sign=...)``) and what to trust."""

    sign: dict[str, str]
    """Git config (plus ``GNUPGHOME``) that makes ``git commit -S`` use this key."""
    public: bytes
    """The public key as it goes in a verification Secret."""
    secret_key: str
    """The Secret data key name: ``*.asc`` for PGP, ``*.sshpub`` for SSH."""


def gpg_signer(home: Path, *, email: str = "signer@example.com") -> Signer:
    """A new ed25519 GnuPG key in its own ``GNUPGHOME``."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                    f"Signer <{email}>", "ed25519", "sign", "never"],
                   env=env, check=True, capture_output=True)
    public = subprocess.run(["gpg", "--batch", "--armor", "--export", email], env=env,
                            check=True, capture_output=True).stdout
    return Signer(sign={"user.signingkey": email, "gpg.program": "gpg",
                        "GNUPGHOME": str(home)}, public=public, secret_key="signer.asc")


def ssh_signer(path: Path) -> Signer:
    """A new SSH key used for SSH commit signatures."""
    public = generate_key(path)
    return Signer(sign={"gpg.format": "ssh", "user.signingkey": str(path)},
                  public=public.encode(), secret_key="signer.sshpub")
