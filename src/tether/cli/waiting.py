"""Waiting for Flux objects: the reconcile handshake, readiness, honest timeouts.

Design: one poll loop (:func:`wait_for`) serves reconcile, resume and create. Whether an
object is *decided* is a pure function of its dict (:func:`readiness`), and so is the
explanation printed on timeout (:func:`explain`) — a timeout names the object and says
what was still missing: the request not yet handled by the controller, an old
``observedGeneration``, or the Ready condition's reason and message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tether import errors
from tether.cli import kinds, output
from tether.cli.spinner import Spinner

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient, Obj

__all__ = [
    "POLL_INTERVAL",
    "Deadline",
    "explain",
    "go_duration",
    "handled",
    "readiness",
    "request_token",
    "wait_for",
    "waiting_for_dependency",
]

POLL_INTERVAL = 0.5
"""Seconds between two reads of the object."""


@dataclass(frozen=True)
class Deadline:
    """One ``--timeout`` budget shared by every wait of a command (source, then ks…)."""

    total: float
    start: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self.total - (time.monotonic() - self.start))

DEPENDENCY_NOT_READY = "DependencyNotReady"


def request_token(now: datetime | None = None) -> str:
    """A ``requestedAt`` value: RFC 3339 with nanosecond-style fraction, UTC (``…Z``)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
    return text + "Z"


def go_duration(seconds: float) -> str:
    """Whole seconds as Go prints a duration: ``300`` → ``5m0s``, ``3700`` → ``1h1m40s``."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def handled(obj: Mapping[str, Any], token: str) -> bool:
    """True once the controller copied our request token to ``lastHandledReconcileAt``."""
    return str((obj.get("status") or {}).get("lastHandledReconcileAt", "")) == token


def _generation_current(obj: Mapping[str, Any]) -> bool:
    generation = (obj.get("metadata") or {}).get("generation")
    if generation is None:
        return True
    observed = (obj.get("status") or {}).get("observedGeneration")
    ready = kinds.condition(obj, "Ready")
    if observed is None and ready is not None:
        observed = ready.get("observedGeneration")
    return observed is None or int(observed) >= int(generation)


def readiness(obj: Mapping[str, Any]) -> str | None:
    """``"True"``/``"False"`` once the controller decided Ready at the current generation.

    None while in progress: generation not yet observed, ``Reconciling=True``, Ready
    missing/``Unknown``, or Ready=False with reason ``DependencyNotReady`` (the dependency
    has not caught up yet; a timeout names it). ``Stalled=True`` is a decided failure.
    """
    if not _generation_current(obj):
        return None
    stalled = kinds.condition(obj, "Stalled")
    if stalled is not None and stalled.get("status") == "True":
        return "False"
    reconciling = kinds.condition(obj, "Reconciling")
    if reconciling is not None and reconciling.get("status") == "True":
        return None
    ready = kinds.condition(obj, "Ready")
    if ready is None or ready.get("status") not in ("True", "False"):
        return None
    if waiting_for_dependency(obj):
        return None
    return str(ready["status"])


def waiting_for_dependency(obj: Mapping[str, Any]) -> bool:
    """Ready=False only because a ``dependsOn`` entry is not Ready yet (transient)."""
    ready = kinds.condition(obj, "Ready")
    return (ready is not None and ready.get("status") == "False"
            and ready.get("reason") == DEPENDENCY_NOT_READY)


def explain(obj: Mapping[str, Any] | None, *, token: str | None = None) -> str:
    """Why ``obj`` is not done yet, in one line."""
    if obj is None:
        return "the object does not exist"
    status = obj.get("status") or {}
    if token is not None and not handled(obj, token):
        last = status.get("lastHandledReconcileAt") or "never"
        return (f"the reconcile request was not handled (lastHandledReconcileAt: {last}); "
                "is the controller running? (tether controller run)")
    if not _generation_current(obj):
        generation = (obj.get("metadata") or {}).get("generation")
        return f"generation {generation} not yet observed by the controller"
    ready = kinds.condition(obj, "Ready")
    if ready is None:
        return "no Ready condition yet (waiting to be reconciled)"
    reason = ready.get("reason") or "-"
    return f"Ready={ready.get('status')} ({reason}): {ready.get('message', '')}"


async def wait_for(
    kube: KubeClient,
    kind: kinds.Kind,
    *,
    name: str,
    namespace: str,
    deadline: Deadline,
    done: Callable[[Obj], bool],
    token: str | None = None,
) -> Obj:
    """Poll ``kind`` ``namespace/name`` until ``done(obj)``; spinner on stderr meanwhile.

    On timeout (``deadline`` spent) raises GitOpsError naming the object, the whole budget
    and :func:`explain`'s reason.
    """
    last: Obj | None = None
    announced = False
    with Spinner(f"waiting for {kind.kind} {namespace}/{name}") as spinner:
        while True:
            last = await kube.get_or_none(kind.api_version, kind.kind, name, namespace)
            if last is not None and done(last):
                return last
            if last is not None and waiting_for_dependency(last) and not announced:
                announced = True
                output.waiting(f"waiting for dependency: {kinds.ready_and_message(last)[1]}")
            spinner.detail = explain(last, token=token)
            if deadline.remaining() <= 0:
                break
            await asyncio.sleep(POLL_INTERVAL)
    raise errors.GitOpsError(
        f"timed out after {go_duration(deadline.total)} waiting for {kind.kind} "
        f"{namespace}/{name}: {explain(last, token=token)}"
    )
