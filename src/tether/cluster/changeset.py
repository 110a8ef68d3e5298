"""Object references and change sets: the values that apply, prune and health pass around.

Design: an apply or a prune returns a ``ChangeSet`` — an immutable tuple of
``(object, action)`` entries — instead of logging as it goes (fluxcd/pkg ssa). The same value
then feeds the inventory, the Progressing event (``Service/default/podinfo created``), logs
and the CLI. ``ObjectRef`` is the one way to name an object: ``subject`` for humans
(``Kind/ns/name``) and ``id`` in Flux's inventory format (``<ns>_<name>_<group>_<kind>``,
``:`` encoded as ``__``), so an inventory written by Flux is read by Tether and vice versa.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tether import errors

__all__ = ["Action", "ChangeSet", "ChangeSetEntry", "ObjectRef"]


class Action(StrEnum):
    """What happened to one object."""

    CREATED = "created"
    CONFIGURED = "configured"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    SKIPPED = "skipped"


@dataclass(frozen=True, order=True)
class ObjectRef:
    """Identity of one Kubernetes object: group, kind, namespace, name (and a version)."""

    group: str
    """API group; empty for the core group."""
    kind: str
    namespace: str
    """Empty for cluster-scoped objects."""
    name: str
    version: str = ""
    """API version within the group (``v1``); not part of the identity for diffs."""

    @classmethod
    def from_object(cls, obj: Mapping[str, Any]) -> ObjectRef:
        """The reference of a decoded object (``apiVersion``, ``kind``, ``metadata``)."""
        api_version = str(obj.get("apiVersion") or "")
        group, _, version = api_version.rpartition("/")
        meta = obj.get("metadata") or {}
        return cls(
            group=group,
            kind=str(obj.get("kind") or ""),
            namespace=str(meta.get("namespace") or ""),
            name=str(meta.get("name") or ""),
            version=version,
        )

    @classmethod
    def parse_id(cls, object_id: str, version: str = "") -> ObjectRef:
        """Parse Flux's inventory id ``<ns>_<name>_<group>_<kind>`` (InvalidSpecError)."""
        parts = object_id.split("_")
        if len(parts) < 4 or not parts[-1] or not "".join(parts[1:-2]):
            raise errors.InvalidSpecError(f"invalid inventory entry id {object_id!r}")
        name = "_".join(parts[1:-2]).replace("__", ":")
        return cls(group=parts[-2], kind=parts[-1], namespace=parts[0], name=name,
                   version=version)

    @property
    def api_version(self) -> str:
        """``group/version`` (or ``version`` for the core group)."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def id(self) -> str:
        """Flux's inventory id (cli-utils ObjMetadata string)."""
        return f"{self.namespace}_{self.name.replace(':', '__')}_{self.group}_{self.kind}"

    @property
    def subject(self) -> str:
        """``Kind/namespace/name``, or ``Kind/name`` when cluster-scoped."""
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity without the version: what inventories compare."""
        return (self.group, self.kind, self.namespace, self.name)

    def __str__(self) -> str:
        return self.subject


@dataclass(frozen=True)
class ChangeSetEntry:
    """The action performed on one object."""

    ref: ObjectRef
    action: Action

    @property
    def subject(self) -> str:
        """``Kind/ns/name`` of the object."""
        return self.ref.subject

    @property
    def object_id(self) -> str:
        """The object's inventory id."""
        return self.ref.id

    def __str__(self) -> str:
        return f"{self.ref.subject} {self.action}"


@dataclass(frozen=True)
class ChangeSet:
    """An ordered, immutable list of change-set entries."""

    entries: tuple[ChangeSetEntry, ...] = ()

    @classmethod
    def of(cls, entries: Iterable[ChangeSetEntry]) -> ChangeSet:
        """Build a change set from any iterable of entries."""
        return cls(tuple(entries))

    def __add__(self, other: ChangeSet) -> ChangeSet:
        return ChangeSet(self.entries + other.entries)

    def __iter__(self) -> Iterator[ChangeSetEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def with_action(self, *actions: Action) -> tuple[ChangeSetEntry, ...]:
        """The entries whose action is one of ``actions``."""
        return tuple(e for e in self.entries if e.action in actions)

    def changed(self) -> tuple[ChangeSetEntry, ...]:
        """Entries that changed the cluster (created, configured, deleted)."""
        return self.with_action(Action.CREATED, Action.CONFIGURED, Action.DELETED)

    def counts(self) -> dict[Action, int]:
        """How many entries per action."""
        return dict(Counter(e.action for e in self.entries))

    def lines(self, *, include_unchanged: bool = False) -> list[str]:
        """``Kind/ns/name action`` lines, as in Flux's Progressing event."""
        return [str(e) for e in self.entries
                if include_unchanged or e.action is not Action.UNCHANGED]

    def to_map(self) -> dict[str, str]:
        """``{subject: action}``, as fluxcd/pkg ChangeSet.ToMap."""
        return {e.subject: str(e.action) for e in self.entries}
