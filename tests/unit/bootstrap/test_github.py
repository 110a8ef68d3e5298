"""The GitHub client against the local GitHub API stand-in (real HTTP, real bare repos)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.bootstrap.github_api import FakeGitHub

from tether import errors
from tether.bootstrap import github

TOKEN = "ghp_unitTOKEN0123456789"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[FakeGitHub]:
    with FakeGitHub(tmp_path, token=TOKEN, user="alice",
                    clone_base="http://127.0.0.1:1") as fake:
        yield fake


def test_api_base() -> None:
    assert github.api_base(None) == "https://api.github.com"
    assert github.api_base("github.com") == "https://api.github.com"
    assert github.api_base("ghe.example.com") == "https://ghe.example.com/api/v3"


def test_ssh_sync_url_turns_scp_form_into_url() -> None:
    repo = github.Repository(owner="o", name="r", clone_url="https://github.com/o/r.git",
                             ssh_url="git@github.com:o/r.git", private=True,
                             default_branch="main")
    assert repo.ssh_sync_url == "ssh://git@github.com/o/r.git"


async def test_find_create_and_keys(api: FakeGitHub) -> None:
    async with github.GitHubClient(token=TOKEN, base_url=api.url) as gh:
        assert await gh.user() == "alice"
        assert await gh.get_repository("alice", "fleet") is None
        created = await gh.create_repository(owner="alice", name="fleet", personal=True,
                                             private=True)
        assert created.clone_url == "http://127.0.0.1:1/alice/fleet.git"
        assert api.bare("alice", "fleet").is_dir()
        assert (await gh.get_repository("alice", "fleet")) == created
        org = await gh.create_repository(owner="acme", name="infra", personal=False,
                                         private=False)
        assert org.owner == "acme" and org.private is False
        key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyOne tether"
        assert await gh.ensure_deploy_key(owner="alice", name="fleet", title="t", key=key,
                                          read_only=True) is True
        assert await gh.ensure_deploy_key(owner="alice", name="fleet", title="t", key=key,
                                          read_only=True) is False
        other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyTwo"
        assert await gh.ensure_deploy_key(owner="alice", name="fleet", title="t", key=other,
                                          read_only=True) is True
        keys = await gh.deploy_keys("alice", "fleet")
        assert [k.key for k in keys] == [other]
    assert "POST /user/repos" in api.requests and "POST /orgs/acme/repos" in api.requests
    assert set(api.auth_headers) == {f"Bearer {TOKEN}"}


async def test_bad_token_is_an_auth_error_without_the_token(api: FakeGitHub) -> None:
    async with github.GitHubClient(token="wrong-token-xyz", base_url=api.url) as gh:
        with pytest.raises(errors.AuthError) as info:
            await gh.user()
    assert "Bad credentials" in str(info.value)
    assert "wrong-token-xyz" not in info.value.one_line()


async def test_unreachable_api_is_a_fetch_error() -> None:
    async with github.GitHubClient(token=TOKEN, base_url="http://127.0.0.1:9") as gh:
        with pytest.raises(errors.FetchError):
            await gh.user()


async def test_personal_owner_must_be_the_token_user(api: FakeGitHub) -> None:
    from tether.bootstrap import components, provider, report

    opts = provider.GitHubOptions(owner="bob", repository="fleet", branch="main",
                                  path="clusters/dev", install=components.InstallOptions(),
                                  personal=True)
    async with github.GitHubClient(token=TOKEN, base_url=api.url) as gh:
        with pytest.raises(errors.ConfigError) as info:
            await provider._repository(gh, opts, reporter=report.Recorder())
    assert info.value.one_line() == (
        "--personal: the token belongs to 'alice', not to owner 'bob'")
    assert "POST /user/repos" not in api.requests


def test_deploy_key_title_is_fluxs() -> None:
    from tether.bootstrap import provider

    assert provider.deploy_key_title(secret_name="flux-system", branch="main",
                                     namespace="flux-system", path="clusters/my-cluster/") == (
        "flux-system-main-flux-system-./clusters/my-cluster")


async def test_malformed_answers_are_errors_not_tracebacks() -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    async def garbage(request: web.Request) -> web.Response:
        return web.Response(text="{not json", content_type="application/json")

    async def empty(request: web.Request) -> web.Response:
        return web.json_response({"unexpected": True})

    app = web.Application()
    app.router.add_get("/user", garbage)
    app.router.add_get("/repos/o/r", empty)
    async with TestServer(app, host="127.0.0.1") as server:
        base = str(server.make_url("")).rstrip("/")
        async with github.GitHubClient(token=TOKEN, base_url=base) as gh:
            with pytest.raises(errors.FetchError, match="not valid JSON"):
                await gh.user()
            with pytest.raises(errors.FetchError, match="unexpected answer"):
                await gh.get_repository("o", "r")
