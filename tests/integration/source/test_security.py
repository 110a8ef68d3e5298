"""Security regressions of perf-reliability.md B2, named after the advisory they guard."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.gitserver import GitHTTPServer, Repo

from tether import errors
from tether.api import source as api
from tether.source import auth, git


@pytest.fixture
def served(tmp_path: Path) -> Repo:
    repo = Repo.create(tmp_path / "srv", "app")
    repo.commit({"a": "1"}, message="one")
    return repo


@pytest.mark.parametrize("evil", ["$(touch {m})", "`touch {m}`", "x; touch {m}",
                                  "--upload-pack=touch {m}", "x\ntouch {m}"])
async def test_cve_2021_41254_spec_values_never_reach_a_shell(
        served: Repo, tmp_path: Path, evil: str) -> None:
    marker = tmp_path / "pwned"
    value = evil.format(m=marker)
    with GitHTTPServer(tmp_path / "srv") as server:
        url = server.url("app")
        for ref in (api.GitRepositoryRef(branch=value), api.GitRepositoryRef(tag=value),
                    api.GitRepositoryRef(name=value)):
            with auth.git_env(url, None, timeout=10) as env, \
                    pytest.raises(errors.GitOpsError):
                await git.resolve(ref, url=url, env=env, timeout=10)
        with auth.git_env(url, None, timeout=10) as env:
            resolved = await git.resolve(api.GitRepositoryRef(branch="main"), url=url,
                                         env=env, timeout=10)
            with pytest.raises(errors.GitOpsError):
                await git.checkout(resolved, url=url, dest=tmp_path / "co", env=env,
                                   timeout=10, sparse=[value])
    assert not marker.exists()


async def test_cve_2022_39253_local_and_ext_transports_are_refused(
        served: Repo, tmp_path: Path) -> None:
    for url in (f"file://{served.bare}", str(served.bare), "ext::sh -c touch% /tmp/x"):
        with auth.git_env(url, None, timeout=10) as env, pytest.raises(errors.FetchError):
            await git.resolve(api.GitRepositoryRef(branch="main"), url=url, env=env,
                              timeout=10)


async def test_cve_2024_31216_credentials_in_urls_and_secrets_never_in_errors(
        served: Repo, tmp_path: Path) -> None:
    server = GitHTTPServer(tmp_path / "srv", username="u", password="url-pa55").start()
    port = server.port
    server.stop()
    url = f"http://u:url-pa55@127.0.0.1:{port}/app.git"
    creds = auth.Credentials(username="u", password="s3cret-pa55")
    with auth.git_env(url, creds, timeout=10) as env, \
            pytest.raises(errors.FetchError) as info:
        await git.resolve(api.GitRepositoryRef(branch="main"), url=url, env=env, timeout=10,
                          secrets=creds.secret_values())
    text = info.value.one_line()
    assert "url-pa55" not in text and "s3cret-pa55" not in text
    assert "***@127.0.0.1" in text


async def test_git_timeouts_kill_the_process(tmp_path: Path) -> None:
    """Every network read has a deadline (CVE-2024-29893's lesson): a silent server."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)  # accepts, never answers
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/app.git"
        with auth.git_env(url, None, timeout=1) as env, \
                pytest.raises(errors.FetchError, match="timed out after 1s"):
            await git.resolve(api.GitRepositoryRef(branch="main"), url=url, env=env, timeout=1)
