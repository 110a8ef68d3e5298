"""The working copy: empty-repo clone, commit-only-on-change, push, and secret hygiene."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tether import errors
from tether.bootstrap import gitrepo


def _bare(tmp_path: Path) -> str:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", str(bare)],
                   check=True)
    return str(bare)


async def _commit(wc: gitrepo.WorkingCopy, text: str) -> str | None:
    wc.write("clusters/dev/flux-system/a.yaml", text)
    return await wc.commit("msg", paths=["clusters/dev/flux-system"], author_name="T",
                           author_email="t@example.com")


async def test_clone_empty_commit_push_and_idempotent_recommit(tmp_path: Path) -> None:
    url = _bare(tmp_path)
    wc = gitrepo.WorkingCopy(tmp_path / "one", url=url, branch="main")
    assert await wc.clone() is False  # empty repository: the branch starts here
    sha = await _commit(wc, "a: 1\n")
    assert sha is not None and len(sha) == 40
    await wc.push()

    again = gitrepo.WorkingCopy(tmp_path / "two", url=url, branch="main")
    assert await again.clone() is True
    assert again.read("clusters/dev/flux-system/a.yaml") == "a: 1\n"
    assert await _commit(again, "a: 1\n") is None  # unchanged → no commit
    assert await again.head() == sha
    newer = await _commit(again, "a: 2\n")
    assert newer not in (None, sha)


async def test_no_remote_or_credentials_are_stored_in_git_config(tmp_path: Path) -> None:
    url = _bare(tmp_path)
    creds = gitrepo.Credentials(username="git", password="s3cr3t-token")
    wc = gitrepo.WorkingCopy(tmp_path / "wc", url=url, branch="main", credentials=creds)
    await wc.clone()
    await _commit(wc, "x: 1\n")
    await wc.push()
    config = (tmp_path / "wc" / ".git" / "config").read_text()
    assert "s3cr3t-token" not in config
    assert "remote" not in config
    assert "s3cr3t-token" not in repr(creds)


def test_http_credentials_travel_in_the_environment_only() -> None:
    creds = gitrepo.Credentials(username="git", password="tok")
    env = gitrepo.WorkingCopy(Path("/nonexistent"), url="https://h/r.git", branch="main",
                              credentials=creds)._env()
    assert env["GIT_CONFIG_KEY_0"] == "http.extraHeader"
    assert env["GIT_CONFIG_VALUE_0"] == "Authorization: Basic Z2l0OnRvaw=="
    assert env["GIT_CONFIG_GLOBAL"] == "/dev/null"
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    bearer = gitrepo.WorkingCopy(Path("/x"), url="https://h/r.git", branch="main",
                                 credentials=gitrepo.Credentials(bearer_token="b"))._env()
    assert bearer["GIT_CONFIG_VALUE_0"] == "Authorization: Bearer b"


def test_ssh_key_goes_to_a_private_file(tmp_path: Path) -> None:
    creds = gitrepo.Credentials(private_key_pem=b"KEY", known_hosts="[h]:22 ssh-ed25519 AAA\n")
    wc = gitrepo.WorkingCopy(tmp_path, url="ssh://git@h/r.git", branch="main",
                             credentials=creds)
    env = wc._env()
    assert "GIT_CONFIG_VALUE_0" not in env
    command = env["GIT_SSH_COMMAND"]
    key = Path(command.split("-i ", 1)[1].split()[0])
    assert key.read_bytes() == b"KEY"
    assert key.stat().st_mode & 0o777 == 0o600
    assert "StrictHostKeyChecking=yes" in command
    wc.close()
    assert not key.exists()


async def test_errors_are_masked(tmp_path: Path) -> None:
    creds = gitrepo.Credentials(username="git", password="tok-123")
    wc = gitrepo.WorkingCopy(tmp_path / "wc", url="http://127.0.0.1:9/tok-123.git",
                             branch="main", credentials=creds)
    with pytest.raises(errors.GitOpsError) as info:
        await wc.clone()
    assert "tok-123" not in info.value.one_line()
    assert "*****" in info.value.one_line()


def test_mask_longest_first() -> None:
    assert gitrepo.mask("a abc b", ["a", "abc"]) == "***** ***** b"


async def test_push_after_the_branch_moved_is_rejected(tmp_path: Path) -> None:
    url = _bare(tmp_path)
    first = gitrepo.WorkingCopy(tmp_path / "a", url=url, branch="main")
    await first.clone()
    await _commit(first, "a: 1\n")
    await first.push()
    late = gitrepo.WorkingCopy(tmp_path / "b", url=url, branch="main")
    await late.clone()
    await _commit(first, "a: 2\n")
    await first.push()  # the branch moves under ``late``
    await _commit(late, "a: 3\n")
    with pytest.raises(gitrepo.PushRejectedError):
        await late.push()
