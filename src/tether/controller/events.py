"""Kubernetes Events, Flux style: one per change of state, never a secret.

Design: Flux's controllers record ``core/v1`` Events (reason + message, ``involvedObject``,
``source.component``) and users read them with ``kubectl events --for``. We emit an Event
only when an object's (type, reason, message) differs from the last one we emitted for it,
so a repository failing every backoff step does not flood the API server; the memory is
per-process (a restart may repeat the last Event once). Failing to record an Event is
logged and otherwise ignored: Events are best-effort by design.
"""

from __future__ import annotations

import datetime
import socket
from collections.abc import Mapping
from typing import Any

import structlog

from tether import errors
from tether.cluster import client

__all__ = ["NORMAL", "WARNING", "Recorder"]

NORMAL = "Normal"
WARNING = "Warning"
_MAX_MESSAGE = 1024

log = structlog.get_logger("tether.events")


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Recorder:
    """Emits Events for objects on behalf of one controller ``component``."""

    def __init__(self, kube: client.KubeClient, *, component: str) -> None:
        self.kube = kube
        self.component = component
        self.instance = socket.gethostname()
        self._last: dict[str, tuple[str, str, str]] = {}

    def forget(self, obj_key: str) -> None:
        """Drop the memory of an object (it was deleted)."""
        self._last.pop(obj_key, None)

    async def record(
        self,
        obj: Mapping[str, Any],
        *,
        type_: str,
        reason: str,
        message: str,
        annotations: Mapping[str, str] | None = None,
    ) -> bool:
        """Emit one Event unless it repeats the last one for ``obj``; True when emitted."""
        meta = obj.get("metadata") or {}
        key = f"{obj.get('kind')}/{meta.get('namespace')}/{meta.get('name')}"
        message = " ".join(message.split())[:_MAX_MESSAGE]
        if self._last.get(key) == (type_, reason, message):
            return False
        self._last[key] = (type_, reason, message)
        now = _now()
        event = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"generateName": f"{meta.get('name')}.",
                         "namespace": meta.get("namespace") or "default",
                         "annotations": dict(annotations or {})},
            "involvedObject": {
                "apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"),
                "name": meta.get("name"), "namespace": meta.get("namespace"),
                "uid": meta.get("uid"), "resourceVersion": meta.get("resourceVersion"),
            },
            "type": type_, "reason": reason, "message": message,
            "source": {"component": self.component},
            "reportingComponent": self.component, "reportingInstance": self.instance,
            "firstTimestamp": now, "lastTimestamp": now, "count": 1,
        }
        try:
            await self.kube.create(event)
        except errors.ClusterError as exc:
            log.warning("cannot record event", object=key, reason=reason, error=exc.one_line())
            return False
        return True
