"""Runtime: predicates, jitter, workers acting on Results, metrics."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from tests.helpers import eventually

from tether.controller import runtime


def _obj(generation: int = 1, requested: str | None = None, revision: str | None = None,
         digest: str = "sha256:x") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "a", "namespace": "n", "generation": generation}
    if requested:
        meta["annotations"] = {runtime.REQUESTED_AT: requested}
    status = {"artifact": {"revision": revision, "digest": digest}} if revision else {}
    return {"metadata": meta, "status": status}


def test_primary_predicate_ignores_status_only_changes() -> None:
    p = runtime.spec_or_request_changed
    assert p("ADDED", _obj(), None)
    assert p("DELETED", _obj(), _obj())
    assert not p("MODIFIED", _obj(revision="r2"), _obj(revision="r1"))
    assert p("MODIFIED", _obj(generation=2), _obj())
    assert p("MODIFIED", _obj(requested="t1"), _obj())


def test_revision_predicate() -> None:
    p = runtime.artifact_revision_changed
    assert p("MODIFIED", _obj(revision="r2"), _obj(revision="r1"))
    assert p("MODIFIED", _obj(revision="r1", digest="d2"), _obj(revision="r1"))
    assert not p("MODIFIED", _obj(revision="r1", generation=3), _obj(revision="r1"))
    assert not p("ADDED", _obj(), None)
    assert p("ADDED", _obj(revision="r1"), None)


def test_jitter_bounds() -> None:
    rng = random.Random(7)
    values = [runtime.jitter(100, rng=rng) for _ in range(1000)]
    assert 95 <= min(values) < 96 and 104 < max(values) <= 105


async def test_workers_retry_failures_with_backoff_and_requeue_successes() -> None:
    manager = runtime.Manager(kube=None, namespace="n")  # type: ignore[arg-type]
    calls: list[str] = []
    outcomes = {"bad": runtime.Result(failed=True), "good": runtime.Result(requeue_after=60),
                "capped": runtime.Result(failed=True, requeue_after=0.001)}

    async def reconcile(key: str) -> runtime.Result:
        calls.append(key)
        if key == "boom":
            raise RuntimeError("bug")
        return outcomes[key]

    controller = runtime.Controller(manager, name="t", kind="T", reconcile=reconcile,
                                    concurrent=2)
    controller.queue.base_delay = 0.01
    workers = [asyncio.create_task(controller._work(i)) for i in range(2)]
    for key in ("bad", "good", "boom", "capped"):
        controller.enqueue(key)

    async def retried() -> bool:
        return calls.count("bad") >= 3 and calls.count("boom") >= 3
    await eventually(retried, timeout=10, interval=0.01, what="failures retried")
    await controller.queue.shutdown()
    await asyncio.gather(*workers)
    assert calls.count("good") == 1
    assert calls.count("bad") >= 3 and calls.count("boom") >= 3  # retried with backoff
    assert controller.queue.failures("bad") >= 3
    assert calls.count("capped") > calls.count("bad")  # the cap beats the doubling backoff
    sample = manager.metrics.registry.get_sample_value(
        "tether_reconcile_total", {"kind": "T", "result": "success"})
    assert sample == 1.0
