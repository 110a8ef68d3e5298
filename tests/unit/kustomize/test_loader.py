"""loader: load restrictions, cycles and remote references."""

from __future__ import annotations

import pytest

from tether import errors
from tether.kustomize.fs import InMemoryFS
from tether.kustomize.loader import (
    LOAD_RESTRICTIONS_NONE,
    FetchedRepo,
    Loader,
    is_remote_file,
    is_repo_url,
)

FS = InMemoryFS({"/base/r.yaml": "a: 1\n", "/app/k.yaml": "b: 2\n", "/app/sub/s.yaml": "c\n"})


def test_root_only_refuses_files_outside_the_root() -> None:
    loader = Loader(fs=FS, root="/app")
    assert loader.load("sub/s.yaml") == b"c\n"
    with pytest.raises(errors.BuildError, match="is not in or below"):
        loader.load("../base/r.yaml")


def test_no_restrictions_allows_it() -> None:
    loader = Loader(fs=FS, root="/app", restriction=LOAD_RESTRICTIONS_NONE)
    assert loader.load("../base/r.yaml") == b"a: 1\n"


def test_child_directories_may_be_anywhere_but_not_cycles() -> None:
    app = Loader(fs=FS, root="/app")
    base = app.child("../base")
    assert base.root == "/base"
    sub = app.child("sub")
    with pytest.raises(errors.BuildError, match="cycle detected"):
        sub.child("..")
    with pytest.raises(errors.BuildError, match="cannot be absolute"):
        app.child("/base")


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/org/repo//base?ref=v1",
        "git@github.com:org/repo.git/base",
        "git::https://example.com/org/repo.git//x",
        "ssh://git@host/org/repo.git",
        "https://dev.azure.com/org/p/_git/repo/path",
    ],
)
def test_repo_urls(url: str) -> None:
    assert is_repo_url(url)


def test_plain_http_files_are_not_repos() -> None:
    assert is_remote_file("https://example.com/manifests/app.yaml")
    assert not is_repo_url("https://example.com/manifests/app.yaml")


class _Fetcher:
    def __init__(self) -> None:
        self.repo_fs = InMemoryFS({"/clone/base/kustomization.yaml": "namePrefix: r-\n"})

    def fetch_repo(self, url: str) -> FetchedRepo:
        return FetchedRepo(
            fs=self.repo_fs,
            repo_root="/clone",
            path="/clone/base",
            repo="https://github.com/org/repo",
            ref="v1",
        )

    def fetch_file(self, url: str) -> bytes:
        return b"remote: file\n"


def test_remote_bases_go_through_the_fetcher_and_stay_in_the_clone() -> None:
    loader = Loader(fs=FS, root="/app", fetcher=_Fetcher())
    child = loader.child("https://github.com/org/repo//base?ref=v1")
    assert child.root == "/clone/base" and child.repo is not None
    with pytest.raises(errors.BuildError, match="leaves repository"):
        child.child("../..")
    assert loader.load("https://example.com/x.yaml") == b"remote: file\n"
