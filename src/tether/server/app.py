"""HTTP endpoints of the controller process: artifacts, health probes, Prometheus metrics.

Design: like source-controller, the artifact server is a plain file server over the storage
directory (``GET /gitrepository/<ns>/<name>/<digest>.tar.gz``), unauthenticated (restrict
it with a NetworkPolicy); consumers verify the digest. It serves regular files strictly
inside the root (no ``..``, no symlinks out, no hidden temp files) and sends the content's
digest as ``X-Content-Digest`` when the file name is one. Probes and metrics are separate
small apps so each can listen on its own address (``--health-addr``, ``--metrics-addr``).
This module knows nothing of controllers or storage classes: it gets a directory, a
readiness callable and a registry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from tether import errors

__all__ = ["Listener", "artifact_app", "health_app", "metrics_app", "parse_addr", "serve"]

_DIGEST_NAME = re.compile(r"^([0-9a-f]{64})\.tar\.gz$")


def parse_addr(addr: str) -> tuple[str, int]:
    """``:9090`` → (``0.0.0.0``, 9090); ``127.0.0.1:0`` → (``127.0.0.1``, 0)."""
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit():
        raise errors.ConfigError(f"invalid listen address {addr!r}: expected [host]:port")
    return host.strip("[]") or "0.0.0.0", int(port)


def artifact_app(root: Path) -> web.Application:
    """Serve the files under ``root`` read-only."""
    base = root.resolve()

    async def handle(request: web.Request) -> web.StreamResponse:
        rel = request.match_info["path"]
        parts = rel.split("/")
        if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
            raise web.HTTPNotFound()
        path = (base / rel).resolve()
        if base not in path.parents or not path.is_file():
            raise web.HTTPNotFound()
        response = web.FileResponse(path, headers={"Content-Type": "application/gzip"})
        match = _DIGEST_NAME.match(path.name)
        if match:
            response.headers["X-Content-Digest"] = f"sha256:{match.group(1)}"
        return response

    app = web.Application()
    app.router.add_get("/{path:.+}", handle)
    return app


def health_app(ready: Callable[[], bool]) -> web.Application:
    """``/healthz`` (the process serves) and ``/readyz`` (``ready()`` is true)."""
    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(request: web.Request) -> web.Response:
        if ready():
            return web.Response(text="ok")
        return web.Response(status=503, text="not ready")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


def metrics_app(registry: CollectorRegistry) -> web.Application:
    """``/metrics`` in the Prometheus text format."""
    async def metrics(request: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    return app


@dataclass
class Listener:
    """A running app: its runner and the port actually bound (useful with port 0)."""

    runner: web.AppRunner
    host: str
    port: int

    async def close(self) -> None:
        """Stop accepting and close open connections."""
        await self.runner.cleanup()


async def serve(app: web.Application, addr: str) -> Listener:
    """Start ``app`` on ``addr``; ConfigError when the address cannot be bound."""
    host, port = parse_addr(addr)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_address=True)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise errors.ConfigError(f"cannot listen on {addr}: {exc.strerror or exc}") from exc
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    return Listener(runner=runner, host=host, port=int(bound))
