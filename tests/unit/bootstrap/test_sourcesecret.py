"""Source secrets: Flux's key layout, ed25519 keys, URL host parsing."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from tether import errors
from tether.bootstrap import sourcesecret


def _data(secret: dict[str, Any]) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def test_token_secret_layout() -> None:
    secret = sourcesecret.token_secret(name="flux-system", namespace="ns", username="git",
                                       password="tok")
    assert secret["metadata"] == {"name": "flux-system", "namespace": "ns"}
    assert _data(secret) == {"username": "git", "password": "tok"}


def test_bearer_secret_layout() -> None:
    secret = sourcesecret.bearer_secret(name="s", namespace="ns", token="tok")
    assert _data(secret) == {"bearerToken": "tok"}


def test_generated_keypair_is_openssh_ed25519() -> None:
    pair = sourcesecret.generate_keypair("tether")
    assert pair.public.startswith("ssh-ed25519 ") and pair.public.endswith(" tether")
    key = serialization.load_ssh_private_key(pair.private_pem, password=None)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    assert pair.public.startswith(public)
    assert "PRIVATE" not in repr(pair)
    again = sourcesecret.keypair_from_pem(pair.private_pem)
    assert again.public == public


def test_ssh_secret_layout() -> None:
    pair = sourcesecret.generate_keypair()
    secret = sourcesecret.ssh_secret(name="s", namespace="ns", keypair=pair,
                                     known_hosts="h ssh-ed25519 AAAA\n")
    data = _data(secret)
    assert set(data) == {"identity", "identity.pub", "known_hosts"}
    assert data["identity"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert data["identity.pub"] == pair.public + "\n"


def test_bad_private_key_is_a_config_error() -> None:
    with pytest.raises(errors.ConfigError):
        sourcesecret.keypair_from_pem(b"not a key")


@pytest.mark.parametrize(("url", "expected"), [
    ("ssh://git@github.com/o/r", ("github.com", 22)),
    ("ssh://u@127.0.0.1:2222/srv/r.git", ("127.0.0.1", 2222)),
    ("git@github.com:o/r.git", ("github.com", 22)),
])
def test_host_and_port(url: str, expected: tuple[str, int]) -> None:
    assert sourcesecret.host_and_port(url) == expected
