"""A bare repository served by the test servers, plus a work tree to commit and push from."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
}


def git(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run git synchronously; raise with stderr on failure."""
    full = {**os.environ, **_ENV, **(env or {})}
    proc = subprocess.run(["git", *args], cwd=cwd, env=full, capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def _signing(sign: dict[str, str] | None) -> list[str]:
    return [arg for k, v in (sign or {}).items() if k != "GNUPGHOME"
            for arg in ("-c", f"{k}={v}")]


def _signing_env(sign: dict[str, str] | None) -> dict[str, str]:
    return {"GNUPGHOME": sign["GNUPGHOME"]} if sign and "GNUPGHOME" in sign else {}


@dataclass
class Repo:
    """``<root>/<name>.git`` (bare, served) and ``<root>/<name>.work`` (where we commit)."""

    root: Path
    name: str
    branch: str = "main"

    @property
    def bare(self) -> Path:
        """The served bare repository."""
        return self.root / f"{self.name}.git"

    @property
    def work(self) -> Path:
        """The work tree pushing to :attr:`bare`."""
        return self.root / f"{self.name}.work"

    @classmethod
    def create(cls, root: Path, name: str, *, branch: str = "main") -> Repo:
        """An empty bare repo (default branch ``branch``) and its work tree."""
        repo = cls(root, name, branch)
        root.mkdir(parents=True, exist_ok=True)
        git("init", "-q", "--bare", f"--initial-branch={branch}", str(repo.bare), cwd=root)
        git("config", "http.receivepack", "true", cwd=repo.bare)
        git("config", "uploadpack.allowReachableSHA1InWant", "true", cwd=repo.bare)
        git("init", "-q", f"--initial-branch={branch}", str(repo.work), cwd=root)
        git("remote", "add", "origin", str(repo.bare), cwd=repo.work)
        return repo

    def commit(self, files: dict[str, str | bytes | None], *, message: str = "change",
               branch: str | None = None, sign: dict[str, str] | None = None) -> str:
        """Write (or with None delete) files, commit, push; return the commit SHA.

        ``sign`` signs the commit with these git config values (e.g. ``user.signingkey``,
        ``gpg.format=ssh``); put ``GNUPGHOME`` in it for a PGP key from a test keyring.
        """
        branch = branch or self.branch
        self._switch(branch)
        for rel, content in files.items():
            path = self.work / rel
            if content is None:
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        git("add", "-A", cwd=self.work)
        git(*_signing(sign), "commit", "-q", "--allow-empty", *(("-S",) if sign else ()),
            "-m", message, cwd=self.work, env=_signing_env(sign))
        git("push", "-q", "origin", f"HEAD:refs/heads/{branch}", cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)

    def _switch(self, branch: str) -> None:
        current = git("symbolic-ref", "-q", "--short", "HEAD", cwd=self.work)
        if current == branch:
            return
        existing = git("branch", "--list", branch, cwd=self.work)
        git("checkout", "-q", *(() if existing else ("-b",)), branch, cwd=self.work)

    def tag(self, name: str, *, annotated: bool = False, ref: str = "HEAD",
            sign: dict[str, str] | None = None) -> str:
        """Create and push a tag (signed with ``sign``); return the commit it points at."""
        args = ["-s", "-m", name] if sign else ["-a", "-m", name] if annotated else []
        git(*_signing(sign), "tag", *args, name, ref, cwd=self.work, env=_signing_env(sign))
        git("push", "-q", "origin", f"refs/tags/{name}", cwd=self.work)
        return git("rev-parse", f"{name}^{{commit}}", cwd=self.work)

    def force_reset(self, ref: str, *, branch: str | None = None) -> str:
        """Rewrite history: reset ``branch`` to ``ref`` and force-push; return the new head."""
        branch = branch or self.branch
        self._switch(branch)
        git("reset", "-q", "--hard", ref, cwd=self.work)
        git("push", "-q", "--force", "origin", f"HEAD:refs/heads/{branch}", cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)
