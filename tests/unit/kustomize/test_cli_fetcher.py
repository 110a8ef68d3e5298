"""The CLI's git fetcher: parsing of kustomize's remote-base URLs (no network here)."""

from __future__ import annotations

import pytest

from tether.cli.kustomize_fetcher import parse_repo_url


@pytest.mark.parametrize(
    ("url", "clone", "path", "ref"),
    [
        (
            "https://github.com/org/repo//deploy/base?ref=v1.2",
            "https://github.com/org/repo.git",
            "deploy/base",
            "v1.2",
        ),
        (
            "https://github.com/org/repo/deploy?version=main",
            "https://github.com/org/repo.git",
            "deploy",
            "main",
        ),
        ("git@github.com:org/repo.git/base", "git@github.com:org/repo.git", "base", ""),
        (
            "git::https://gitlab.example.com/g/repo.git//x?ref=abc",
            "https://gitlab.example.com/g/repo.git",
            "x",
            "abc",
        ),
        ("gh:org/repo/app", "https://github.com/org/repo.git", "app", ""),
        (
            "https://dev.azure.com/o/p/_git/repo/sub",
            "https://dev.azure.com/o/p/_git/repo",
            "sub",
            "",
        ),
    ],
)
def test_parse_repo_url(url: str, clone: str, path: str, ref: str) -> None:
    spec = parse_repo_url(url)
    assert (spec.clone_url, spec.path, spec.ref) == (clone, path, ref)


def test_query_options() -> None:
    spec = parse_repo_url("https://github.com/o/r//p?ref=x&timeout=5s&submodules=false")
    assert spec.timeout == 5 and not spec.submodules
