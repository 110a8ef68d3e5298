"""A working copy of the bootstrap repository, driven through the ``git`` CLI.

Job: clone a branch (or start it when the repository or branch is empty), write files,
commit only when something changed, and push. Design decision: credentials never touch
argv, the remote URL or ``.git/config``. The URL is passed to each ``fetch``/``push``
(no ``origin`` remote is stored) and authentication travels in the child's environment
only: HTTP(S) as an ``http.extraHeader`` given through ``GIT_CONFIG_COUNT``/``KEY``/``VALUE``
(Basic for username/password and tokens, Bearer when asked), SSH as ``GIT_SSH_COMMAND``
pointing at a 0600 key file in a private temporary directory outside the work tree. User
and system git configuration is ignored (``GIT_CONFIG_GLOBAL=/dev/null``,
``GIT_CONFIG_NOSYSTEM``) so a credential helper cannot store the token, and every message
that could echo the secret is masked before it leaves this module.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shlex
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tether import errors

__all__ = ["Credentials", "PushRejectedError", "WorkingCopy", "mask"]

_TIMEOUT = 120.0


@dataclass(frozen=True, repr=False)
class Credentials:
    """How to authenticate to the Git server (all optional)."""

    username: str | None = None
    password: str | None = None
    bearer_token: str | None = None
    private_key_pem: bytes | None = None
    """An OpenSSH private key, for ``ssh://`` URLs."""
    known_hosts: str | None = None

    def __repr__(self) -> str:  # never print secrets, even in a debugger
        kinds = [k for k in ("password", "bearer_token", "private_key_pem")
                 if getattr(self, k)]
        return f"Credentials(username={self.username!r}, secrets={kinds})"

    def secrets(self) -> list[str]:
        """Every secret string, for masking."""
        out = [s for s in (self.password, self.bearer_token) if s]
        if self.username and self.password:
            out.append(_basic(self.username, self.password))
        return out


