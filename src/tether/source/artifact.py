"""Artifacts: deterministic ``.tar.gz`` packing, ``sha256`` digests, safe unpacking.

Design: the same tree must always give the same bytes, so the digest identifies content:
entries are regular files only, sorted, with mtime 0, uid/gid 0, empty owner names,
mode 0644 (0755 when the owner-executable bit is set), PAX format, and a gzip header with
mtime 0 and no file name. Unpacking is the mirror and is shared with the Kustomization
controller: the digest is checked *before* anything is extracted (an artifact that does not
verify is never used), then every member is checked — no absolute or ``..`` names, no links,
devices or FIFOs, bounded total size and file count — and files are created with fixed
modes, ``O_EXCL|O_NOFOLLOW``, inside a destination that must be empty.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from tether import errors

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_FILES",
    "Packed",
    "digest_of",
    "pack",
    "unpack",
]

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
"""Default cap on the uncompressed size of an artifact (Flux's ``DefaultMaxUntarSize``)."""
DEFAULT_MAX_FILES = 100_000
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Packed:
    """What :func:`pack` wrote: digest (``sha256:<hex>``), size in bytes, file count."""

    digest: str
    size: int
    files: int


class _HashingWriter(io.RawIOBase):
    """Write-through wrapper that hashes and counts what reaches the file."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self.sha = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = bytes(data)
        self._out.write(view)
        self.sha.update(view)
        self.size += len(view)
        return len(view)


def _tarinfo(name: str, size: int, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o755 if mode & stat.S_IXUSR else 0o644
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.type = tarfile.REGTYPE
    return info


def pack(root: Path, files: Iterable[str], out: BinaryIO) -> Packed:
    """Write a deterministic tar.gz of ``files`` (posix paths relative to ``root``) to ``out``.

    Files are archived in sorted order regardless of the order given.
    """
    writer = _HashingWriter(out)
    count = 0
    with (gzip.GzipFile(filename="", mode="wb", fileobj=writer, mtime=0, compresslevel=6) as gz,
          tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar):
        for name in sorted(set(files)):
            path = root / name
            st = path.lstat()
            if not stat.S_ISREG(st.st_mode):
                continue
            with open(path, "rb") as handle:
                tar.addfile(_tarinfo(name, st.st_size, st.st_mode), handle)
            count += 1
    return Packed(digest=f"sha256:{writer.sha.hexdigest()}", size=writer.size, files=count)


def digest_of(source: bytes | Path) -> str:
    """``sha256:<hex>`` of bytes or of a file's content."""
    sha = hashlib.sha256()
    if isinstance(source, bytes | bytearray):
        sha.update(source)
    else:
        with open(source, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                sha.update(chunk)
    return f"sha256:{sha.hexdigest()}"


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if (not name or "\x00" in name or path.is_absolute() or name.startswith("\\")
            or any(part in ("..",) for part in path.parts)):
        raise errors.ArtifactError(f"unsafe path in artifact: {name!r}")
    parts = [p for p in path.parts if p not in (".", "")]
    if not parts:
        raise errors.ArtifactError(f"unsafe path in artifact: {name!r}")
    return PurePosixPath(*parts)


def _write_member(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path,
                  budget: int) -> int:
    source = tar.extractfile(member)
    if source is None:
        raise errors.ArtifactError(f"cannot read {member.name!r} from artifact")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    mode = 0o755 if member.mode & stat.S_IXUSR else 0o644
    written = 0
    with source, os.fdopen(os.open(target, flags, mode), "wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > budget:
                raise errors.ArtifactError("artifact exceeds the size limit while extracting")
            out.write(chunk)
    return written


def _mkdirs(dest: Path, rel: PurePosixPath) -> Path:
    current = dest
    for part in rel.parts:
        current = current / part
        if current.is_symlink():
            raise errors.ArtifactError(f"unsafe path in artifact: {str(rel)!r} crosses a link")
        if not current.exists():
            current.mkdir(mode=0o755)
        elif not current.is_dir():
            raise errors.ArtifactError(f"artifact path conflict at {str(rel)!r}")
    return current


def unpack(
    source: bytes | Path,
    dest: Path,
    *,
    expected_digest: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_files: int = DEFAULT_MAX_FILES,
) -> int:
    """Verify ``source`` against ``expected_digest``, then extract it into ``dest``.

    ``dest`` is created if missing and must be empty. Returns the number of files
    extracted. Raises ``ArtifactError`` on a digest mismatch (nothing is extracted), an
    unsafe member (absolute or ``..`` path, link, device), more than ``max_bytes``
    uncompressed or more than ``max_files`` entries.
    """
    actual = digest_of(source)
    if actual != expected_digest:
        raise errors.ArtifactError(
            f"artifact digest mismatch: expected {expected_digest}, got {actual}"
        )
    dest.mkdir(mode=0o755, parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise errors.ArtifactError(f"extraction directory {dest} is not empty")
    fileobj: BinaryIO = (io.BytesIO(source) if isinstance(source, bytes | bytearray)
                         else open(source, "rb"))  # noqa: SIM115 - closed by the with below
    remaining, files = max_bytes, 0
    try:
        with fileobj, tarfile.open(fileobj=fileobj, mode="r:gz") as tar:
            for member in tar:
                files += 1
                if files > max_files:
                    raise errors.ArtifactError(f"artifact has more than {max_files} entries")
                rel = _safe_name(member.name)
                if member.isdir():
                    _mkdirs(dest, rel)
                    continue
                if not member.isreg():
                    raise errors.ArtifactError(
                        f"unsafe entry in artifact: {member.name!r} is not a regular file")
                if member.size > remaining:
                    raise errors.ArtifactError(
                        f"artifact exceeds the size limit of {max_bytes} bytes")
                parent = _mkdirs(dest, rel.parent) if rel.parent.parts else dest
                remaining -= _write_member(tar, member, parent / rel.name, remaining)
    except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile) as exc:
        if isinstance(exc, FileExistsError):
            raise errors.ArtifactError(f"artifact has a duplicate entry: {exc.filename}") from exc
        raise errors.ArtifactError(f"cannot extract artifact: {exc}") from exc
    return files
