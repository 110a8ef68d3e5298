"""Credentials reach git through env and 0600 files only; text is redacted."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from tether import errors
from tether.source import auth


def _secret(**data: str) -> dict[str, object]:
    return {"metadata": {"name": "s"},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}


def test_from_secret_keys() -> None:
    creds = auth.Credentials.from_secret(_secret(username="u", password="p4ss", **{
        "ca.crt": "CA"}))
    assert (creds.username, creds.password, creds.ca_crt) == ("u", "p4ss", b"CA")
    assert "p4ss" not in repr(creds)
    token = auth.Credentials.from_secret(_secret(bearerToken="tok"))
    assert token.bearer_token == "tok"


def test_bad_secrets_name_keys_not_values() -> None:
    with pytest.raises(errors.AuthError, match="'password' is not valid base64") as info:
        auth.Credentials.from_secret({"metadata": {"name": "s"},
                                      "data": {"password": "%%%secret%%%"}})
    assert "secret%%%" not in str(info.value)
    with pytest.raises(errors.AuthError, match="either"):
        auth.Credentials.from_secret(_secret(bearerToken="t", username="u", password="p"))


def test_header_is_scoped_to_the_origin() -> None:
    creds = auth.Credentials(bearer_token="tok")
    with auth.git_env("http://u:p@127.0.0.1:8080/a/b.git", creds, timeout=5) as env:
        assert "http.http://127.0.0.1:8080/.extraHeader" in env.values()


def test_redact() -> None:
    text = "fatal: https://user:hunter22@host/x.git failed; token hunter22"
    assert auth.redact(text, ["hunter22"]) == "fatal: https://***@host/x.git failed; token *****"


def test_http_env_has_header_in_env_config_not_argv() -> None:
    creds = auth.Credentials(username="u", password="pw-123")
    with auth.git_env("https://h/r.git", creds, timeout=5) as env:
        keys = {env[f"GIT_CONFIG_KEY_{i}"]: env[f"GIT_CONFIG_VALUE_{i}"]
                for i in range(int(env["GIT_CONFIG_COUNT"]))}
        expected = base64.b64encode(b"u:pw-123").decode()
        assert keys["http.https://h/.extraHeader"] == f"Authorization: Basic {expected}"
        assert keys["http.followRedirects"] == "false"
        assert env["GIT_TERMINAL_PROMPT"] == "0"
        home = Path(env["HOME"])
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert not home.exists()


def test_ssh_env_files_are_private_and_removed() -> None:
    creds = auth.Credentials(identity=b"KEY", known_hosts=b"host ssh-ed25519 AAAA",
                             password="phrase")
    with auth.git_env("ssh://git@h/r.git", creds, timeout=5) as env:
        command = env["GIT_SSH_COMMAND"]
        assert "StrictHostKeyChecking=yes" in command and "phrase" not in command
        identity = Path(env["HOME"]) / "identity"
        assert stat.S_IMODE(identity.stat().st_mode) == 0o600
        assert env["TETHER_SSH_PASSPHRASE"] == "phrase"
        assert os.access(env["SSH_ASKPASS"], os.X_OK)
    assert not identity.exists()


def test_ssh_requires_known_hosts() -> None:
    with pytest.raises(errors.AuthError, match="known_hosts"), auth.git_env(
            "ssh://git@h/r.git", auth.Credentials(identity=b"K"), timeout=5):
        pass
