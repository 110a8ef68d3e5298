"""status.history: newest first, deduplicated on digest+status, capped at five."""

from __future__ import annotations

from tether.controller.kustomization import upsert_history


def test_same_digest_and_status_updates_in_place() -> None:
    history = upsert_history([], digest="sha256:a", reason="ReconciliationSucceeded",
                             revision="main@sha1:1", now="t1", duration=1.5)
    history = upsert_history(history, digest="sha256:a", reason="ReconciliationSucceeded",
                             revision="main@sha1:1", now="t2", duration=0.25)
    assert len(history) == 1
    entry = history[0]
    assert entry["firstReconciled"] == "t1" and entry["lastReconciled"] == "t2"
    assert entry["totalReconciliations"] == 2
    assert entry["lastReconciledDuration"] == "250ms"
    assert entry["metadata"] == {"revision": "main@sha1:1"}


def test_new_outcome_goes_first_and_history_is_capped() -> None:
    history: list[dict[str, object]] = []
    for i in range(7):
        history = upsert_history(history, digest=f"sha256:{i}", reason="ReconciliationSucceeded",
                                 revision="", now=f"t{i}", duration=1)
    assert [h["digest"] for h in history] == [f"sha256:{i}" for i in (6, 5, 4, 3, 2)]
    failed = upsert_history(history, digest="sha256:6", reason="HealthCheckFailed",
                            revision="", now="t9", duration=2)
    assert [(h["digest"], h["lastReconciledStatus"]) for h in failed[:2]] == [
        ("sha256:6", "HealthCheckFailed"), ("sha256:6", "ReconciliationSucceeded")]
    assert "metadata" not in failed[0]
