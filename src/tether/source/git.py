"""Fetch one Git reference with the git CLI and say which revision it is, in Flux's words.

Design: the git CLI (asyncio subprocess) is faster than any library for shallow fetches and
speaks every transport; we drive it in three steps so the cheap one can short-circuit:
:func:`resolve` asks the remote (``git ls-remote``) which commit the ref points at — when it
equals the stored artifact's revision the reconciler skips the fetch (Flux's no-op clone);
:func:`checkout` then does ``init`` + a shallow single-ref ``fetch`` + ``checkout`` into a
fresh directory. Every command runs with a deadline (the process group is killed on
timeout), an environment from ``tether.source.auth`` (no secret in argv), and its stderr is
redacted before it reaches an error message. Auth failures raise ``AuthError``; everything
else ``FetchError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tether import errors
from tether.api import source as api
from tether.source import auth, semver

__all__ = ["Checkout", "Resolved", "checkout", "format_revision", "resolve", "run_git",
           "sha_of_revision"]

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_AUTH_MARKERS = (
    "authentication failed", "could not read username", "could not read password",
    "http 401", "http 403", "the requested url returned error: 401",
    "the requested url returned error: 403", "permission denied (publickey",
    "host key verification failed", "no matching host key", "remote host identification has",
    "invalid credentials", "access denied",
)
_MAX_OUTPUT = 64 * 1024 * 1024


def format_revision(short_ref: str | None, sha: str) -> str:
    """Flux's revision string: ``main@sha1:<hex>``, or ``sha1:<hex>`` for a bare commit."""
    algo = "sha256" if len(sha) == 64 else "sha1"
    return f"{short_ref}@{algo}:{sha}" if short_ref else f"{algo}:{sha}"


def sha_of_revision(revision: str) -> str:
    """The commit hex of a revision (``main@sha1:abc`` → ``abc``; legacy ``main/abc`` too)."""
    for marker in ("sha1:", "sha256:"):
        if marker in revision:
            return revision.rsplit(marker, 1)[1]
    return revision.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Resolved:
    """What the remote says a ref points at (``commit`` None when only a fetch can tell)."""

    refspec: str
    """What to fetch: a full ref name, or a commit SHA."""
    short: str | None
    """The ref as it appears in the revision (``main``, ``v1.0.0``, ``refs/pull/1/head``)."""
    commit: str | None
    """The commit SHA the ref points at, when known without fetching."""
    pinned: str | None = None
    """The commit to check out when ``ref.commit`` is set."""

    @property
    def revision(self) -> str | None:
        """The artifact revision this ref would produce, if known before fetching."""
        sha = self.pinned or self.commit
        return format_revision(self.short, sha) if sha else None


@dataclass(frozen=True)
class Checkout:
    """A checked-out working tree."""

    path: Path
    commit: str
    revision: str
    subject: str


