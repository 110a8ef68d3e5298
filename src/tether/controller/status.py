"""Write an object's status through the ``status`` subresource (JSON merge patch).

Design: reconcilers build the complete new status as a dict (conditions via
``tether.conditions``); this module turns "old status → new status" into one merge patch,
with explicit nulls for removed keys, and skips the request when nothing changed — so a
no-op reconcile costs no write and triggers no watch event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tether.cluster import client

__all__ = ["merge_patch", "patch_status"]


def merge_patch(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The RFC 7386 merge patch turning ``old`` into ``new`` (lists are replaced whole)."""
    patch: dict[str, Any] = {}
    for key in old:
        if key not in new:
            patch[key] = None
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, Mapping) and isinstance(before, Mapping):
            sub = merge_patch(before, value)
            if sub:
                patch[key] = sub
        elif value != before or key not in old:
            patch[key] = value
    return patch


async def patch_status(
    kube: client.KubeClient, obj: Mapping[str, Any], new_status: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Patch ``obj``'s status to ``new_status``; None when it was already equal."""
    patch = merge_patch(obj.get("status") or {}, new_status)
    if not patch:
        return None
    meta = obj["metadata"]
    return await kube.patch(
        obj["apiVersion"], obj["kind"], meta["name"], {"status": patch},
        namespace=meta.get("namespace"), subresource="status",
    )
