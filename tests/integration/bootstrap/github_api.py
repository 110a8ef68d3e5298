"""A local stand-in for the GitHub REST API (the only test double: GitHub SaaS itself).

It implements exactly the endpoints ``tether.bootstrap.github`` calls — ``GET /user``,
``GET /repos/{o}/{r}``, ``POST /user/repos``, ``POST /orgs/{org}/repos``,
``GET|POST /repos/{o}/{r}/keys``, ``DELETE /repos/{o}/{r}/keys/{id}`` — with GitHub's status
codes and document fields. Repositories it creates are real bare Git repositories under
``root``, served by the real loopback Git servers of ``tests.gitserver``; their
``clone_url``/``ssh_url`` point there. It runs aiohttp on its own thread and loop, so the
``tether`` CLI can be driven as a subprocess while it serves.
"""

from __future__ import annotations

import asyncio
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web


class FakeGitHub:
    """Serve the GitHub API for one ``user`` with one ``token``."""

    def __init__(self, root: Path, *, token: str, user: str, clone_base: str,
                 ssh_base: str | None = None,
                 on_deploy_key: Callable[[str], None] | None = None) -> None:
        self.root = root
        self.token = token
        self.user = user
        self.clone_base = clone_base.rstrip("/")
        """e.g. ``http://127.0.0.1:PORT`` of the Git HTTP server serving ``root``."""
        self.ssh_base = ssh_base
        self.on_deploy_key = on_deploy_key
        self.requests: list[str] = []
        self.auth_headers: list[str] = []
        self.keys: dict[str, list[dict[str, Any]]] = {}
        self.private: dict[str, bool] = {}
        self._next_id = 1
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ------------------------------------------------------------------ documents
    def _repo_doc(self, owner: str, name: str) -> dict[str, Any]:
        full = f"{owner}/{name}"
        ssh = (f"{self.ssh_base}/{full}.git" if self.ssh_base
               else f"git@github.invalid:{full}.git")
        return {"id": abs(hash(full)) % 10**6, "name": name, "full_name": full,
                "owner": {"login": owner}, "private": self.private.get(full, True),
                "clone_url": f"{self.clone_base}/{full}.git", "ssh_url": ssh,
                "default_branch": "main"}

    def bare(self, owner: str, name: str) -> Path:
        """The bare repository behind ``owner/name``."""
        return self.root / owner / f"{name}.git"

    def create_bare(self, owner: str, name: str, *, private: bool = True) -> None:
        """Create an empty repository as GitHub would (``auto_init: false``)."""
        path = self.bare(owner, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", str(path)],
                       check=True)
        subprocess.run(["git", "config", "http.receivepack", "true"], cwd=path, check=True)
        self.private[f"{owner}/{name}"] = private

    # ------------------------------------------------------------------ handlers
    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append(f"{request.method} {request.path}")
        header = request.headers.get("Authorization", "")
        self.auth_headers.append(header)
        if header not in (f"Bearer {self.token}", f"token {self.token}"):
            return web.json_response({"message": "Bad credentials"}, status=401)
        result: web.StreamResponse = await handler(request)
        return result

    async def _user(self, request: web.Request) -> web.Response:
        return web.json_response({"login": self.user, "id": 1, "type": "User"})

    async def _get_repo(self, request: web.Request) -> web.Response:
        owner, name = request.match_info["owner"], request.match_info["repo"]
        if not self.bare(owner, name).exists():
            return web.json_response({"message": "Not Found"}, status=404)
        return web.json_response(self._repo_doc(owner, name))

    async def _create(self, request: web.Request, owner: str) -> web.Response:
        body = await request.json()
        name = body["name"]
        if self.bare(owner, name).exists():
            return web.json_response({"message": "Repository creation failed.",
                                      "errors": [{"message": "name already exists"}]},
                                     status=422)
        self.create_bare(owner, name, private=bool(body.get("private", False)))
        return web.json_response(self._repo_doc(owner, name), status=201)

    async def _create_user_repo(self, request: web.Request) -> web.Response:
        return await self._create(request, self.user)

    async def _create_org_repo(self, request: web.Request) -> web.Response:
        return await self._create(request, request.match_info["org"])

    async def _list_keys(self, request: web.Request) -> web.Response:
        full = f"{request.match_info['owner']}/{request.match_info['repo']}"
        return web.json_response(self.keys.get(full, []))

    async def _add_key(self, request: web.Request) -> web.Response:
        full = f"{request.match_info['owner']}/{request.match_info['repo']}"
        body = await request.json()
        doc = {"id": self._next_id, "title": body["title"], "key": body["key"],
               "read_only": bool(body.get("read_only", True)), "verified": True}
        self._next_id += 1
        self.keys.setdefault(full, []).append(doc)
        if self.on_deploy_key:
            self.on_deploy_key(body["key"])
        return web.json_response(doc, status=201)

    async def _delete_key(self, request: web.Request) -> web.Response:
        full = f"{request.match_info['owner']}/{request.match_info['repo']}"
        key_id = int(request.match_info["id"])
        self.keys[full] = [k for k in self.keys.get(full, []) if k["id"] != key_id]
        return web.Response(status=204)

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth])
        app.router.add_get("/user", self._user)
        app.router.add_post("/user/repos", self._create_user_repo)
        app.router.add_post("/orgs/{org}/repos", self._create_org_repo)
        app.router.add_get("/repos/{owner}/{repo}", self._get_repo)
        app.router.add_get("/repos/{owner}/{repo}/keys", self._list_keys)
        app.router.add_post("/repos/{owner}/{repo}/keys", self._add_key)
        app.router.add_delete("/repos/{owner}/{repo}/keys/{id}", self._delete_key)
        return app

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        """The API base URL (what ``--api-url`` takes)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeGitHub:
        """Serve on a free loopback port from a background thread."""
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def boot() -> None:
            self._runner = web.AppRunner(self._app())
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
            ready.set()

        def main() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(boot())
            self._loop.run_forever()

        self._thread = threading.Thread(target=main, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake GitHub did not start")
        return self

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self._loop is None or self._runner is None:
            return
        runner, loop = self._runner, self._loop
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread:
            self._thread.join(10)
        self._loop = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
