"""``ResMap``: the ordered set of resources a build produces, indexed by identity.

Design: a list keeps input order (kustomize's FIFO output), and two dictionaries index it
by current id and by *any* id (current or previous), so lookups are O(1) instead of the
O(n) scans that make kustomize quadratic on big trees. Transformers mutate objects in
place, which can change ids; the indexes are therefore caches that the pipeline drops
with ``invalidate()`` after each step that may rename, and rebuilds lazily on next use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tether import errors
from tether.kustomize.resource import ResId, Resource

__all__ = ["ResMap"]


class ResMap:
    """Resources in order, with id indexes."""

    def __init__(self, resources: Iterable[Resource] = ()) -> None:
        self._items: list[Resource] = []
        self._by_cur: dict[tuple[str, ...], list[Resource]] | None = None
        self._by_any: dict[tuple[str, ...], list[Resource]] | None = None
        for res in resources:
            self.append(res)

    # --- reading ---------------------------------------------------------------------
    def __iter__(self) -> Iterator[Resource]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    @property
    def resources(self) -> list[Resource]:
        return list(self._items)

    def objects(self) -> list[dict[str, object]]:
        return [r.obj for r in self._items]

    def _cur_index(self) -> dict[tuple[str, ...], list[Resource]]:
        if self._by_cur is None:
            index: dict[tuple[str, ...], list[Resource]] = {}
            for res in self._items:
                index.setdefault(res.cur_id.key, []).append(res)
            self._by_cur = index
        return self._by_cur

    def _any_index(self) -> dict[tuple[str, ...], list[Resource]]:
        if self._by_any is None:
            index: dict[tuple[str, ...], list[Resource]] = {}
            for res in self._items:
                seen: set[tuple[str, ...]] = set()
                for rid in res.all_ids():
                    key = rid.key
                    if key not in seen:
                        seen.add(key)
                        index.setdefault(key, []).append(res)
            self._by_any = index
        return self._by_any

    def by_current_id(self, rid: ResId) -> list[Resource]:
        """Resources whose current id equals ``rid``."""
        return list(self._cur_index().get(rid.key, ()))

    def by_any_id(self, rid: ResId) -> list[Resource]:
        """Resources with ``rid`` as current or previous id, in map order."""
        found = self._any_index().get(rid.key, [])
        if len(found) > 1:
            order = {id(r): i for i, r in enumerate(self._items)}
            found = sorted(found, key=lambda r: order[id(r)])
        return list(found)

    def index_of(self, res: Resource) -> int:
        for i, item in enumerate(self._items):
            if item is res:
                return i
        return -1

    # --- writing ---------------------------------------------------------------------
    def invalidate(self) -> None:
        """Drop the id indexes (call after anything that may have changed an id)."""
        self._by_cur = None
        self._by_any = None

    def append(self, res: Resource) -> None:
        """Add a resource; an id already present is an error (as in kustomize)."""
        rid = res.cur_id
        if self._cur_index().get(rid.key):
            raise errors.BuildError(f"may not add resource with an already registered id: {rid}")
        self._items.append(res)
        self._by_cur.setdefault(rid.key, []).append(res)  # type: ignore[union-attr]
        if self._by_any is not None:
            # Keep the any-id index warm: generators absorb one object at a time.
            for key in dict.fromkeys(i.key for i in res.all_ids()):
                self._by_any.setdefault(key, []).append(res)

    def append_all(self, resources: Iterable[Resource]) -> None:
        for res in resources:
            self.append(res)

    def replace(self, old: Resource, new: Resource) -> None:
        """Put ``new`` where ``old`` was."""
        index = self.index_of(old)
        if index < 0:
            raise errors.BuildError(f"cannot replace {old.cur_id}: not in the map")
        self._items[index] = new
        if self._by_cur is None and self._by_any is None:
            return
        # Update the indexes in place (generator merges replace one object at a time).
        for index_map, ids_old, ids_new in (
            (self._by_cur, [old.cur_id], [new.cur_id]),
            (self._by_any, old.all_ids(), new.all_ids()),
        ):
            if index_map is None:
                continue
            for key in dict.fromkeys(i.key for i in ids_old):
                bucket = index_map.get(key, [])
                bucket[:] = [r for r in bucket if r is not old]
            for key in dict.fromkeys(i.key for i in ids_new):
                index_map.setdefault(key, []).append(new)

    def remove(self, res: Resource) -> None:
        index = self.index_of(res)
        if index >= 0:
            del self._items[index]
            self.invalidate()

    def remove_all(self, doomed: Iterable[Resource]) -> None:
        ids = {id(r) for r in doomed}
        if ids:
            self._items = [r for r in self._items if id(r) not in ids]
            self.invalidate()

    def set_order(self, resources: list[Resource]) -> None:
        """Reorder (the same resources, e.g. after sorting)."""
        self._items = list(resources)

    def copy(self) -> ResMap:
        """A deep copy (objects and bookkeeping)."""
        other = ResMap()
        other._items = [r.copy() for r in self._items]
        return other

    def absorb(self, res: Resource) -> None:
        """Add a generated resource honouring its behaviour (create, merge or replace)."""
        rid = res.cur_id
        matches = self.by_any_id(rid)
        if not matches:
            if res.behavior in ("merge", "replace"):
                raise errors.BuildError(f"id {rid} does not exist; cannot merge or replace")
            self.append(res)
            return
        if len(matches) > 1:
            raise errors.BuildError(
                f"found multiple objects {[str(m.cur_id) for m in matches]} "
                f"that could accept merge of {rid}"
            )
        old = matches[0]
        if res.behavior == "replace":
            _copy_merge_metadata(res, old)
        elif res.behavior == "merge":
            origin = old.origin
            _copy_merge_metadata(res, old)
            for key in ("data", "binaryData"):
                _merge_string_map(res, old, key=key)
            if origin is not None:
                res.origin = origin
        else:
            raise errors.BuildError(
                f"id {rid} exists; can not use behavior: '{res.behavior or 'create'}', "
                "behavior must be merge or replace"
            )
        self.replace(old, res)


def _copy_merge_metadata(res: Resource, old: Resource) -> None:
    """Labels/annotations merged (``res`` wins); name, namespace and bookkeeping from ``old``."""
    for key in ("labels", "annotations"):
        merged = {**_as_dict(old.meta.get(key)), **_as_dict(res.meta.get(key))}
        if merged:
            res.meta[key] = merged
        else:
            res.meta.pop(key, None)
    res.set_name(old.name)
    if old.namespace:
        res.set_namespace(old.namespace)
    else:
        res.meta.pop("namespace", None)
    # Build bookkeeping comes from the old object; the hash survives only if both want it.
    res.needs_hash = res.needs_hash and old.needs_hash
    res.prev = list(old.prev)
    res.prefixes = list(old.prefixes)
    res.suffixes = list(old.suffixes)
    res.ref_by = list(old.ref_by)
    res.ref_var_names = list(old.ref_var_names)
    res.behavior = old.behavior
    if res.origin is None:
        res.origin = old.origin
    if not res.transformations:
        res.transformations = list(old.transformations)


def _merge_string_map(res: Resource, old: Resource, *, key: str) -> None:
    merged = {**_as_dict(old.obj.get(key)), **_as_dict(res.obj.get(key))}
    if merged:
        res.obj[key] = merged
    else:
        res.obj.pop(key, None)


def _as_dict(value: object) -> dict[str, object]:
    return dict(value) if isinstance(value, dict) else {}
