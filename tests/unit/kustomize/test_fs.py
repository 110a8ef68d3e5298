"""fs: the in-memory file system (unit tests never touch the disk)."""

from __future__ import annotations

import pytest

from tether import errors
from tether.kustomize.fs import InMemoryFS, clean, is_within


def test_directories_are_implied() -> None:
    fs = InMemoryFS({"/a/b/c.yaml": "x: 1\n"})
    assert fs.is_dir("/a") and fs.is_dir("/a/b") and fs.is_file("/a/b/c.yaml")
    assert not fs.is_file("/a/b")
    assert fs.read_bytes("/a/b/c.yaml") == b"x: 1\n"


def test_missing_file_is_a_build_error() -> None:
    with pytest.raises(errors.BuildError, match="does not exist"):
        InMemoryFS().read_bytes("/nope")


def test_clean_treats_parent_of_root_as_root() -> None:
    assert clean("/..") == "/"
    assert clean("/a/../b/./c") == "/b/c"


def test_is_within() -> None:
    assert is_within("/a/b", "/a")
    assert is_within("/a", "/a")
    assert not is_within("/ab", "/a")
    assert is_within("/anything", "/")


def test_relative_paths_are_absolute_from_the_root() -> None:
    assert InMemoryFS().absolute("app/overlay") == "/app/overlay"
