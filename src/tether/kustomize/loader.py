"""Loaders: read files relative to a kustomization root, under kustomize's load rules.

A ``Loader`` is rooted at one kustomization directory. ``load(path)`` reads a file: with
``LoadRestrictionsRootOnly`` (the default) the file, after symlinks are resolved, must lie
in or below the root. ``child(path)`` opens another kustomization directory (a base or a
component): it may be anywhere (``../base``), but not an ancestor of any directory on the
way here (a cycle), and inside a fetched repository it may not leave the repository.

Remote bases (git URLs) are the one thing a pure build cannot do itself: the loader hands
them to an injected ``RemoteFetcher``. The default is ``NoRemoteFetcher`` (refuses); the
CLI injects one that uses git. Plain http(s) file URLs go through the same fetcher.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any, Protocol

from tether import errors
from tether.kustomize.fs import FileSystem, clean, is_within

__all__ = [
    "LOAD_RESTRICTIONS_NONE",
    "LOAD_RESTRICTIONS_ROOT_ONLY",
    "FetchedRepo",
    "Loader",
    "NoRemoteFetcher",
    "RemoteFetcher",
    "is_remote_file",
    "is_repo_url",
]

LOAD_RESTRICTIONS_ROOT_ONLY = "LoadRestrictionsRootOnly"
LOAD_RESTRICTIONS_NONE = "LoadRestrictionsNone"


@dataclass(frozen=True)
class FetchedRepo:
    """A fetched remote base: a file system, the directory to build, and provenance."""

    fs: FileSystem
    repo_root: str
    path: str
    repo: str
    ref: str


class RemoteFetcher(Protocol):
    """Fetches what a pure build may not: git repositories and http(s) files."""

    def fetch_repo(self, url: str) -> FetchedRepo:
        """Clone ``url`` (kustomize's remote-base syntax) and return where to build."""

    def fetch_file(self, url: str) -> bytes:
        """GET an http(s) resource file."""


class NoRemoteFetcher:
    """The default fetcher: every remote reference is refused with a clear error."""

    def fetch_repo(self, url: str) -> FetchedRepo:
        raise errors.BuildError(f"remote base {url} not allowed: no remote fetcher configured")

    def fetch_file(self, url: str) -> bytes:
        raise errors.BuildError(f"remote file {url} not allowed: no remote fetcher configured")


_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:")
_GIT_HOSTS = ("github.com", "gitlab.com", "bitbucket.org")


def is_repo_url(path: str) -> bool:
    """Whether a resource entry names a git repository (kustomize's remote-base forms)."""
    if path.startswith(("git::", "gh:", "ssh://", "git://", "file://")) or _SCP_LIKE.match(path):
        return True
    if not path.startswith(("https://", "http://")):
        return False
    rest = path.split("://", 1)[1]
    host = rest.split("/", 1)[0].split("@")[-1]
    return (
        host in _GIT_HOSTS
        or ".git" in rest
        or "//" in rest
        or "_git/" in rest
        or "?ref=" in rest
        or "?version=" in rest
    )


def is_remote_file(path: str) -> bool:
    return path.startswith(("https://", "http://")) and not is_repo_url(path)


class BuildContext:
    """State shared by every loader of one build (kustomize keeps it global).

    ``schema`` is the OpenAPI schema strategic merge uses; a kustomization's ``openapi``
    field replaces it for the rest of the build, as kustomize's global schema does.
    """

    def __init__(self) -> None:
        self.schema: Any = None
        self.schema_set = False
        # Parsed documents by file content: a base shared by many overlays is parsed once
        # (callers clone what they take out, so the cached values are never mutated).
        self.parsed: dict[bytes, list[Any]] = {}


class Loader:
    """Reads files for one kustomization root (see module docstring)."""

    def __init__(
        self,
        *,
        fs: FileSystem,
        root: str,
        restriction: str = LOAD_RESTRICTIONS_ROOT_ONLY,
        fetcher: RemoteFetcher | None = None,
        referrer: Loader | None = None,
        repo: FetchedRepo | None = None,
        context: BuildContext | None = None,
    ) -> None:
        self.context = context if context is not None else BuildContext()
        self.fs = fs
        self.root = clean(root)
        self.restriction = restriction
        self.fetcher: RemoteFetcher = fetcher or NoRemoteFetcher()
        self.referrer = referrer
        self.repo = repo
        self._real_root = fs.realpath(self.root)

    def _resolve(self, path: str) -> str:
        return clean(path if path.startswith("/") else posixpath.join(self.root, path))

    def load(self, path: str) -> bytes:
        """The bytes of ``path`` (relative to the root), honouring the load restriction."""
        if is_remote_file(path):
            return self.fetcher.fetch_file(path)
        full = self._resolve(path)
        if self.restriction == LOAD_RESTRICTIONS_ROOT_ONLY:
            real = self.fs.realpath(full)
            if not is_within(posixpath.dirname(real), self._real_root):
                raise errors.BuildError(f"security; file '{full}' is not in or below '{self.root}'")
        else:
            # Resolving also applies the file system's own confinement (a clear error).
            real = self.fs.realpath(full)
            if self.repo is not None and not is_within(real, self.repo.repo_root):
                raise errors.BuildError(
                    f"security; file '{full}' is outside repository {self.repo.repo}"
                )
        if not self.fs.is_file(full):
            if self.fs.is_dir(full):
                raise errors.BuildError(f"'{full}' must resolve to a file")
            raise errors.BuildError(f"file '{full}' does not exist")
        return self.fs.read_bytes(full)

    def is_dir(self, path: str) -> bool:
        return not is_repo_url(path) and self.fs.is_dir(self._resolve(path))

    def child(self, path: str) -> Loader:
        """A loader for the kustomization directory ``path`` (local or remote)."""
        if not path:
            raise errors.BuildError("new root cannot be empty")
        if is_repo_url(path):
            return self._remote_child(path)
        if path.startswith("/"):
            raise errors.BuildError(f"new root '{path}' cannot be absolute")
        full = self._resolve(path)
        if not self.fs.is_dir(full):
            raise errors.BuildError(f"must build at directory: not a valid directory: '{full}'")
        real = self.fs.realpath(full)
        if self.repo is not None and not is_within(real, self.repo.repo_root):
            raise errors.BuildError(f"security; path '{full}' leaves repository {self.repo.repo}")
        self._check_cycle(real)
        return Loader(
            fs=self.fs,
            root=full,
            restriction=self.restriction,
            fetcher=self.fetcher,
            referrer=self,
            repo=self.repo,
            context=self.context,
        )

    def _check_cycle(self, candidate: str) -> None:
        loader: Loader | None = self
        while loader is not None:
            if is_within(loader._real_root, candidate):
                raise errors.BuildError(
                    f"cycle detected: candidate root '{candidate}' contains visited root "
                    f"'{loader.root}'"
                )
            loader = loader.referrer

    def _remote_child(self, url: str) -> Loader:
        repo = self.fetcher.fetch_repo(url)
        return Loader(
            fs=repo.fs,
            root=repo.path,
            restriction=self.restriction,
            fetcher=self.fetcher,
            referrer=None,
            repo=repo,
            context=self.context,
        )
