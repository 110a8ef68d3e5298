"""The file systems a build reads from: a Protocol, an on-disk one and an in-memory one.

Design: the build never touches ``os``/``open`` directly; it asks a ``FileSystem`` for
bytes, directory-ness and real paths (symlinks resolved). That keeps the engine testable
with ``InMemoryFS`` and lets ``OnDiskFS`` confine every access to one directory tree (the
way Flux's secure file system confines kustomize to the source artifact): a symlink that
leads outside the tree is refused. Paths are absolute POSIX strings.

>>> fs = InMemoryFS({"/app/kustomization.yaml": "resources: []\\n"})
>>> fs.is_dir("/app"), fs.is_file("/app/kustomization.yaml")
(True, True)
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from typing import Protocol

from tether import errors

__all__ = ["FileSystem", "InMemoryFS", "OnDiskFS", "clean", "is_within"]


class FileSystem(Protocol):
    """What the build needs from a file system; all paths are absolute and clean."""

    def read_bytes(self, path: str) -> bytes:
        """The file's content; BuildError if it is missing or not a file."""

    def is_dir(self, path: str) -> bool:
        """Whether ``path`` is a directory."""

    def is_file(self, path: str) -> bool:
        """Whether ``path`` is a regular file."""

    def realpath(self, path: str) -> str:
        """``path`` with every symlink resolved (BuildError when it escapes a confinement)."""

    def absolute(self, path: str) -> str:
        """``path`` made absolute and clean (how a caller's relative path is meant)."""


def clean(path: str) -> str:
    """Normalise an absolute path (``/..`` is ``/``, as in kustomize's in-memory FS)."""
    cleaned = posixpath.normpath(path if path.startswith("/") else "/" + path)
    return "/" if cleaned.startswith("//") and cleaned.strip("/") == "" else cleaned


def is_within(path: str, root: str) -> bool:
    """Whether ``path`` equals ``root`` or lies below it."""
    return path == root or root == "/" or path.startswith(root.rstrip("/") + "/")


class InMemoryFS:
    """A dictionary of files; directories are implied by the files below them."""

    def __init__(self, files: Mapping[str, str | bytes] | None = None) -> None:
        self._files: dict[str, bytes] = {}
        self._dirs: set[str] = {"/"}
        for path, content in (files or {}).items():
            self.write(path, content)

    def write(self, path: str, content: str | bytes) -> None:
        """Create or replace a file (and its parent directories)."""
        path = clean(path)
        self._files[path] = content.encode() if isinstance(content, str) else content
        parent = posixpath.dirname(path)
        while parent not in self._dirs:
            self._dirs.add(parent)
            parent = posixpath.dirname(parent)

    def mkdir(self, path: str) -> None:
        """Create an (empty) directory."""
        self.write(posixpath.join(clean(path), ".keep"), b"")
        del self._files[posixpath.join(clean(path), ".keep")]

    def read_bytes(self, path: str) -> bytes:
        try:
            return self._files[clean(path)]
        except KeyError:
            raise errors.BuildError(f"file {path} does not exist") from None

    def is_dir(self, path: str) -> bool:
        return clean(path) in self._dirs

    def is_file(self, path: str) -> bool:
        return clean(path) in self._files

    def realpath(self, path: str) -> str:
        return clean(path)

    def absolute(self, path: str) -> str:
        return clean(path)


class OnDiskFS:
    """The real disk, confined to ``root`` (after resolving symlinks) when one is given."""

    def __init__(self, root: str | None = None) -> None:
        self.root = os.path.realpath(root) if root else None

    def _confine(self, path: str) -> str:
        real = os.path.realpath(path)
        if self.root is not None and not is_within(real, self.root):
            raise errors.BuildError(
                f"security; path {path} resolves to {real}, outside of {self.root}"
            )
        return real

    def read_bytes(self, path: str) -> bytes:
        real = self._confine(path)
        if not os.path.isfile(real):
            raise errors.BuildError(f"file {path} does not exist")
        with open(real, "rb") as handle:
            return handle.read()

    def is_dir(self, path: str) -> bool:
        try:
            return os.path.isdir(self._confine(path))
        except errors.BuildError:
            return False

    def is_file(self, path: str) -> bool:
        try:
            return os.path.isfile(self._confine(path))
        except errors.BuildError:
            return False

    def realpath(self, path: str) -> str:
        return self._confine(path)

    def absolute(self, path: str) -> str:
        """Relative paths are relative to the confinement root, else to the process's cwd."""
        if not os.path.isabs(path):
            path = os.path.join(self.root, path) if self.root else os.path.abspath(path)
        return os.path.normpath(path)
