"""Deciding readiness and explaining timeouts from literal status dicts."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from tether.cli import waiting


def obj(*conds: tuple[str, ...], generation: int = 2, observed: int | None = 2,
        handled: str = "") -> dict[str, Any]:
    status: dict[str, Any] = {
        "conditions": [{"type": c[0], "status": c[1], "reason": c[2] if len(c) > 2 else "R",
                        "message": f"{c[0]} says {c[1]}"} for c in conds]}
    if observed is not None:
        status["observedGeneration"] = observed
    if handled:
        status["lastHandledReconcileAt"] = handled
    return {"metadata": {"name": "x", "generation": generation}, "status": status}


@pytest.mark.parametrize(("o", "expected"), [
    (obj(("Ready", "True")), "True"),
    (obj(("Ready", "False")), "False"),
    (obj(("Ready", "Unknown"), ("Reconciling", "True")), None),
    (obj(("Ready", "False"), ("Reconciling", "True")), None),
    (obj(("Ready", "False"), ("Stalled", "True")), "False"),
    (obj(("Ready", "True"), observed=1), None),
    (obj(), None),
    (obj(("Ready", "False", "DependencyNotReady")), None),
])
def test_readiness(o: dict[str, Any], expected: str | None) -> None:
    assert waiting.readiness(o) == expected


def test_explain_names_the_missing_handshake_then_the_ready_message() -> None:
    pending = obj(("Ready", "True"), handled="old")
    assert "was not handled (lastHandledReconcileAt: old)" in waiting.explain(pending, token="t")
    failing = obj(("Ready", "False"), handled="t")
    assert waiting.explain(failing, token="t") == "Ready=False (R): Ready says False"
    assert "generation 2 not yet observed" in waiting.explain(obj(observed=1))
    assert waiting.explain(None) == "the object does not exist"


def test_request_token_is_rfc3339_utc() -> None:
    moment = datetime(2026, 11, 23, 20, 1, 2, 345600, tzinfo=UTC)
    assert waiting.request_token(moment) == "2026-11-23T20:01:02.3456Z"


@pytest.mark.parametrize(("seconds", "text"), [(300, "5m0s"), (45, "45s"), (3700, "1h1m40s")])
def test_go_duration(seconds: float, text: str) -> None:
    assert waiting.go_duration(seconds) == text


def test_deadline_is_one_budget() -> None:
    spent = waiting.Deadline(10.0, start=time.monotonic() - 11.0)
    assert spent.remaining() == 0.0
    fresh = waiting.Deadline(300.0)
    assert 299.0 < fresh.remaining() <= 300.0
