"""Signature verification of the checked-out commit and/or tag (``spec.verify``).

Design: the git CLI verifies (``git verify-commit`` / ``git verify-tag``) against trust
material built from the ``verify.secretRef`` Secret *only*, in a private temporary
directory: ``*.sshpub`` keys become an SSH allowed-signers file (``gpg.format=ssh``), every
other key is imported as an OpenPGP public keyring into a throw-away ``GNUPGHOME``. We do
not trust git's exit status alone: a good signature must be reported for a key we supplied
(GnuPG ``VALIDSIG`` with a fingerprint we imported; ssh-keygen ``Good "git" signature for
tether-trusted``). Anything else raises ``VerificationError`` — an unverifiable revision
never becomes an artifact.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tether import errors
from tether.source import git

__all__ = ["Keys", "verify"]

_PRINCIPAL = "tether-trusted"
_VALIDSIG = re.compile(r"\[GNUPG:\] VALIDSIG ([0-9A-F]{16,})")
_SSH_GOOD = re.compile(r'Good "git" signature for (\S+) with (\S+) key (SHA256:\S+)')


@dataclass(frozen=True)
class Keys:
    """Trusted public keys from the verification Secret."""

    pgp: tuple[bytes, ...]
    ssh: tuple[str, ...]

    @classmethod
    def from_secret(cls, secret: Mapping[str, Any]) -> Keys:
        """``*.sshpub`` entries are SSH public keys; all others are PGP keyrings."""
        name = (secret.get("metadata") or {}).get("name", "?")
        pgp: list[bytes] = []
        ssh: list[str] = []
        for key, value in sorted((secret.get("data") or {}).items()):
            try:
                raw = base64.b64decode(str(value), validate=True)
            except ValueError:
                raise errors.VerificationError(
                    f"secret '{name}': key {key!r} is not valid base64") from None
            if key.endswith(".sshpub"):
                ssh.extend(ln.strip() for ln in raw.decode(errors="replace").splitlines()
                           if ln.strip() and not ln.startswith("#"))
            else:
                pgp.append(raw)
        if not pgp and not ssh:
            raise errors.VerificationError(f"secret '{name}' holds no public keys")
        return cls(tuple(pgp), tuple(ssh))


@contextlib.contextmanager
def _trust(keys: Keys) -> Iterator[tuple[dict[str, str], set[str]]]:
    """Git config env + the fingerprints imported; the directory is removed on exit."""
    tmp = Path(tempfile.mkdtemp(prefix="tether-verify-"))
    os.chmod(tmp, 0o700)
    try:
        gnupg = tmp / "gnupg"
        gnupg.mkdir(mode=0o700)
        fingerprints: set[str] = set()
        for ring in keys.pgp:
            subprocess.run(["gpg", "--batch", "--quiet", "--import"], input=ring,
                           env={"GNUPGHOME": str(gnupg), "PATH": os.environ.get("PATH", "")},
                           capture_output=True, check=False, timeout=30)
        listing = subprocess.run(
            ["gpg", "--batch", "--with-colons", "--fingerprint", "--list-keys"],
            env={"GNUPGHOME": str(gnupg), "PATH": os.environ.get("PATH", "")},
            capture_output=True, text=True, check=False, timeout=30).stdout
        for line in listing.splitlines():
            if line.startswith("fpr:"):
                fingerprints.add(line.split(":")[9])
        signers = tmp / "allowed_signers"
        signers.write_text("".join(f'{_PRINCIPAL} namespaces="git" {k}\n' for k in keys.ssh))
        env = {"GNUPGHOME": str(gnupg), "GIT_CONFIG_COUNT": "2",
               "GIT_CONFIG_KEY_0": "gpg.ssh.allowedSignersFile",
               "GIT_CONFIG_VALUE_0": str(signers),
               "GIT_CONFIG_KEY_1": "gpg.program", "GIT_CONFIG_VALUE_1": "gpg"}
        yield env, fingerprints
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


async def _check(command: str, obj: str, *, repo: Path, env: dict[str, str],
                 fingerprints: set[str], timeout: float) -> str:
    """Verify one object; return the key that signed it."""
    args = ["-C", str(repo), command, "--raw", obj]
    what = f"{command.replace('verify-', '')} '{obj}' signature verification failed"
    try:
        out = await git.run_git(args, env=env, timeout=timeout, what=what,
                                include_stderr=True)
    except errors.GitOpsError as exc:
        raise errors.VerificationError(exc.one_line()) from None
    for match in _VALIDSIG.finditer(out):
        if match.group(1) in fingerprints or any(f.endswith(match.group(1))
                                                 for f in fingerprints):
            return match.group(1)
    ssh = _SSH_GOOD.search(out)
    if ssh and ssh.group(1) == _PRINCIPAL:
        return ssh.group(3)
    raise errors.VerificationError(f"{what}: not signed by a key from the verification secret")


async def verify(
    repo: Path, *, mode: str, keys: Keys, tag: str | None, env: Mapping[str, str],
    timeout: float,
) -> str:
    """Verify HEAD and/or the fetched tag per ``mode``; return Flux's SourceVerified message."""
    verified = []
    with _trust(keys) as (trust_env, fingerprints):
        full = {**env, **_merge_config(env, trust_env)}
        if mode in ("Tag", "TagAndHEAD"):
            if tag is None:
                raise errors.VerificationError(
                    f"verify mode {mode!r} needs a tag or semver reference")
            key = await _check("verify-tag", "FETCH_HEAD", repo=repo, env=full,
                               fingerprints=fingerprints, timeout=timeout)
            verified.append(f"tag '{tag}' with key '{key}'")
        if mode in ("head", "HEAD", "TagAndHEAD"):
            key = await _check("verify-commit", "HEAD", repo=repo, env=full,
                               fingerprints=fingerprints, timeout=timeout)
            commit = (await git.run_git(["-C", str(repo), "rev-parse", "HEAD"], env=env,
                                        timeout=timeout, what="rev-parse")).strip()
            verified.append(f"commit '{commit}' with key '{key}'")
    return "verified signature of " + " and ".join(verified)


def _merge_config(env: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """Append ``extra``'s GIT_CONFIG_* entries after those already in ``env``."""
    base = int(env.get("GIT_CONFIG_COUNT", "0"))
    count = int(extra.get("GIT_CONFIG_COUNT", "0"))
    out = {k: v for k, v in extra.items() if not k.startswith("GIT_CONFIG_")}
    for i in range(count):
        out[f"GIT_CONFIG_KEY_{base + i}"] = extra[f"GIT_CONFIG_KEY_{i}"]
        out[f"GIT_CONFIG_VALUE_{base + i}"] = extra[f"GIT_CONFIG_VALUE_{i}"]
    out["GIT_CONFIG_COUNT"] = str(base + count)
    return out
