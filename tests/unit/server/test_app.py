"""The artifact server serves files under its root only; probes and metrics answer."""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx
import pytest
from prometheus_client import CollectorRegistry, Counter

from tether import errors
from tether.server import app


async def test_serves_artifacts_and_refuses_escapes(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "gitrepository" / "ns" / "a").mkdir(parents=True)
    name = "ab" * 32 + ".tar.gz"
    (root / "gitrepository" / "ns" / "a" / name).write_bytes(b"tarball")
    (root / "gitrepository" / "ns" / "a" / ".tmp-x").write_bytes(b"partial")
    (tmp_path / "secret").write_text("outside")
    (root / "link").symlink_to(tmp_path / "secret")
    listener = await app.serve(app.artifact_app(root), "127.0.0.1:0")
    base = f"http://127.0.0.1:{listener.port}"
    try:
        async with httpx.AsyncClient(base_url=base) as http:
            ok = await http.get(f"/gitrepository/ns/a/{name}")
            assert ok.status_code == 200 and ok.content == b"tarball"
            assert ok.headers["X-Content-Digest"] == "sha256:" + "ab" * 32
            for path in ("/gitrepository/ns/a/.tmp-x", "/link", "/../secret",
                         "/gitrepository/%2e%2e/%2e%2e/secret", "/gitrepository/ns/a/missing"):
                assert (await http.get(path)).status_code == 404, path
    finally:
        await listener.close()


async def test_probes_and_metrics() -> None:
    ready = False
    registry = CollectorRegistry()
    Counter("demo_total", "A demo counter.", registry=registry).inc()
    health = await app.serve(app.health_app(lambda: ready), "127.0.0.1:0")
    metrics = await app.serve(app.metrics_app(registry), "127.0.0.1:0")
    try:
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"http://127.0.0.1:{health.port}/healthz")).status_code == 200
            url = f"http://127.0.0.1:{health.port}/readyz"
            assert (await http.get(url)).status_code == 503
            ready = True
            assert (await http.get(url)).status_code == 200
            text = (await http.get(f"http://127.0.0.1:{metrics.port}/metrics")).text
            assert "demo_total 1.0" in text
    finally:
        await health.close()
        await metrics.close()


def test_parse_addr() -> None:
    assert app.parse_addr(":9090") == ("0.0.0.0", 9090)
    assert app.parse_addr("127.0.0.1:0") == ("127.0.0.1", 0)
    with pytest.raises(errors.ConfigError):
        app.parse_addr("nope")
