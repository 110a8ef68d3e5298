"""The ``flux-system`` source Secret: token credentials or an SSH deploy key.

Job: build the Secret the GitRepository authenticates with, in Flux's key layout
(``username``/``password`` for HTTPS; ``identity``/``identity.pub``/``known_hosts`` for SSH),
generate the SSH key pair, and scan the server's host keys. Design decision: keys are
ed25519, generated in-process with ``cryptography`` (no ``ssh-keygen`` subprocess, nothing
written to disk); ``known_hosts`` comes from ``ssh-keyscan`` against the URL's host and port,
so the cluster pins the key the bootstrapping machine saw (Flux scans the same way).
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tether import errors

__all__ = [
    "KeyPair",
    "bearer_secret",
    "generate_keypair",
    "host_and_port",
    "keypair_from_pem",
    "scan_known_hosts",
    "ssh_secret",
    "token_secret",
]


@dataclass(frozen=True, repr=False)
class KeyPair:
    """An OpenSSH key pair (private key PEM, public key line)."""

    private_pem: bytes
    public: str

    def __repr__(self) -> str:
        return f"KeyPair(public={self.public!r})"


def generate_keypair(comment: str = "") -> KeyPair:
    """A fresh ed25519 key pair in OpenSSH formats."""
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return KeyPair(private_pem=private, public=f"{public} {comment}".strip())


def keypair_from_pem(private_pem: bytes) -> KeyPair:
    """The key pair of an existing OpenSSH/PEM private key (``--private-key-file``)."""
    try:
        key = serialization.load_ssh_private_key(private_pem, password=None)
    except ValueError:
        try:
            key = serialization.load_pem_private_key(private_pem, password=None)  # type: ignore[assignment]
        except (ValueError, TypeError) as exc:
            raise errors.ConfigError(
                "the private key file is not an unencrypted OpenSSH or PEM key") from exc
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return KeyPair(private_pem=private_pem, public=public)


def _b64(value: str | bytes) -> str:
    raw = value.encode() if isinstance(value, str) else value
    return base64.b64encode(raw).decode()


def _secret(name: str, namespace: str, *, data: dict[str, str | bytes]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "type": "Opaque",
        "data": {k: _b64(v) for k, v in sorted(data.items())},
    }


def token_secret(*, name: str, namespace: str, username: str, password: str) -> dict[str, Any]:
    """Basic-auth credentials for an HTTPS GitRepository."""
    return _secret(name, namespace, data={"username": username, "password": password})


def bearer_secret(*, name: str, namespace: str, token: str) -> dict[str, Any]:
    """A bearer token for an HTTPS GitRepository (``--with-bearer-token``)."""
    return _secret(name, namespace, data={"bearerToken": token})


def ssh_secret(*, name: str, namespace: str, keypair: KeyPair,
               known_hosts: str) -> dict[str, Any]:
    """A deploy key and pinned host keys for an SSH GitRepository."""
    return _secret(name, namespace, data={"identity": keypair.private_pem,
                                          "identity.pub": keypair.public + "\n",
                                          "known_hosts": known_hosts})


def host_and_port(url: str) -> tuple[str, int]:
    """Host and port of an ``ssh://`` (or scp-like ``git@host:path``) URL."""
    if "://" not in url and "@" in url and ":" in url:
        return url.split("@", 1)[1].split(":", 1)[0], 22
    parts = urlsplit(url)
    if not parts.hostname:
        raise errors.ConfigError(f"cannot find a host in URL {url!r}")
    return parts.hostname, parts.port or 22


async def scan_known_hosts(url: str, *, timeout: float = 20.0) -> str:
    """``ssh-keyscan`` the URL's host; ConfigError when nothing answers."""
    host, port = host_and_port(url)
    try:
        proc = await asyncio.create_subprocess_exec(
            "ssh-keyscan", "-p", str(port), "-T", str(int(timeout)), host,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    except FileNotFoundError as exc:
        raise errors.ConfigError("ssh-keyscan is not installed") from exc
    out, _ = await proc.communicate()
    lines = [ln for ln in out.decode().splitlines() if ln and not ln.startswith("#")]
    if not lines:
        raise errors.FetchError(f"no SSH host keys found at {host}:{port}")
    return "\n".join(sorted(lines)) + "\n"
