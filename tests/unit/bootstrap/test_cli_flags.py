"""The bootstrap/install CLI's own decisions: credentials plan, interval, missing token."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tether import errors
from tether.cli import bootstrap as cli


def test_git_plan_follows_the_url_and_flags() -> None:
    assert cli._git_plan(url="ssh://git@h/r", username="git", password=None, key=b"K",
                         token_auth=False).kind == "ssh"
    basic = cli._git_plan(url="https://h/r", username="u", password="p", key=None,
                          token_auth=True)
    assert (basic.kind, basic.username, basic.password) == ("basic", "u", "p")
    assert cli._git_plan(url="http://h/r", username="git", password=None, key=None,
                         token_auth=False).kind == "none"
    with pytest.raises(errors.ConfigError):
        cli._git_plan(url="https://h/r", username="git", password=None, key=None,
                      token_auth=True)
    assert "p" not in repr(basic)
    bearer = cli._git_plan(url="https://h/r", username="git", password="t", key=None,
                           token_auth=True, bearer=True)
    assert (bearer.kind, bearer.password) == ("bearer", "t")


def test_passwords_never_stay_in_the_url() -> None:
    assert cli._split_userinfo("https://me:s%40cret@git.example:8443/r.git") == (
        "https://git.example:8443/r.git", "me", "s@cret")
    assert cli._split_userinfo("https://git.example/r.git") == (
        "https://git.example/r.git", None, None)
    assert cli._split_userinfo("ssh://git@h/r.git") == ("ssh://git@h/r.git", None, None)


def test_interval_is_a_go_duration() -> None:
    assert cli._interval("1m") == "1m0s"
    assert cli._interval("90s") == "1m30s"
    for bad in ("soon", "0s"):
        with pytest.raises(errors.ConfigError):
            cli._interval(bad)


def _tether(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tether", *args], capture_output=True,
                          text=True, check=False, stdin=subprocess.DEVNULL, timeout=60,
                          env=env)


def test_bootstrap_github_without_a_token_says_so() -> None:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_TOKEN"}
    result = _tether("bootstrap", "github", "--owner=me", "--repository=r", "--personal",
                     env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "✗ GITHUB_TOKEN is not set (hint: export GITHUB_TOKEN=<personal access token>)")
    assert "Traceback" not in result.stderr


def test_install_rejects_unknown_components() -> None:
    result = _tether("install", "--export", "--components", "helm-controller",
                     env=dict(os.environ))
    assert result.returncode == 2
    assert result.stderr.startswith("✗ unsupported component(s) helm-controller")
