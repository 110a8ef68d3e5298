"""The artifact store: ``<root>/<kind>/<namespace>/<name>/<digest-hex>.tar.gz``.

Design: files are content-addressed (named by their sha256), written to a temporary file in
the object's own directory, fsynced and renamed into place, so a reader (the HTTP server,
another reconciler) never sees a partial artifact, and re-storing identical content is a
no-op. Garbage collection keeps the newest ``keep`` artifacts per object (Flux keeps 2),
never the one just written. Every relative path is checked to stay under the root.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tether import errors
from tether.source import artifact

__all__ = ["Storage", "Stored"]

_SEGMENT = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
_SUFFIX = ".tar.gz"


@dataclass(frozen=True)
class Stored:
    """An artifact on disk: path relative to the root, digest, size."""

    path: str
    digest: str
    size: int
    files: int


class Storage:
    """One storage root, advertised over HTTP at ``http://<advertised>/<path>``."""

    def __init__(self, root: Path, *, advertised: str, keep: int = 2) -> None:
        self.root = root
        self.advertised = advertised
        self.keep = keep

    def object_dir(self, kind: str, namespace: str, name: str) -> str:
        """``gitrepository/<ns>/<name>`` (relative); InvalidSpecError on odd names."""
        segments = (kind.lower(), namespace, name)
        for segment in segments:
            if not _SEGMENT.match(segment):
                raise errors.ArtifactError(f"invalid storage path segment {segment!r}")
        return "/".join(segments)

    def resolve(self, rel: str) -> Path:
        """The absolute path of ``rel``; ArtifactError when it would leave the root."""
        root = self.root.resolve()
        path = (root / rel).resolve()
        if path != root and root not in path.parents:
            raise errors.ArtifactError(f"artifact path {rel!r} is outside the storage root")
        return path

    def url(self, rel: str) -> str:
        """The HTTP address of an artifact."""
        return f"http://{self.advertised}/{rel}"

    def store(self, directory: str, write: Callable[[BinaryIO], artifact.Packed]) -> Stored:
        """Run ``write`` into a temp file, then atomically publish it under its digest."""
        target_dir = self.resolve(directory)
        target_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
        tmp = target_dir / f".tmp-{secrets.token_hex(8)}"
        try:
            with open(tmp, "xb") as handle:
                packed = write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            name = packed.digest.split(":", 1)[1] + _SUFFIX
            os.chmod(tmp, 0o644)
            os.replace(tmp, target_dir / name)
            os.utime(target_dir / name)
        except OSError as exc:
            raise errors.ArtifactError(f"cannot write artifact in {directory}: {exc}") from exc
        finally:
            tmp.unlink(missing_ok=True)
        self.gc(directory, protect=name)
        return Stored(path=f"{directory}/{name}", digest=packed.digest, size=packed.size,
                      files=packed.files)

    def exists(self, rel: str) -> bool:
        """Is the artifact file present?"""
        try:
            return self.resolve(rel).is_file()
        except errors.ArtifactError:
            return False

    def verify(self, rel: str, digest: str) -> bool:
        """Does the stored file exist and match ``digest``?"""
        if not self.exists(rel):
            return False
        return artifact.digest_of(self.resolve(rel)) == digest

    def gc(self, directory: str, *, protect: str | None = None) -> list[str]:
        """Delete all but the newest ``keep`` artifacts (and stale temp files) of an object."""
        target_dir = self.resolve(directory)
        if not target_dir.is_dir():
            return []
        files = [p for p in target_dir.iterdir() if p.name.endswith(_SUFFIX) and p.is_file()]
        files.sort(key=lambda p: (p.name == protect, p.stat().st_mtime_ns), reverse=True)
        removed = []
        for path in files[self.keep:]:
            path.unlink(missing_ok=True)
            removed.append(f"{directory}/{path.name}")
        return removed

    def objects(self, kind: str) -> list[tuple[str, str]]:
        """``(namespace, name)`` of every object of ``kind`` with a storage directory."""
        base = self.root / kind.lower()
        if not base.is_dir():
            return []
        return sorted((ns.name, obj.name) for ns in base.iterdir() if ns.is_dir()
                      for obj in ns.iterdir() if obj.is_dir())

    def remove_object(self, directory: str) -> None:
        """Delete every artifact of an object (the object was deleted)."""
        target_dir = self.resolve(directory)
        if not target_dir.is_dir():
            return
        for path in target_dir.iterdir():
            if path.is_file() or path.is_symlink():
                path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            target_dir.rmdir()
        with contextlib.suppress(OSError):
            target_dir.parent.rmdir()  # the namespace directory, once empty
