"""A minimal forwarding HTTP proxy (absolute-URI requests, optional basic auth) for tests."""

from __future__ import annotations

import base64
import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def _forward(self) -> None:
        owner = self.server.owner
        owner.requests.append(self.path)
        if owner.username is not None:
            token = base64.b64encode(f"{owner.username}:{owner.password}".encode()).decode()
            if self.headers.get("Proxy-Authorization") != f"Basic {token}":
                self.send_response(407)
                self.send_header("Proxy-Authenticate", 'Basic realm="proxy"')
                self.end_headers()
                return
        target = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("proxy-authorization", "proxy-connection", "connection")}
        conn = http.client.HTTPConnection(target.hostname or "", target.port or 80, timeout=30)
        path = target.path + (f"?{target.query}" if target.query else "")
        conn.request(self.command, path, body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        conn.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ForwardProxy


class ForwardProxy:
    """``http://127.0.0.1:<port>``; records the absolute URIs it forwarded."""

    def __init__(self, *, username: str | None = None, password: str | None = None) -> None:
        self.username, self.password = username, password
        self.requests: list[str] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        """The proxy URL."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ForwardProxy:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
