"""The inventory: what a Kustomization applied, stored in its status — pure functions only.

Design: the inventory is the only memory of past applies, so prune can delete exactly what we
applied before and is no longer wanted. It uses Flux's format (``status.inventory.entries[]``
of ``{id: "<ns>_<name>_<group>_<kind>", v: "<version>"}``) so ownership carries over when a
cluster moves from Flux to Tether. ``diff`` compares identities only (a version bump is not a
removal) and orders stale objects for deletion: namespaced objects first, then cluster
definitions (CRDs, Namespaces) last, so a namespace is not deleted under its own contents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tether import errors
from tether.cluster.changeset import Action, ChangeSet, ObjectRef

__all__ = ["Inventory", "diff", "from_changeset"]

_DELETE_LAST = {"CustomResourceDefinition": 2, "Namespace": 1}


@dataclass(frozen=True)
class Inventory:
    """An ordered set of object references."""

    refs: tuple[ObjectRef, ...] = ()

    @classmethod
    def from_status(cls, inventory: Mapping[str, Any] | None) -> Inventory:
        """Read ``status.inventory``; InvalidSpecError when an entry is malformed."""
        entries = (inventory or {}).get("entries") or []
        refs: list[ObjectRef] = []
        for entry in entries:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
                raise errors.InvalidSpecError(f"invalid inventory entry {entry!r}")
            refs.append(ObjectRef.parse_id(entry["id"], str(entry.get("v") or "")))
        return cls.of(refs)

    @classmethod
    def of(cls, refs: Iterable[ObjectRef]) -> Inventory:
        """An inventory of ``refs``, duplicates (same identity) dropped, first kept."""
        seen: set[tuple[str, str, str, str]] = set()
        out: list[ObjectRef] = []
        for ref in refs:
            if ref.key not in seen:
                seen.add(ref.key)
                out.append(ref)
        return cls(tuple(out))

    def to_status(self) -> dict[str, Any]:
        """The ``status.inventory`` value, entries sorted by id like Flux."""
        entries = sorted(({"id": r.id, "v": r.version} for r in self.refs),
                         key=lambda e: e["id"])
        return {"entries": entries}

    def merge(self, refs: Iterable[ObjectRef]) -> Inventory:
        """This inventory plus ``refs`` (e.g. prune survivors kept for the next run)."""
        return Inventory.of([*self.refs, *refs])

    def __len__(self) -> int:
        return len(self.refs)

    def __contains__(self, ref: object) -> bool:
        return isinstance(ref, ObjectRef) and ref.key in {r.key for r in self.refs}


def from_changeset(changeset: ChangeSet) -> Inventory:
    """The inventory after an apply: every object of the change set except deletions."""
    return Inventory.of(e.ref for e in changeset if e.action is not Action.DELETED)


def diff(old: Inventory, new: Inventory) -> tuple[ObjectRef, ...]:
    """Objects in ``old`` and not in ``new``, in a safe deletion order."""
    keep = {r.key for r in new.refs}
    stale = [r for r in old.refs if r.key not in keep]
    return tuple(sorted(stale, key=lambda r: (_DELETE_LAST.get(r.kind, 0), r.subject)))
