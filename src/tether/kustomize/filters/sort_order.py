"""Output order: FIFO (input order, nothing to do) or kustomize's "legacy" kind order.

Legacy order ranks kinds (Namespaces, CRDs, RBAC, ConfigMaps... first; webhooks last, the
lists are configurable through ``sortOptions.legacySortOptions``), then compares
``group_version_kind`` and finally ``Kind.version.group|namespace|name``. The keys are
unique, so the result does not depend on the sort algorithm.

>>> from tether.kustomize.resmap import ResMap
>>> from tether.kustomize.resource import Resource
>>> dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}
>>> ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}
>>> rm = ResMap([Resource(dep), Resource(ns)])
>>> SortFilter(order="legacy")(rm)
>>> [r.kind for r in rm]
['Namespace', 'Deployment']
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from tether import errors
from tether.kustomize import tconfig
from tether.kustomize.resmap import ResMap
from tether.kustomize.resource import Gvk, ResId

DEFAULT_FIRST = tconfig.LEGACY_ORDER_FIRST
DEFAULT_LAST = tconfig.LEGACY_ORDER_LAST


def _gvk_string(gvk: Gvk) -> str:
    return "_".join([gvk.group or "~G", gvk.version or "~V", gvk.kind or "~K"])


def _id_string(rid: ResId) -> str:
    return "|".join([str(rid.gvk), rid.namespace or "~X", rid.name or "~N"])


@dataclass(frozen=True)
class SortFilter:
    """Sort a map in ``legacy`` order (``fifo`` leaves it alone)."""

    order: str = "fifo"
    first: tuple[str, ...] = DEFAULT_FIRST
    last: tuple[str, ...] = DEFAULT_LAST

    @staticmethod
    def from_options(options: Any, *, source: str) -> SortFilter:
        """From a ``sortOptions`` mapping (validated as kustomize does)."""
        if not isinstance(options, dict):
            raise errors.BuildError(f"{source}: sortOptions must be a mapping")
        unknown = set(options) - {"order", "legacySortOptions"}
        if unknown:
            raise errors.BuildError(f"{source}: unknown sortOptions field(s) {sorted(unknown)}")
        order = options.get("order")
        if order not in ("fifo", "legacy"):
            raise errors.BuildError(
                f"{source}: the field 'sortOptions.order' must be one of [fifo, legacy]"
            )
        legacy = options.get("legacySortOptions")
        if order == "fifo" and legacy is not None:
            raise errors.BuildError(
                f"{source}: the field 'sortOptions.legacySortOptions' is set but the selected "
                "sort order is 'fifo', not 'legacy'"
            )
        if isinstance(legacy, dict):
            return SortFilter(
                order=order,
                first=tuple(legacy.get("orderFirst") or ()),
                last=tuple(legacy.get("orderLast") or ()),
            )
        return SortFilter(order=order)

    def __call__(self, rm: ResMap) -> None:
        if self.order != "legacy":
            return
        ranks = {k: i - len(self.first) for i, k in enumerate(self.first)}
        ranks.update({k: 1 + i for i, k in enumerate(self.last)})
        keyed = [(r.cur_id, r) for r in rm]

        def less(a: ResId, b: ResId) -> bool:
            if a.gvk != b.gvk:
                ra, rb = ranks.get(a.gvk.kind, 0), ranks.get(b.gvk.kind, 0)
                if ra != rb:
                    return ra < rb
                sa, sb = _gvk_string(a.gvk), _gvk_string(b.gvk)
                if a.gvk.kind == b.gvk.kind == "Namespace" and (not a.gvk.group or not b.gvk.group):
                    return sa > sb
                return sa < sb
            return _id_string(a) < _id_string(b)

        def cmp(x: tuple[ResId, Any], y: tuple[ResId, Any]) -> int:
            return -1 if less(x[0], y[0]) else (1 if less(y[0], x[0]) else 0)

        keyed.sort(key=functools.cmp_to_key(cmp))
        rm.set_order([r for _, r in keyed])
