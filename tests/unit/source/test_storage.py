"""Storage: content-addressed atomic writes, GC keeps the newest two, no escapes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

import pytest

from tether import errors
from tether.source import artifact, storage


def _writer(root: Path, content: str) -> object:
    (root / "f").write_text(content)

    def write(out: BinaryIO) -> artifact.Packed:
        return artifact.pack(root, ["f"], out)
    return write


def test_store_gc_and_verify(tmp_path: Path) -> None:
    store = storage.Storage(tmp_path / "data", advertised="h:9090")
    directory = store.object_dir("GitRepository", "ns", "app")
    assert directory == "gitrepository/ns/app"
    src = tmp_path / "src"
    src.mkdir()
    stored = []
    for i, content in enumerate(["one", "two", "three"]):
        item = store.store(directory, _writer(src, content))  # type: ignore[arg-type]
        os.utime(store.resolve(item.path), (1000 + i, 1000 + i))
        stored.append(item)
    assert stored[0].path == f"{directory}/{stored[0].digest.split(':')[1]}.tar.gz"
    assert store.url(stored[0].path) == f"http://h:9090/{stored[0].path}"
    store.gc(directory)
    assert [store.exists(s.path) for s in stored] == [False, True, True]
    assert store.verify(stored[2].path, stored[2].digest)
    store.resolve(stored[2].path).write_bytes(b"tampered")
    assert not store.verify(stored[2].path, stored[2].digest)
    assert not any(p.name.startswith(".tmp") for p in store.resolve(directory).iterdir())
    store.remove_object(directory)
    assert not store.resolve(directory).exists()


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    store = storage.Storage(tmp_path, advertised="h")

    def broken(out: BinaryIO) -> artifact.Packed:
        out.write(b"partial")
        raise OSError("disk full")
    with pytest.raises(errors.ArtifactError, match="disk full"):
        store.store("gitrepository/ns/a", broken)
    assert list(store.resolve("gitrepository/ns/a").iterdir()) == []


@pytest.mark.parametrize("rel", ["../x", "/etc/passwd", "a/../../x"])
def test_paths_stay_inside(tmp_path: Path, rel: str) -> None:
    store = storage.Storage(tmp_path / "root", advertised="h")
    with pytest.raises(errors.ArtifactError, match="outside"):
        store.resolve(rel)
    assert not store.exists(rel)


def test_segments_are_validated(tmp_path: Path) -> None:
    store = storage.Storage(tmp_path, advertised="h")
    with pytest.raises(errors.ArtifactError):
        store.object_dir("GitRepository", "..", "x")
