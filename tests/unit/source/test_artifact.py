"""Deterministic packing and safe unpacking of artifacts."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from tether import errors
from tether.source import artifact


def _tree(root: Path, *, mtime: int) -> list[str]:
    files = {"b/deploy.yaml": "kind: A\n", "a.txt": "x", "run.sh": "#!/bin/sh\n",
             "deep/er/file": "y" * 5000}
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, (mtime, mtime))
    (root / "run.sh").chmod(0o775)
    (root / "a.txt").chmod(0o600)
    return list(files)


def _pack(root: Path, files: list[str]) -> tuple[bytes, artifact.Packed]:
    out = io.BytesIO()
    packed = artifact.pack(root, files, out)
    return out.getvalue(), packed


def test_same_tree_same_bytes_and_digest(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    files = _tree(one, mtime=1_000_000)
    _tree(two, mtime=2_000_000)
    data1, packed1 = _pack(one, files)
    data2, packed2 = _pack(two, list(reversed(files)))
    assert data1 == data2
    assert packed1 == packed2
    assert packed1.digest == "sha256:" + hashlib.sha256(data1).hexdigest()
    assert packed1.size == len(data1) and packed1.files == 4
    assert data1[4:8] == b"\0\0\0\0"  # gzip header mtime


def test_entries_are_normalised(tmp_path: Path) -> None:
    files = _tree(tmp_path / "t", mtime=123)
    data, _ = _pack(tmp_path / "t", files)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == sorted(files)
    modes = {m.name: m.mode for m in members}
    assert modes["run.sh"] == 0o755 and modes["a.txt"] == 0o644
    assert all(m.mtime == 0 and m.uid == 0 and m.gid == 0 and m.uname == "" for m in members)


def test_unpack_round_trip(tmp_path: Path) -> None:
    files = _tree(tmp_path / "t", mtime=1)
    data, packed = _pack(tmp_path / "t", files)
    count = artifact.unpack(data, tmp_path / "out", expected_digest=packed.digest)
    assert count == 4
    assert (tmp_path / "out" / "deep/er/file").read_text() == "y" * 5000
    assert os.access(tmp_path / "out" / "run.sh", os.X_OK)
    path = tmp_path / "a.tgz"
    path.write_bytes(data)
    assert artifact.unpack(path, tmp_path / "out2", expected_digest=packed.digest) == 4


def test_digest_mismatch_extracts_nothing(tmp_path: Path) -> None:
    data, _ = _pack(tmp_path, [])
    with pytest.raises(errors.ArtifactError, match="digest mismatch"):
        artifact.unpack(data, tmp_path / "out", expected_digest="sha256:" + "0" * 64)
    assert not (tmp_path / "out").exists()


def _evil(build: object) -> tuple[bytes, str]:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        build(tar)  # type: ignore[operator]
    data = out.getvalue()
    return data, "sha256:" + hashlib.sha256(data).hexdigest()


def _add_file(tar: tarfile.TarFile, name: str, content: bytes = b"x") -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    tar.addfile(info, io.BytesIO(content))


def _add_link(tar: tarfile.TarFile, name: str, target: str, kind: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    tar.addfile(info)


def _add_twice(tar: tarfile.TarFile, name: str) -> None:
    _add_file(tar, name)
    _add_file(tar, name)


def _add_many(tar: tarfile.TarFile, count: int) -> None:
    for i in range(count):
        _add_file(tar, f"f{i}")


@pytest.mark.parametrize(("build", "match"), [
    (lambda t: _add_file(t, "../escape"), "unsafe path"),
    (lambda t: _add_file(t, "/etc/passwd"), "unsafe path"),
    (lambda t: _add_file(t, "a/../../x"), "unsafe path"),
    (lambda t: _add_link(t, "l", "/etc/passwd", tarfile.SYMTYPE), "not a regular file"),
    (lambda t: _add_link(t, "h", "../../x", tarfile.LNKTYPE), "not a regular file"),
    (lambda t: _add_link(t, "d", "", tarfile.CHRTYPE), "not a regular file"),
    (lambda t: _add_twice(t, "a"), "duplicate"),
])
def test_unsafe_archives_are_rejected(tmp_path: Path, build: object, match: str) -> None:
    """CVE-2007-4559 (tar slip): ``..``/absolute names, links and devices never extract."""
    data, digest = _evil(build)
    with pytest.raises(errors.ArtifactError, match=match):
        artifact.unpack(data, tmp_path / "out", expected_digest=digest)
    assert not (tmp_path / "escape").exists()


def test_size_and_count_caps(tmp_path: Path) -> None:
    """CVE-2023-40584 (unbounded extraction): size and entry-count caps."""
    data, digest = _evil(lambda t: _add_file(t, "big", b"0" * 10_000))
    with pytest.raises(errors.ArtifactError, match="size limit"):
        artifact.unpack(data, tmp_path / "o1", expected_digest=digest, max_bytes=9_999)
    many, digest2 = _evil(lambda t: _add_many(t, 20))
    with pytest.raises(errors.ArtifactError, match="more than 10 entries"):
        artifact.unpack(many, tmp_path / "o2", expected_digest=digest2, max_files=10)


def test_destination_must_be_empty(tmp_path: Path) -> None:
    data, digest = _evil(lambda t: _add_file(t, "a"))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("")
    with pytest.raises(errors.ArtifactError, match="not empty"):
        artifact.unpack(data, tmp_path / "out", expected_digest=digest)


def test_garbage_is_an_artifact_error(tmp_path: Path) -> None:
    data = b"not a tarball"
    with pytest.raises(errors.ArtifactError, match="cannot extract"):
        artifact.unpack(data, tmp_path / "o", expected_digest=artifact.digest_of(data))
