"""``tether logs``: structlog and Flux-style JSON lines → Flux's log line shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tether.cli import logs, main

STRUCTLOG = {"event": "stored artifact for revision 'main@sha1:abc'", "level": "info",
             "logger": "tether.gitrepository", "key": "flux-system/podinfo",
             "timestamp": "2026-01-01T00:00:00Z"}
FLUXISH = {"ts": "2026-01-01T00:00:01Z", "level": "error", "kind": "Kustomization",
           "name": "apps", "namespace": "team", "msg": "Reconciliation failed",
           "error": "kustomization path not found"}


def test_parse_both_conventions_and_format_like_flux() -> None:
    a = logs.parse(json.dumps(STRUCTLOG))
    b = logs.parse(json.dumps(FLUXISH))
    assert a is not None and b is not None
    assert logs.format_entry(a) == ("2026-01-01T00:00:00Z info GitRepository/podinfo.flux-system"
                                    " - stored artifact for revision 'main@sha1:abc'")
    assert logs.format_entry(b) == ("2026-01-01T00:00:01Z error Kustomization/apps.team - "
                                    "Reconciliation failed kustomization path not found")
    bare = logs.parse(json.dumps({"event": "x", "key": "ns/a", "level": "info", "timestamp": "t"}))
    assert bare is not None and logs.format_entry(bare) == "t info a.ns - x"
    assert logs.parse("not json") is None
    assert logs.parse("[1, 2]") is None


def test_filters() -> None:
    a = logs.parse(json.dumps(STRUCTLOG))
    assert a is not None
    assert logs.Filter(namespace="flux-system").keep(a)
    assert not logs.Filter(namespace="team").keep(a)
    assert logs.Filter(namespace=None, kind="gitrepository", level="INFO").keep(a)
    assert not logs.Filter(namespace=None, name="other").keep(a)


def test_command_reads_the_log_file(tmp_path: Path) -> None:
    path = tmp_path / "controller.log"
    path.write_text("\n".join([json.dumps(STRUCTLOG), "plain text", json.dumps(FLUXISH),
                               json.dumps({**STRUCTLOG, "event": "second"})]) + "\n")
    main._register()
    runner = CliRunner()
    result = runner.invoke(main.app, ["logs", "--log-file", str(path), "--tail", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "2026-01-01T00:00:00Z info GitRepository/podinfo.flux-system - second"]
    result = runner.invoke(main.app, ["logs", "--log-file", str(path), "-A", "--level", "error"])
    assert result.output.splitlines()[0].startswith("2026-01-01T00:00:01Z error Kustomization")
    result = runner.invoke(main.app, ["logs", "--log-file", str(tmp_path / "nope")])
    assert result.exit_code != 0


def test_without_log_file_reads_the_demo_controller_log(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("TETHER_LOG_FILE", raising=False)
    main._register()
    runner = CliRunner()
    result = runner.invoke(main.app, ["logs"])
    assert result.exit_code != 0
    log = tmp_path / ".local" / "state" / "tether" / "demo" / "logs" / "controller.log"
    log.parent.mkdir(parents=True)
    log.write_text(json.dumps(STRUCTLOG) + "\n")
    result = runner.invoke(main.app, ["logs"])
    assert result.exit_code == 0, result.output
    assert "GitRepository/podinfo.flux-system" in result.output