async def run_git(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    timeout: float,
    what: str,
    cwd: Path | None = None,
    secrets: Sequence[str] = (),
    include_stderr: bool = False,
) -> str:
    """Run ``git <args>``; return stdout (+ stderr when asked). FetchError/AuthError else.

    Error messages carry the last lines of stderr; the whole message is redacted of
    ``secrets`` and URL userinfo.
    """
    proc = await asyncio.create_subprocess_exec(
        "git", *args, cwd=cwd, env=dict(env), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        start_new_session=True, limit=_MAX_OUTPUT,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        _kill(proc)
        await proc.wait()
        raise errors.FetchError(
            auth.redact(f"{what}: timed out after {timeout:g}s", list(secrets))) from None
    except asyncio.CancelledError:
        _kill(proc)
        raise
    if proc.returncode != 0:
        text = auth.redact(err.decode("utf-8", "replace"), list(secrets))
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        detail = "; ".join(ln.removeprefix("fatal: ").removeprefix("error: ") for ln in lines[-3:])
        lower = text.lower()
        if "host key verification failed" in lower or "host identification has" in lower:
            detail = ("host key verification failed: the server's key does not match "
                      "'known_hosts'")
        cls = errors.AuthError if any(m in lower for m in _AUTH_MARKERS) else errors.FetchError
        message = f"{what}: {detail or f'git exited with {proc.returncode}'}"
        raise cls(auth.redact(message, list(secrets)))
    return (out + err if include_stderr else out).decode("utf-8", "replace")


def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _parse_ls_remote(text: str) -> dict[str, str]:
    refs: dict[str, str] = {}
    for line in text.splitlines():
        sha, _, name = line.partition("\t")
        if sha and name:
            refs[name.strip()] = sha.strip()
    return refs


def _peeled(refs: Mapping[str, str], name: str) -> str | None:
    return refs.get(f"{name}^{{}}") or refs.get(name)


def _require(refs: Mapping[str, str], name: str, url: str) -> str:
    sha = _peeled(refs, name)
    if sha is None:
        raise errors.FetchError(auth.redact(
            f"unable to clone '{url}': couldn't find remote ref {name!r}", []))
    return sha


async def resolve(
    ref: api.GitRepositoryRef, *, url: str, env: Mapping[str, str], timeout: float,
    secrets: Sequence[str] = (),
) -> Resolved:
    """Ask the remote which commit ``ref`` designates (one ``ls-remote`` round trip)."""
    what = f"unable to list remote refs of '{url}'"

    async def ls(*patterns: str) -> dict[str, str]:
        out = await run_git(["ls-remote", "--", url, *patterns], env=env, timeout=timeout,
                            what=what, secrets=secrets)
        return _parse_ls_remote(out)

    if ref.commit:
        if not _SHA.match(ref.commit.lower()):
            raise errors.InvalidSpecError(f"spec.ref.commit {ref.commit!r} is not a commit SHA")
        commit = ref.commit.lower()
        if ref.branch:
            _require(await ls(f"refs/heads/{ref.branch}"), f"refs/heads/{ref.branch}", url)
            return Resolved(f"refs/heads/{ref.branch}", ref.branch, None, pinned=commit)
        await ls("HEAD")  # reachability and credentials check
        return Resolved(commit, None, None, pinned=commit)
    if ref.name:
        name = ref.name
        refs = await ls(name)
        return Resolved(name, name, _require(refs, name, url))
    if ref.semver:
        constraint = semver.parse_constraint(ref.semver)
        refs = await _ls_tags(url, env, timeout, secrets, what)
        tags = {n.removeprefix("refs/tags/").removesuffix("^{}") for n in refs}
        tag = semver.highest(constraint, tags)
        if tag is None:
            raise errors.FetchError(auth.redact(
                f"no tag of '{url}' matches semver range {ref.semver!r}", []))
        return Resolved(f"refs/tags/{tag}", tag, _require(refs, f"refs/tags/{tag}", url))
    if ref.tag:
        name = f"refs/tags/{ref.tag}"
        return Resolved(name, ref.tag, _require(await ls(name), name, url))
    branch = ref.branch or api.DEFAULT_BRANCH
    name = f"refs/heads/{branch}"
    return Resolved(name, branch, _require(await ls(name), name, url))


async def _ls_tags(url: str, env: Mapping[str, str], timeout: float, secrets: Sequence[str],
                   what: str) -> dict[str, str]:
    out = await run_git(["ls-remote", "--tags", "--", url], env=env, timeout=timeout,
                        what=what, secrets=secrets)
    return _parse_ls_remote(out)


def _check_sparse(paths: Sequence[str]) -> list[str]:
    clean = []
    for raw in paths:
        path = PurePosixPath(raw.strip("/"))
        if raw.startswith("/") or ".." in path.parts or not path.parts:
            raise errors.InvalidSpecError(
                f"spec.sparseCheckout: {raw!r} must be a relative path inside the repository")
        clean.append(str(path))
    return clean


async def checkout(
    resolved: Resolved, *, url: str, dest: Path, env: Mapping[str, str], timeout: float,
    sparse: Sequence[str] | None = None, submodules: bool = False, secrets: Sequence[str] = (),
) -> Checkout:
    """Shallow-fetch ``resolved`` into the empty directory ``dest`` and check it out."""
    async def git(*args: str, what: str) -> str:
        return await run_git(["-C", str(dest), *args], env=env, timeout=timeout, what=what,
                             secrets=secrets)

    clone_what = f"unable to clone '{url}'"
    await run_git(["init", "-q", str(dest)], env=env, timeout=timeout, what="git init")
    if sparse:
        await git("sparse-checkout", "set", "--", *_check_sparse(sparse), what="sparse checkout")
    fetch = ["fetch", "-q", "--no-tags", "--no-recurse-submodules"]
    if resolved.pinned and resolved.refspec != resolved.pinned:
        # ``ref.commit`` + ``ref.branch``: the commit must be in the branch's history.
        await git(*fetch, "--", url, resolved.refspec, what=clone_what)
        await _ensure_ancestor(git, resolved.pinned, resolved.short or "", url)
        target = resolved.pinned
    else:
        await git(*fetch, "--depth=1", "--", url, resolved.refspec, what=clone_what)
        target = "FETCH_HEAD"
    await git("checkout", "-q", "--detach", target, what=f"unable to check out {target}")
    if submodules:
        await git("submodule", "update", "--init", "--recursive", "--depth=1",
                  what="unable to update submodules")
    commit = (await git("rev-parse", "HEAD", what="rev-parse")).strip()
    subject = (await git("log", "-1", "--format=%s", what="git log")).strip()
    for path in sparse or ():
        if not (dest / path).is_dir():
            raise errors.FetchError(f"sparse checkout directory {path!r} does not exist")
    return Checkout(dest, commit, format_revision(resolved.short, commit), subject)


async def _ensure_ancestor(
    git: Callable[..., Awaitable[str]], commit: str, branch: str, url: str
) -> None:
    try:
        await git("merge-base", "--is-ancestor", commit, "FETCH_HEAD", what="merge-base")
    except errors.FetchError:
        raise errors.FetchError(auth.redact(
            f"unable to clone '{url}': commit '{commit}' is not in branch {branch!r}", [])
        ) from None
