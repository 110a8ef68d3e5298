"""A small GitHub REST client: the five calls bootstrap needs, nothing else.

Job: find or create the bootstrap repository and register a deploy key. Endpoints called
(REST v3, ``Accept: application/vnd.github+json``, ``X-GitHub-Api-Version: 2022-11-28``):

- ``GET  /user`` — who the token belongs to (owner check for ``--personal``);
- ``GET  /repos/{owner}/{repo}`` — does the repository exist (404 → no);
- ``POST /user/repos`` (``--personal``) or ``POST /orgs/{org}/repos`` — create it;
- ``GET  /repos/{owner}/{repo}/keys`` — existing deploy keys;
- ``POST /repos/{owner}/{repo}/keys`` — add the deploy key (read-only unless asked);
- ``DELETE /repos/{owner}/{repo}/keys/{id}`` — replace a stale key with the same title.

Design decision: the base URL is a constructor argument (``api.github.com``, or
``https://<host>/api/v3`` for GitHub Enterprise), which is also the test seam: tests point
it at a local aiohttp server speaking these endpoints. The clone URLs come from the API's
``clone_url``/``ssh_url`` fields, not from string templates, so Enterprise hosts and the
test server need no special cases. The token is only ever placed in the ``Authorization``
header; error messages are built from status codes and GitHub's ``message`` field, masked.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp

from tether import errors
from tether.bootstrap import gitrepo

__all__ = ["DeployKey", "GitHubClient", "Repository", "api_base"]


@contextlib.contextmanager
def _parsing(what: str) -> Iterator[None]:
    """A document without the fields GitHub documents is an error, not a traceback."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise errors.FetchError(f"GitHub {what}: unexpected answer (missing {exc})") from exc


def api_base(hostname: str | None) -> str:
    """``https://api.github.com``, or ``https://<hostname>/api/v3`` for Enterprise."""
    if not hostname or hostname in ("github.com", "api.github.com"):
        return "https://api.github.com"
    return f"https://{hostname}/api/v3"


@dataclass(frozen=True)
class Repository:
    """What bootstrap needs to know about a repository."""

    owner: str
    name: str
    clone_url: str
    ssh_url: str
    private: bool
    default_branch: str | None

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> Repository:
        """Build from a GitHub repository document."""
        return cls(owner=str(doc["owner"]["login"]), name=str(doc["name"]),
                   clone_url=str(doc["clone_url"]), ssh_url=str(doc["ssh_url"]),
                   private=bool(doc.get("private", True)),
                   default_branch=doc.get("default_branch"))

    @property
    def ssh_sync_url(self) -> str:
        """``ssh_url`` in ``ssh://user@host/path`` form (``git@host:o/r.git`` → URL form)."""
        url = self.ssh_url
        if "://" in url:
            return url
        userhost, path = url.split(":", 1)
        return f"ssh://{userhost}/{path}"


@dataclass(frozen=True)
class DeployKey:
    """A repository deploy key."""

    id: int
    title: str
    key: str
    read_only: bool