def _basic(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode()


def mask(text: str, secrets: list[str]) -> str:
    """Replace every secret in ``text`` with ``*****``."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "*****")
    return text


class PushRejectedError(errors.FetchError):
    """The branch moved on the server since the clone (non-fast-forward push)."""


class WorkingCopy:
    """A local clone of one branch of ``url`` in ``path``."""

    def __init__(self, path: Path, *, url: str, branch: str,
                 credentials: Credentials | None = None) -> None:
        self.path = path
        self.url = url
        self.branch = branch
        self._creds = credentials or Credentials()
        self._keydir: tempfile.TemporaryDirectory[str] | None = None

    # ------------------------------------------------------------------ environment
    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("GIT_", "SSH_ASKPASS"))}
        env.update({
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_ASKPASS": "true",
            "LC_ALL": "C",
        })
        header = None
        if self._creds.bearer_token:
            header = f"Authorization: Bearer {self._creds.bearer_token}"
        elif self._creds.password is not None:
            user = self._creds.username or "git"
            header = f"Authorization: Basic {_basic(user, self._creds.password)}"
        if header and not self.url.startswith(("ssh://", "git@")):
            env.update({"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
                        "GIT_CONFIG_VALUE_0": header})
        if self._creds.private_key_pem:
            env["GIT_SSH_COMMAND"] = self._ssh_command()
        return env

    def _ssh_command(self) -> str:
        if self._keydir is None:
            self._keydir = tempfile.TemporaryDirectory(prefix="tether-ssh-")
            key = Path(self._keydir.name) / "identity"
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(self._creds.private_key_pem or b"")
            (Path(self._keydir.name) / "known_hosts").write_text(self._creds.known_hosts or "")
        key = Path(self._keydir.name) / "identity"
        hosts = Path(self._keydir.name) / "known_hosts"
        strict = "yes" if self._creds.known_hosts else "accept-new"
        return shlex.join(["ssh", "-i", str(key), "-o", "IdentitiesOnly=yes",
                           "-o", f"UserKnownHostsFile={hosts}",
                           "-o", f"StrictHostKeyChecking={strict}", "-o", "BatchMode=yes",
                           "-o", "LogLevel=ERROR"])

    def close(self) -> None:
        """Remove the temporary key material."""
        if self._keydir is not None:
            self._keydir.cleanup()
            self._keydir = None

    # ------------------------------------------------------------------ running git
    async def _git(self, *args: str, check: bool = True,
                   extra_env: Mapping[str, str] | None = None) -> tuple[int, str]:
        env = self._env()
        env.update(extra_env or {})
        try:
            proc = await asyncio.create_subprocess_exec(
                "git", *args, cwd=self.path, env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE)
        except FileNotFoundError as exc:
            raise errors.ConfigError("the git CLI is not installed") from exc
        try:
            out, err = await asyncio.wait_for(proc.communicate(), _TIMEOUT)
        except TimeoutError as exc:
            proc.kill()
            await proc.wait()
            raise errors.FetchError(f"git {args[0]} timed out after {_TIMEOUT:.0f}s") from exc
        text = mask(out.decode(errors="replace").strip(), self._creds.secrets())
        if check and proc.returncode != 0:
            problem = mask(err.decode(errors="replace").strip(), self._creds.secrets())
            lines = [ln for ln in problem.splitlines()
                     if ln.strip() and not ln.startswith("hint:")]
            last = lines[-1] if lines else f"exit code {proc.returncode}"
            cls = _error_class(problem)
            raise cls(mask(f"git {args[0]} {self.url}: {last}", self._creds.secrets()))
        return proc.returncode or 0, text

    # ------------------------------------------------------------------ operations
    async def clone(self) -> bool:
        """Fetch ``branch`` into a fresh repository at ``path``; False if the branch is new."""
        self.path.mkdir(parents=True, exist_ok=True)
        await self._git("init", "--quiet", "--initial-branch", self.branch)
        _, refs = await self._git("ls-remote", "--heads", self.url, f"refs/heads/{self.branch}")
        if not refs.strip():
            return False
        await self._git("fetch", "--quiet", "--no-tags", self.url,
                        f"+refs/heads/{self.branch}:refs/remotes/upstream/{self.branch}")
        await self._git("checkout", "--quiet", "-B", self.branch,
                        f"refs/remotes/upstream/{self.branch}")
        return True

    def write(self, relpath: str, content: str) -> None:
        """Write a file below the work tree (parents created)."""
        target = self.path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)

    def read(self, relpath: str) -> str | None:
        """A file's text, or None when absent."""
        target = self.path / relpath
        return target.read_text() if target.is_file() else None

    async def commit(self, message: str, *, paths: list[str], author_name: str,
                     author_email: str) -> str | None:
        """Commit ``paths``; return the new sha, or None when nothing changed."""
        await self._git("add", "--", *paths)
        code, _ = await self._git("diff", "--cached", "--quiet", check=False)
        if code == 0:
            return None
        ident = {"GIT_AUTHOR_NAME": author_name, "GIT_AUTHOR_EMAIL": author_email,
                 "GIT_COMMITTER_NAME": author_name, "GIT_COMMITTER_EMAIL": author_email}
        await self._git("commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", message,
                        extra_env=ident)
        return await self.head()

    async def head(self) -> str | None:
        """The sha of HEAD, or None in an empty repository."""
        code, out = await self._git("rev-parse", "--verify", "--quiet", "HEAD", check=False)
        return out.strip() if code == 0 and out.strip() else None

    async def push(self) -> None:
        """Push HEAD to ``branch`` (fast-forward only); PushRejectedError if it moved."""
        await self._git("push", "--quiet", self.url, f"HEAD:refs/heads/{self.branch}")


def _error_class(stderr: str) -> type[errors.SourceError]:
    """Which error a failed git command's stderr describes."""
    lowered = stderr.lower()
    if any(s in lowered for s in ("[rejected]", "non-fast-forward", "fetch first")):
        return PushRejectedError
    if any(s in lowered for s in ("authentication failed", "http 401", "403",
                                  "permission denied", "could not read username",
                                  "terminal prompts disabled")):
        return errors.AuthError
    return errors.FetchError
