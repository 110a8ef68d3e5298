"""Field specs: "which field of which kinds" a transformer touches, and how to walk them.

A field spec is a gvk filter plus a slash-separated path (``spec/template/metadata/labels``;
``\\/`` escapes a slash in a key, a trailing ``[]`` marks a list). Lists met along the way
are walked element by element, as kustomize does, so ``spec/containers/image`` reaches
every container. With ``create`` the missing maps on the way (and the final field) are
created; without it a missing field means "nothing to do".

Design: ``walk`` hands the *parent mapping and key* of each reached field to a callback,
so one walker serves every transformer (set a value, merge a map, rewrite a name...).
Specs are frozen and hashable, so configs can be merged and de-duplicated cheaply.

>>> obj = {"kind": "Deployment", "spec": {"template": {"metadata": {}}}}
>>> spec = FieldSpec(kind="Deployment", path="spec/template/metadata/labels", create=True)
>>> walk(obj, spec, lambda parent, key: parent[key].update(app="x"), create="map")
>>> obj["spec"]["template"]["metadata"]
{'labels': {'app': 'x'}}
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from tether import errors

__all__ = ["FieldSpec", "merge_specs", "split_path", "walk"]

SetFn = Callable[[Any, Any], None]
CreateKind = Literal["map", "scalar"] | None


@functools.lru_cache(maxsize=4096)
def split_path(path: str) -> tuple[str, ...]:
    """Split on ``/`` except where escaped as ``\\/``."""
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(path):
        ch = path[i]
        if ch == "\\" and i + 1 < len(path) and path[i + 1] == "/":
            current.append("/")
            i += 2
            continue
        if ch == "/":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return tuple(p for p in parts if p != "") if path else ()


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A gvk filter (empty fields match anything) and a field path."""

    group: str = ""
    version: str = ""
    kind: str = ""
    path: str = ""
    create: bool = False

    @staticmethod
    def from_dict(data: Any, *, source: str) -> FieldSpec:
        if not isinstance(data, dict):
            raise errors.BuildError(f"{source}: a fieldSpec must be a mapping")
        known = {"group", "version", "kind", "path", "create"}
        unknown = set(data) - known
        if unknown:
            raise errors.BuildError(f"{source}: unknown fieldSpec field(s) {sorted(unknown)}")
        return FieldSpec(
            group=str(data.get("group") or ""),
            version=str(data.get("version") or ""),
            kind=str(data.get("kind") or ""),
            path=str(data.get("path") or ""),
            create=bool(data.get("create") or False),
        )

    def matches(self, obj: dict[str, Any]) -> bool:
        """kustomize's gvk match against an object's apiVersion/kind."""
        if self.kind and self.kind != obj.get("kind"):
            return False
        if self.group or self.version:
            api_version = str(obj.get("apiVersion") or "")
            group, sep, version = api_version.partition("/")
            if not sep:
                group, version = "", api_version
            if self.group and self.group != group:
                return False
            if self.version and self.version != version:
                return False
        return True

    def same_target(self, other: FieldSpec) -> bool:
        return (self.group, self.version, self.kind, self.path) == (
            other.group,
            other.version,
            other.kind,
            other.path,
        )


def merge_specs(base: Iterable[FieldSpec], extra: Iterable[FieldSpec]) -> list[FieldSpec]:
    """Union of two spec lists; a spec for the same gvk+path with other options conflicts."""
    result = list(base)
    index = {(s.group, s.version, s.kind, s.path): i for i, s in enumerate(result)}
    for spec in extra:
        key = (spec.group, spec.version, spec.kind, spec.path)
        if key in index:
            if result[index[key]] != spec:
                raise errors.BuildError(
                    f"conflicting fieldspecs for {spec.kind or '*'} path {spec.path}"
                )
            continue
        index[key] = len(result)
        result.append(spec)
    return result


def walk(obj: dict[str, Any], spec: FieldSpec, fn: SetFn, *, create: CreateKind) -> None:
    """Call ``fn(parent, key)`` on every field ``spec`` reaches in ``obj`` (if it matches)."""
    if not spec.matches(obj):
        return
    try:
        _walk(obj, split_path(spec.path), fn=fn, may_create=spec.create, create=create)
    except _NotAContainer as exc:
        name = (obj.get("metadata") or {}).get("name", "")
        raise errors.BuildError(
            f"considering field '{spec.path}' of object {obj.get('kind')} {name}: "
            f"expected sequence or mapping node at {exc}"
        ) from None


class _NotAContainer(Exception):
    pass


def _walk(
    node: Any, path: tuple[str, ...], *, fn: SetFn, may_create: bool, create: CreateKind
) -> None:
    if node is None:
        return
    if isinstance(node, list):
        for item in node:
            _walk(item, path, fn=fn, may_create=may_create, create=create)
        return
    if not isinstance(node, dict):
        raise _NotAContainer("/".join(path))
    head = path[0]
    is_seq = head.endswith("[]")
    name = head[:-2] if is_seq else head
    last = len(path) == 1
    if name not in node or node[name] is None:
        if not may_create or create is None or is_seq:
            if name not in node:
                return
        elif last:
            node[name] = {} if create == "map" else (node.get(name) if name in node else "")
        else:
            node[name] = {}
    if last:
        fn(node, name)
        return
    _walk(node[name], path[1:], fn=fn, may_create=may_create, create=create)