class GitHubClient:
    """Authenticated calls to one GitHub API base URL."""

    def __init__(self, *, token: str, base_url: str = "https://api.github.com",
                 timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> GitHubClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Release the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers={
                "Authorization": f"Bearer {self._token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "tether-bootstrap",
            })
        return self._session

    async def _call(self, method: str, path: str, *, body: Any = None,
                    ok_404: bool = False) -> Any:
        url = f"{self.base_url}{path}"
        what = f"GitHub {method} {path}"
        try:
            async with self._http().request(method, url, json=body) as resp:
                if resp.status == 404 and ok_404:
                    return None
                text = await resp.text()
                if resp.status >= 400:
                    raise self._error(what, status=resp.status, text=text)
                return await resp.json(content_type=None) if text else None
        except aiohttp.ContentTypeError as exc:
            raise errors.FetchError(f"{what}: the answer is not JSON") from exc
        except aiohttp.ClientError as exc:
            detail = gitrepo.mask(str(exc), [self._token])
            raise errors.FetchError(f"{what}: cannot reach {self.base_url}: {detail}") from exc
        except TimeoutError as exc:
            raise errors.FetchError(f"{what}: {self.base_url} did not answer in time") from exc
        except ValueError as exc:  # malformed JSON body
            raise errors.FetchError(f"{what}: the answer is not valid JSON") from exc

    def _error(self, what: str, *, status: int, text: str) -> errors.GitOpsError:
        message = text.strip()[:200]
        try:
            doc = json.loads(text)
            if isinstance(doc, dict) and doc.get("message"):
                message = str(doc["message"])
        except ValueError:
            pass
        message = gitrepo.mask(message, [self._token])
        if status in (401, 403):
            return errors.AuthError(f"{what}: {message} (HTTP {status})",
                                    hint="check GITHUB_TOKEN and its permissions")
        return errors.FetchError(f"{what}: {message} (HTTP {status})")

    # ------------------------------------------------------------------ endpoints
    async def user(self) -> str:
        """The login of the token's owner (``GET /user``)."""
        doc = await self._call("GET", "/user")
        with _parsing("GET /user"):
            return str(doc["login"])

    async def get_repository(self, owner: str, name: str) -> Repository | None:
        """``GET /repos/{owner}/{repo}``; None when it does not exist."""
        doc = await self._call("GET", f"/repos/{owner}/{name}", ok_404=True)
        with _parsing(f"GET /repos/{owner}/{name}"):
            return Repository.from_api(doc) if doc else None

    async def create_repository(self, *, owner: str, name: str, personal: bool,
                                private: bool) -> Repository:
        """``POST /user/repos`` (personal) or ``POST /orgs/{owner}/repos``, empty."""
        body = {"name": name, "private": private, "auto_init": False,
                "description": "Tether GitOps repository"}
        path = "/user/repos" if personal else f"/orgs/{owner}/repos"
        doc = await self._call("POST", path, body=body)
        with _parsing(f"POST {path}"):
            return Repository.from_api(doc)

    async def deploy_keys(self, owner: str, name: str) -> list[DeployKey]:
        """``GET /repos/{owner}/{repo}/keys``."""
        docs = await self._call("GET", f"/repos/{owner}/{name}/keys") or []
        with _parsing(f"GET /repos/{owner}/{name}/keys"):
            return [DeployKey(id=int(d["id"]), title=str(d.get("title", "")),
                              key=str(d["key"]), read_only=bool(d.get("read_only", True)))
                    for d in docs]

    async def add_deploy_key(self, *, owner: str, name: str, title: str, key: str,
                             read_only: bool) -> DeployKey:
        """``POST /repos/{owner}/{repo}/keys``."""
        doc = await self._call("POST", f"/repos/{owner}/{name}/keys",
                               body={"title": title, "key": key, "read_only": read_only})
        with _parsing(f"POST /repos/{owner}/{name}/keys"):
            return DeployKey(id=int(doc["id"]), title=str(doc.get("title", title)),
                             key=str(doc.get("key", key)),
                             read_only=bool(doc.get("read_only", read_only)))

    async def delete_deploy_key(self, *, owner: str, name: str, key_id: int) -> None:
        """``DELETE /repos/{owner}/{repo}/keys/{id}``."""
        await self._call("DELETE", f"/repos/{owner}/{name}/keys/{key_id}", ok_404=True)

    async def ensure_deploy_key(self, *, owner: str, name: str, title: str, key: str,
                                read_only: bool) -> bool:
        """Register ``key`` under ``title``; False when that exact key is already there."""
        wanted = " ".join(key.split()[:2])
        for existing in await self.deploy_keys(owner, name):
            if existing.title != title:
                continue
            if " ".join(existing.key.split()[:2]) == wanted:
                return False
            await self.delete_deploy_key(owner=owner, name=name, key_id=existing.id)
        await self.add_deploy_key(owner=owner, name=name, title=title, key=key,
                                  read_only=read_only)
        return True
