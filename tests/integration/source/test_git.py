"""The git layer against real servers on loopback: refs, auth, host keys, timeouts."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.gitserver import (
    GitHTTPServer,
    Repo,
    Signer,
    SSHGitServer,
    generate_key,
    gpg_signer,
    ssh_signer,
)
from tests.gitserver.repo import git as repo_git

from tether import errors
from tether.api import source as api
from tether.source import auth, git, verify


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo.create(tmp_path / "srv", "app")
    repo.commit({"README.md": "v1\n"}, message="first")
    return repo


@pytest.fixture
def http(tmp_path: Path) -> Iterator[GitHTTPServer]:
    with GitHTTPServer(tmp_path / "srv", username="alice", password="s3cr3t-pw") as server:
        yield server


async def _fetch(url: str, ref: api.GitRepositoryRef, dest: Path,
                 creds: auth.Credentials | None) -> git.Checkout:
    with auth.git_env(url, creds, timeout=20) as env:
        resolved = await git.resolve(ref, url=url, env=env, timeout=20)
        return await git.checkout(resolved, url=url, dest=dest, env=env, timeout=20)


async def test_branch_over_http_basic_auth(repo: Repo, http: GitHTTPServer,
                                           tmp_path: Path) -> None:
    head = repo.commit({"deploy/cm.yaml": "kind: ConfigMap\n"}, message="add cm")
    creds = auth.Credentials(username="alice", password="s3cr3t-pw")
    out = await _fetch(http.url("app"), api.GitRepositoryRef(branch="main"), tmp_path / "co",
                       creds)
    assert out.revision == f"main@sha1:{head}"
    assert out.subject == "add cm"
    assert (tmp_path / "co" / "deploy" / "cm.yaml").read_text() == "kind: ConfigMap\n"
    shallow = (tmp_path / "co" / ".git" / "shallow").read_text().split()
    assert shallow == [head]


async def test_wrong_password_is_an_auth_error_without_the_secret(
        repo: Repo, http: GitHTTPServer, tmp_path: Path) -> None:
    creds = auth.Credentials(username="alice", password="wrong-horse")
    with pytest.raises(errors.AuthError) as info:
        await _fetch(http.url("app"), api.GitRepositoryRef(branch="main"), tmp_path / "co",
                     creds)
    text = info.value.one_line()
    assert "401" in text or "Authentication failed" in text or "could not read" in text
    assert "wrong-horse" not in text
    assert base64.b64encode(b"alice:wrong-horse").decode() not in text


async def test_bearer_token(repo: Repo, tmp_path: Path) -> None:
    with GitHTTPServer(tmp_path / "srv", token="tok-123456") as server:
        out = await _fetch(server.url("app"), api.GitRepositoryRef(branch="main"),
                           tmp_path / "co", auth.Credentials(bearer_token="tok-123456"))
        assert out.revision.startswith("main@sha1:")
        with pytest.raises(errors.AuthError):
            await _fetch(server.url("app"), api.GitRepositoryRef(branch="main"),
                         tmp_path / "co2", auth.Credentials(bearer_token="nope-nope"))


async def test_tags_semver_name_and_commit(repo: Repo, tmp_path: Path) -> None:
    first = repo.commit({"a": "1"}, message="one")
    repo.tag("v1.0.0")
    second = repo.commit({"a": "2"}, message="two")
    repo.tag("v1.2.0", annotated=True)
    repo.commit({"a": "3"}, message="three")
    repo.tag("v2.0.0")
    with GitHTTPServer(tmp_path / "srv") as server:
        url = server.url("app")
        tag = await _fetch(url, api.GitRepositoryRef(tag="v1.0.0"), tmp_path / "t", None)
        assert tag.revision == f"v1.0.0@sha1:{first}"
        ranged = await _fetch(url, api.GitRepositoryRef(semver=">=1.0.0 <2.0.0"),
                              tmp_path / "s", None)
        assert ranged.revision == f"v1.2.0@sha1:{second}"
        named = await _fetch(url, api.GitRepositoryRef(name="refs/tags/v1.2.0"),
                             tmp_path / "n", None)
        assert named.revision == f"refs/tags/v1.2.0@sha1:{second}"
        pinned = await _fetch(url, api.GitRepositoryRef(commit=first), tmp_path / "c", None)
        assert pinned.revision == f"sha1:{first}"
        assert (tmp_path / "c" / "a").read_text() == "1"
        both = await _fetch(url, api.GitRepositoryRef(branch="main", commit=second),
                            tmp_path / "b", None)
        assert both.revision == f"main@sha1:{second}"
        with pytest.raises(errors.FetchError, match="couldn't find remote ref"):
            await _fetch(url, api.GitRepositoryRef(branch="nope"), tmp_path / "x", None)
        with pytest.raises(errors.FetchError, match="semver"):
            await _fetch(url, api.GitRepositoryRef(semver=">=9"), tmp_path / "y", None)


async def test_ssh_key_auth_and_host_key_checking(repo: Repo, tmp_path: Path) -> None:
    public = generate_key(tmp_path / "id")
    identity = (tmp_path / "id").read_bytes()
    with SSHGitServer(tmp_path / "srv", tmp_path / "sshd", authorized_keys=[public]) as server:
        good = auth.Credentials(identity=identity,
                                known_hosts=server.known_hosts_line().encode())
        out = await _fetch(server.url("app"), api.GitRepositoryRef(branch="main"),
                           tmp_path / "co", good)
        assert out.revision.startswith("main@sha1:")
        generate_key(tmp_path / "other")
        other = (tmp_path / "other.pub").read_text().split()
        wrong = auth.Credentials(identity=identity, known_hosts=(
            f"[127.0.0.1]:{server.port} {other[0]} {other[1]}\n").encode())
        with pytest.raises(errors.AuthError, match=r"[Hh]ost key"):
            await _fetch(server.url("app"), api.GitRepositoryRef(branch="main"),
                         tmp_path / "co2", wrong)
        with pytest.raises(errors.AuthError, match="known_hosts"):
            await _fetch(server.url("app"), api.GitRepositoryRef(branch="main"),
                         tmp_path / "co3", auth.Credentials(identity=identity))


async def test_ssh_passphrase_protected_key(repo: Repo, tmp_path: Path) -> None:
    public = generate_key(tmp_path / "id", passphrase="pass-phrase-1")
    with SSHGitServer(tmp_path / "srv", tmp_path / "sshd", authorized_keys=[public]) as server:
        creds = auth.Credentials(identity=(tmp_path / "id").read_bytes(),
                                 password="pass-phrase-1",
                                 known_hosts=server.known_hosts_line().encode())
        out = await _fetch(server.url("app"), api.GitRepositoryRef(branch="main"),
                           tmp_path / "co", creds)
        assert out.revision.startswith("main@sha1:")


async def test_unreachable_server_is_a_fetch_error(tmp_path: Path) -> None:
    server = GitHTTPServer(tmp_path).start()
    url = server.url("app")
    server.stop()
    with pytest.raises(errors.FetchError, match="unable to list remote refs"):
        await _fetch(url, api.GitRepositoryRef(branch="main"), tmp_path / "co", None)


@pytest.mark.parametrize("kind", ["pgp", "ssh"])
async def test_signature_by_an_untrusted_key_is_refused(tmp_path: Path, kind: str) -> None:
    def signer(name: str) -> Signer:
        return (gpg_signer(tmp_path / name, email=f"{name}@example.com") if kind == "pgp"
                else ssh_signer(tmp_path / name))
    author, trusted = signer("author"), signer("trusted")
    repo = Repo.create(tmp_path / "srv", "app")
    repo.commit({"a": "1"}, message="signed", sign=author.sign)
    with GitHTTPServer(tmp_path / "srv") as server:
        out = await _fetch(server.url("app"), api.GitRepositoryRef(branch="main"),
                           tmp_path / "co", None)
        with auth.git_env(server.url("app"), None, timeout=20) as env:
            ok = await verify.verify(out.path, mode="HEAD", env=env, timeout=20, tag=None,
                                     keys=_keys(author))
            assert ok.startswith(f"verified signature of commit '{out.commit}'")
            with pytest.raises(errors.VerificationError, match=r"not signed by a key|failed"):
                await verify.verify(out.path, mode="HEAD", env=env, timeout=20, tag=None,
                                    keys=_keys(trusted))


def _keys(signer: Signer) -> verify.Keys:
    return verify.Keys.from_secret({"metadata": {"name": "k"}, "data": {
        signer.secret_key: base64.b64encode(signer.public).decode()}})


async def test_sparse_checkout_and_submodules(tmp_path: Path) -> None:
    lib = Repo.create(tmp_path / "srv", "lib")
    lib.commit({"lib.yaml": "kind: Lib\n"}, message="lib")
    repo = Repo.create(tmp_path / "srv", "app")
    repo.commit({"deploy/a.yaml": "a", "docs/readme.md": "r"}, message="one")
    with GitHTTPServer(tmp_path / "srv", username="u", password="pw-sub") as server:
        sparse = await _checkout(server.url("app"), tmp_path / "sparse", sparse=["deploy"])
        assert (sparse / "deploy" / "a.yaml").exists()
        assert not (sparse / "docs").exists()
        with pytest.raises(errors.InvalidSpecError, match="relative path"):
            await _checkout(server.url("app"), tmp_path / "bad", sparse=["../etc"])
        with pytest.raises(errors.FetchError, match="does not exist"):
            await _checkout(server.url("app"), tmp_path / "missing", sparse=["nope"])
        git_in_work = ["-c", "protocol.allow=always", "-c",
                       f"http.extraHeader=Authorization: Basic "
                       f"{base64.b64encode(b'u:pw-sub').decode()}"]
        repo_git(*git_in_work, "submodule", "add", "-q", server.url("lib"), "vendor/lib",
                 cwd=repo.work)
        repo.commit({}, message="add submodule")
        plain = await _checkout(server.url("app"), tmp_path / "plain")
        assert not (plain / "vendor" / "lib" / "lib.yaml").exists()
        deep = await _checkout(server.url("app"), tmp_path / "deep", submodules=True)
        assert (deep / "vendor" / "lib" / "lib.yaml").read_text() == "kind: Lib\n"


async def _checkout(url: str, dest: Path, **kwargs: object) -> Path:
    creds = auth.Credentials(username="u", password="pw-sub")
    with auth.git_env(url, creds, timeout=20) as env:
        resolved = await git.resolve(api.GitRepositoryRef(branch="main"), url=url, env=env,
                                     timeout=20)
        out = await git.checkout(resolved, url=url, dest=dest, env=env, timeout=20,
                                 **kwargs)  # type: ignore[arg-type]
        return out.path
