"""A loopback smart-HTTP git server: ``git http-backend`` behind aiohttp.

Why: the demo (and anyone trying Tether without a forge) needs a real Git remote that
speaks the same protocol as GitHub — clone, fetch and push over HTTP — on 127.0.0.1 only.
git itself implements the protocol as a CGI program; we only translate HTTP to CGI and
back, so what the controller and ``bootstrap git`` talk to is the real thing.

Optional HTTP basic auth (``--username``/``--password`` taken from the environment
variables TETHER_GIT_USERNAME / TETHER_GIT_PASSWORD so they never sit in argv). Request
bodies are capped. Repositories are bare directories under the served root; pushing is
enabled (``http.receivepack``).

Run as a process: ``python -m tether.demo.gitserver --root DIR --port N``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hmac
import os
import signal
import subprocess
from pathlib import Path

from aiohttp import web

__all__ = ["init_bare", "main", "make_app"]

MAX_BODY = 512 * 1024 * 1024


def init_bare(root: Path, name: str, *, branch: str = "main") -> Path:
    """Create (if missing) an empty bare repository ``root/name`` accepting pushes."""
    repo = root / name
    if not (repo / "HEAD").exists():
        repo.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "--quiet", "--bare", f"--initial-branch={branch}",
                        str(repo)], check=True)
        subprocess.run(["git", "-C", str(repo), "config", "http.receivepack", "true"],
                       check=True)
    return repo


def _authorized(request: web.Request, credentials: tuple[str, str] | None) -> bool:
    if credentials is None:
        return True
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(user, credentials[0]) and \
        hmac.compare_digest(password, credentials[1])


def _cgi_env(request: web.Request, root: Path, body_length: int) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_PROJECT_ROOT": str(root),
        "GIT_HTTP_EXPORT_ALL": "1",
        "REQUEST_METHOD": request.method,
        "PATH_INFO": request.path,
        "QUERY_STRING": request.query_string,
        "CONTENT_TYPE": request.headers.get("Content-Type", ""),
        "CONTENT_LENGTH": str(body_length),
        "REMOTE_USER": "tether",
        "REMOTE_ADDR": request.remote or "127.0.0.1",
        "GIT_PROTOCOL": request.headers.get("Git-Protocol", ""),
        "HTTP_CONTENT_ENCODING": request.headers.get("Content-Encoding", ""),
    }


def _split_cgi(output: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = output.partition(b"\r\n\r\n")
    if not _:
        head, _, body = output.partition(b"\n\n")
    status = 200
    headers: dict[str, str] = {}
    for line in head.decode("latin-1").splitlines():
        key, _, value = line.partition(":")
        if key.lower() == "status":
            status = int(value.strip().split()[0])
        elif key:
            headers[key.strip()] = value.strip()
    return status, headers, body


def make_app(root: Path, *, credentials: tuple[str, str] | None = None) -> web.Application:
    """The aiohttp application serving every bare repository under ``root``."""

    async def handle(request: web.Request) -> web.StreamResponse:
        if not _authorized(request, credentials):
            return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="git"'})
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return web.Response(status=413, text="request body too large")
        proc = await asyncio.create_subprocess_exec(
            "git", "http-backend", env=_cgi_env(request, root, len(body)),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, _err = await proc.communicate(body)
        status, headers, payload = _split_cgi(out)
        return web.Response(status=status, body=payload, headers=headers)

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


async def _serve(root: Path, *, host: str, port: int,
                 credentials: tuple[str, str] | None) -> None:
    runner = web.AppRunner(make_app(root, credentials=credentials), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"serving git repositories from {root} at http://{host}:{port}/", flush=True)
    await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point (used by ``tether demo`` to run it as a process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", required=True, type=int)
    args = parser.parse_args(argv)
    user = os.environ.get("TETHER_GIT_USERNAME")
    password = os.environ.get("TETHER_GIT_PASSWORD")
    credentials = (user, password) if user and password else None
    asyncio.run(_serve(args.root, host=args.host, port=args.port, credentials=credentials))


if __name__ == "__main__":
    main()
