"""Who owns an object, and the per-object opt-outs written in its metadata.

Design: Flux reads its control marks (``kustomize.toolkit.fluxcd.io/ssa``, ``/force``,
``/prune``, ``/reconcile``, ``/substitute``) from labels *or* annotations, compared without
case, so this module is the single place that knows that rule; apply, prune and post-build
substitution ask it instead of reading metadata themselves. Ownership is the pair of labels
``kustomize.toolkit.fluxcd.io/name`` and ``/namespace`` that every applied object carries;
prune deletes nothing without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "FORCE_KEY",
    "NAMESPACE_LABEL",
    "NAME_LABEL",
    "PRUNE_KEY",
    "RECONCILE_KEY",
    "SSA_KEY",
    "SUBSTITUTE_KEY",
    "is_owned_by",
    "mark",
    "mark_is",
    "owner_labels",
    "with_owner_labels",
]

_GROUP = "kustomize.toolkit.fluxcd.io"
NAME_LABEL = f"{_GROUP}/name"
NAMESPACE_LABEL = f"{_GROUP}/namespace"
SSA_KEY = f"{_GROUP}/ssa"
FORCE_KEY = f"{_GROUP}/force"
PRUNE_KEY = f"{_GROUP}/prune"
RECONCILE_KEY = f"{_GROUP}/reconcile"
SUBSTITUTE_KEY = f"{_GROUP}/substitute"


def mark(obj: Mapping[str, Any] | None, key: str) -> str | None:
    """The value of ``key`` from the object's labels or annotations (annotations win)."""
    if not obj:
        return None
    meta = obj.get("metadata") or {}
    for field in ("annotations", "labels"):
        value = (meta.get(field) or {}).get(key)
        if value is not None:
            return str(value)
    return None


def mark_is(obj: Mapping[str, Any] | None, key: str, *values: str) -> bool:
    """True when ``key`` is set to one of ``values`` (case-insensitive)."""
    value = mark(obj, key)
    return value is not None and value.lower() in {v.lower() for v in values}


def owner_labels(name: str, namespace: str) -> dict[str, str]:
    """The labels that mark an object as applied by Kustomization ``namespace/name``."""
    return {NAME_LABEL: name, NAMESPACE_LABEL: namespace}


def with_owner_labels(obj: Mapping[str, Any], *, name: str, namespace: str) -> dict[str, Any]:
    """A copy of ``obj`` carrying the owner labels (the input is not modified)."""
    out = dict(obj)
    meta = dict(out.get("metadata") or {})
    meta["labels"] = {**(meta.get("labels") or {}), **owner_labels(name, namespace)}
    out["metadata"] = meta
    return out


def is_owned_by(obj: Mapping[str, Any], *, name: str, namespace: str) -> bool:
    """True when the object's owner labels name Kustomization ``namespace/name``."""
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return bool(labels.get(NAME_LABEL) == name and labels.get(NAMESPACE_LABEL) == namespace)
