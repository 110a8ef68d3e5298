"""Status conditions, the Flux way — the only module that writes ``status.conditions``.

Rules (from fluxcd/pkg runtime/conditions): setting a condition always stamps
``observedGeneration``; ``lastTransitionTime`` changes only when status, reason or message
change; messages are trimmed to one line of bounded length; ``Ready`` sorts first, then
``Reconciling`` and ``Stalled``, then the rest by type. Conditions are plain dicts so they
round-trip through the API unchanged. Time is passed in (``now``) so this module stays pure.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

__all__ = [
    "HEALTHY",
    "READY",
    "RECONCILING",
    "STALLED",
    "delete",
    "get",
    "is_true",
    "mark_false",
    "mark_reconciling",
    "mark_stalled",
    "mark_true",
    "set_condition",
]

READY = "Ready"
RECONCILING = "Reconciling"
STALLED = "Stalled"
HEALTHY = "Healthy"

_ORDER = {READY: 0, RECONCILING: 1, STALLED: 2}
_MAX_MESSAGE = 32 * 1024

Status = MutableMapping[str, Any]


def get(status: Mapping[str, Any], type_: str) -> dict[str, Any] | None:
    """The condition of ``type_``, or None."""
    for cond in status.get("conditions") or []:
        if cond.get("type") == type_:
            return dict(cond)
    return None


def is_true(status: Mapping[str, Any], type_: str) -> bool:
    """True when the condition exists with status "True"."""
    cond = get(status, type_)
    return cond is not None and cond.get("status") == "True"


def _trim(message: str) -> str:
    text = " ".join(message.split()) if "\n" in message else message.strip()
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def set_condition(
    status: Status,
    *,
    type_: str,
    status_value: str,
    reason: str,
    message: str,
    generation: int,
    now: str,
) -> None:
    """Insert or update one condition in ``status`` (in place), keeping Flux's order."""
    message = _trim(message)
    conditions: list[dict[str, Any]] = [dict(c) for c in status.get("conditions") or []]
    old = next((c for c in conditions if c.get("type") == type_), None)
    changed = old is None or (
        old.get("status"), old.get("reason"), old.get("message")
    ) != (status_value, reason, message)
    new = {
        "type": type_,
        "status": status_value,
        "observedGeneration": generation,
        "lastTransitionTime": now if changed or old is None else old.get("lastTransitionTime", now),
        "reason": reason,
        "message": message,
    }
    conditions = [c for c in conditions if c.get("type") != type_] + [new]
    conditions.sort(key=lambda c: (_ORDER.get(str(c.get("type")), 9), str(c.get("type"))))
    status["conditions"] = conditions


def delete(status: Status, type_: str) -> None:
    """Remove a condition if present."""
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != type_]
    status["conditions"] = conditions


def mark_true(
    status: Status, type_: str, *, reason: str, message: str, generation: int, now: str
) -> None:
    """Set ``type_`` to True."""
    set_condition(status, type_=type_, status_value="True", reason=reason,
                  message=message, generation=generation, now=now)


def mark_false(
    status: Status, type_: str, *, reason: str, message: str, generation: int, now: str
) -> None:
    """Set ``type_`` to False."""
    set_condition(status, type_=type_, status_value="False", reason=reason,
                  message=message, generation=generation, now=now)


def mark_reconciling(
    status: Status, *, reason: str, message: str, generation: int, now: str
) -> None:
    """Mark work in progress: Reconciling=True, and Ready=Unknown unless already False."""
    set_condition(status, type_=RECONCILING, status_value="True", reason=reason,
                  message=message, generation=generation, now=now)
    ready = get(status, READY)
    if ready is None or ready.get("status") != "False":
        set_condition(status, type_=READY, status_value="Unknown", reason=reason,
                      message=message, generation=generation, now=now)


def mark_stalled(
    status: Status, *, reason: str, message: str, generation: int, now: str
) -> None:
    """Terminal failure: Stalled=True, Ready=False, no Reconciling."""
    delete(status, RECONCILING)
    set_condition(status, type_=STALLED, status_value="True", reason=reason,
                  message=message, generation=generation, now=now)
    set_condition(status, type_=READY, status_value="False", reason=reason,
                  message=message, generation=generation, now=now)
