"""The CLI's remote-base fetcher: kustomize's git URLs via the ``git`` command, files via HTTP.

The build engine is pure and only calls the ``RemoteFetcher`` interface; this module is the
impure side, used by ``tether kustomize build``. Like kustomize it clones every remote base
afresh (shallow: ``init``, ``remote add``, ``fetch --depth=1 <ref>``, ``checkout FETCH_HEAD``,
then submodules unless ``submodules=false``) into a temporary directory that lives until the
fetcher is closed. The clone is exposed as an ``OnDiskFS`` confined to the clone.

URL forms understood (as kustomize's ``NewRepoSpecFromURL``): ``https://host/org/repo//path``,
``https://github.com/org/repo/path``, ``…/repo.git/path``, ``git@host:org/repo.git/path``,
``ssh://…``, ``git::…``, ``gh:org/repo/path``, Azure ``…/_git/repo/path``, ``file:///…``,
with ``?ref=`` (or ``version=``), ``timeout=`` (seconds, default 27) and ``submodules=``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import parse_qs

from tether import errors
from tether.kustomize.fs import OnDiskFS
from tether.kustomize.loader import FetchedRepo

__all__ = ["GitFetcher", "RepoSpec", "parse_repo_url"]


@dataclass(frozen=True)
class RepoSpec:
    """A parsed remote base."""

    clone_url: str
    path: str
    ref: str
    timeout: float
    submodules: bool


def _split_query(url: str) -> tuple[str, dict[str, str]]:
    base, _, query = url.partition("?")
    params = {k: v[-1] for k, v in parse_qs(query).items()}
    return base, params


def _split_repo_path(host_part: str, rest: str) -> tuple[str, str]:
    """Split ``org/repo.git/sub/dir`` (or with ``//``) into repo and path."""
    if "//" in rest:
        repo, _, path = rest.partition("//")
        return repo, path
    parts = rest.split("/")
    for i, part in enumerate(parts):
        if part.endswith(".git"):
            return "/".join(parts[: i + 1]), "/".join(parts[i + 1 :])
        if part == "_git" and i + 1 < len(parts):
            return "/".join(parts[: i + 2]), "/".join(parts[i + 2 :])
    # github.com/org/repo/path: the repository is the first two segments.
    return "/".join(parts[:2]), "/".join(parts[2:])


def parse_repo_url(url: str) -> RepoSpec:
    """Parse kustomize's remote-base syntax (see module docstring)."""
    base, params = _split_query(url.removeprefix("git::"))
    if base.startswith("gh:"):
        base = "https://github.com/" + base[3:]
    if base.startswith("file://"):
        repo, _, path = base.partition("//")[2].partition("//")
        clone = "file://" + repo
    elif "://" in base:
        scheme, _, rest = base.partition("://")
        host, _, tail = rest.partition("/")
        repo, path = _split_repo_path(host, tail)
        clone = f"{scheme}://{host}/{repo}"
    elif "@" in base and ":" in base:
        user_host, _, tail = base.partition(":")
        repo, path = _split_repo_path(user_host, tail)
        clone = f"{user_host}:{repo}"
    else:
        raise errors.BuildError(f"not a git repository URL: {url}")
    if "github.com" in clone and not clone.endswith(".git") and not clone.startswith("file:"):
        clone += ".git"
    try:
        timeout = float(params.get("timeout", "27").rstrip("s"))
    except ValueError as exc:
        raise errors.BuildError(f"{url}: invalid timeout {params.get('timeout')!r}") from exc
    return RepoSpec(
        clone_url=clone,
        path=path.strip("/"),
        ref=params.get("ref") or params.get("version") or "",
        timeout=timeout,
        submodules=params.get("submodules", "true").lower() != "false",
    )


class GitFetcher:
    """Clones remote bases with git; use as a context manager (clones are removed on exit)."""

    def __init__(self) -> None:
        self._dirs: list[str] = []

    def __enter__(self) -> GitFetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Remove every clone made so far."""
        for directory in self._dirs:
            shutil.rmtree(directory, ignore_errors=True)
        self._dirs.clear()

    def _git(self, spec: RepoSpec, cwd: str, *args: str) -> None:
        try:
            subprocess.run(
                ["git", *args], cwd=cwd, check=True, capture_output=True, timeout=spec.timeout,
                env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
            )
        except FileNotFoundError as exc:
            raise errors.BuildError("remote bases need the git command, not found") from exc
        except subprocess.TimeoutExpired as exc:
            raise errors.BuildError(
                f"git {args[0]} of {spec.clone_url} timed out after {spec.timeout:g}s"
            ) from exc
        except subprocess.CalledProcessError as exc:
            detail = " ".join(exc.stderr.decode(errors="replace").split())[:300]
            raise errors.BuildError(
                f"git {args[0]} of {spec.clone_url} failed: {detail}"
            ) from exc

    def fetch_repo(self, url: str) -> FetchedRepo:
        spec = parse_repo_url(url)
        directory = tempfile.mkdtemp(prefix="tether-kustomize-")
        self._dirs.append(directory)
        self._git(spec, directory, "init", "--quiet")
        self._git(spec, directory, "remote", "add", "origin", spec.clone_url)
        self._git(spec, directory, "fetch", "--depth=1", "origin", spec.ref or "HEAD")
        self._git(spec, directory, "checkout", "--quiet", "FETCH_HEAD")
        if spec.submodules:
            self._git(spec, directory, "submodule", "update", "--init", "--recursive")
        real = os.path.realpath(directory)
        path = os.path.join(real, spec.path) if spec.path else real
        return FetchedRepo(fs=OnDiskFS(real), repo_root=real, path=path,
                           repo=spec.clone_url, ref=spec.ref)

    def fetch_file(self, url: str) -> bytes:
        # Imported here: most builds fetch nothing, and the CLI should start fast.
        import httpx

        try:
            response = httpx.get(url, follow_redirects=True, timeout=30.0)
        except httpx.HTTPError as exc:
            raise errors.BuildError(f"cannot fetch {url}: {exc}") from exc
        if response.status_code // 100 != 2:
            raise errors.BuildError(f"cannot fetch {url}: HTTP {response.status_code}")
        return response.content
