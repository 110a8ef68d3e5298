"""Conditions behave as Flux's runtime/conditions: ordering, transition times, generation."""

from __future__ import annotations

from typing import Any

from tether import conditions


def test_ready_first_and_transition_time_kept_when_unchanged() -> None:
    status: dict[str, Any] = {}
    conditions.mark_true(status, "ArtifactInStorage", reason="Succeeded", message="ok",
                         generation=1, now="t1")
    conditions.mark_true(status, conditions.READY, reason="Succeeded", message="ok",
                         generation=1, now="t1")
    assert [c["type"] for c in status["conditions"]] == ["Ready", "ArtifactInStorage"]
    conditions.mark_true(status, conditions.READY, reason="Succeeded", message="ok",
                         generation=2, now="t2")
    ready = conditions.get(status, conditions.READY)
    assert ready is not None
    assert ready["lastTransitionTime"] == "t1"
    assert ready["observedGeneration"] == 2
    conditions.mark_false(status, conditions.READY, reason="BuildFailed", message="bad\nyaml",
                          generation=2, now="t3")
    ready = conditions.get(status, conditions.READY)
    assert ready is not None
    assert (ready["lastTransitionTime"], ready["message"]) == ("t3", "bad yaml")


def test_reconciling_then_stalled() -> None:
    status: dict[str, Any] = {}
    conditions.mark_reconciling(status, reason="Progressing", message="building",
                                generation=3, now="t")
    assert conditions.get(status, conditions.READY)["status"] == "Unknown"  # type: ignore[index]
    conditions.mark_stalled(status, reason="InvalidSpec", message="bad", generation=3, now="t")
    assert conditions.get(status, conditions.RECONCILING) is None
    assert conditions.is_true(status, conditions.STALLED)
    assert not conditions.is_true(status, conditions.READY)
