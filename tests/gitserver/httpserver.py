"""Smart-HTTP Git server: ``git http-backend`` (CGI) behind a threaded stdlib HTTP server.

Auth is optional: HTTP basic (``username``/``password``) or a bearer ``token``. Every
request is recorded (``requests``) so tests can tell a fetch from an ``ls-remote``.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:
        return

    def _authorized(self) -> bool:
        owner = self.server.owner
        header = self.headers.get("Authorization", "")
        if owner.token is not None:
            return header == f"Bearer {owner.token}"
        if owner.username is not None:
            expected = base64.b64encode(f"{owner.username}:{owner.password}".encode()).decode()
            return header == f"Basic {expected}"
        return True

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        owner = self.server.owner
        parts = urlsplit(self.path)
        owner.requests.append(f"{self.command} {parts.path}?{parts.query}")
        if not self._authorized():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.end_headers()
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(owner.root), "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command, "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query, "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": "127.0.0.1",
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
        }
        proc = subprocess.run(["git", "http-backend"], input=body, env=env,
                              capture_output=True, check=False)
        head, _, payload = proc.stdout.partition(b"\r\n\r\n")
        status = 200
        headers: list[tuple[str, str]] = []
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.strip().split()[0])
            elif key:
                headers.append((key, value.strip()))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: GitHTTPServer


class GitHTTPServer:
    """Serves every ``*.git`` under ``root`` at ``http://127.0.0.1:<port>/<name>.git``."""

    def __init__(self, root: Path, *, username: str | None = None,
                 password: str | None = None, token: str | None = None) -> None:
        self.root = root
        self.username, self.password, self.token = username, password, token
        self.port = 0
        self.requests: list[str] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def url(self, name: str) -> str:
        """The clone URL of repository ``name``."""
        return f"http://127.0.0.1:{self.port}/{name}.git"

    def start(self) -> GitHTTPServer:
        """Listen (on the previous port when restarting)."""
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.owner = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (connections are refused until :meth:`start`)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def fetches(self) -> int:
        """How many upload-pack POSTs (object transfers or ref listings in v2) were served."""
        return sum(1 for r in self.requests if r.startswith("POST") and "upload-pack" in r)

    def __enter__(self) -> GitHTTPServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
