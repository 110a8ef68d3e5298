"""The strategic-merge walk: kyaml ``merge2`` semantics over plain Python YAML values.

Job: merge a patch document into a resource exactly as kustomize v5.8.1's
``patchstrategicmerge`` filter does (``merge2.Merge`` with ``ListIncreaseDirection: prepend``),
including its quirks, because the output must be byte-identical to kustomize's.

Design decisions:

* We walk a deep copy of both documents and mutate it in place, because kyaml's behaviour
  depends on node identity (a directive removed from the patch is gone for later steps, an
  added map is merged with itself, a list element merged in place is the same object that
  later replaces its twin). Keeping the same mutation order keeps the same results.
* Three outcomes flow up the walk: a value, :data:`CLEAR` (kyaml's nil: drop the field) and
  :data:`KEEP_NULL` (kyaml's "persistent null": keep ``field: null``). ``None`` returned by a
  step is a null *from the patch*, which clears the field, as in kyaml.
* Associative lists (schema strategy contains ``merge``) live in :mod:`.lists`, which has a
  linear indexed path for well-formed lists and a literal path for the odd ones.
* Lists without a schema (custom resources) are replaced wholesale; ``$setElementOrder``,
  ``$retainKeys`` and ``$deleteFromPrimitiveList`` are not directives in kyaml and are merged
  as ordinary fields (verified on the real binary).
"""

from __future__ import annotations

from typing import Any

from tether.kustomize.smp import lists
from tether.kustomize.smp.common import (
    CLEAR,
    KEEP_NULL,
    MISSING,
    SmpError,
    clone,
    is_null,
    kind_name,
    text_of,
    written_non_plain,
)
from tether.kustomize.smp.schema import Node, Schema, is_associative

DIRECTIVE_KEY = "$patch"
_DIRECTIVES = frozenset({"delete", "replace", "merge"})


class Walker:
    """One merge of a patch into a resource; holds the schema and implements each visit."""

    __slots__ = ("schema",)

    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    # ------------------------------------------------------------------ dispatch

    def walk(self, dest: Any, origin: Any, *, node: Node | None) -> Any:
        """Merge ``origin`` (patch side) into ``dest``; returns a value, CLEAR or KEEP_NULL."""
        if node is None:
            node = self._schema_by_gvk(dest, origin)
        first = dest if not is_null(dest) else origin
        if is_null(first) or isinstance(first, dict):
            self._require(dest, origin, kind=dict)
            return self._walk_map(dest, origin, node=node)
        if isinstance(first, list):
            self._require(dest, origin, kind=list)
            if node is not None and is_associative(node):
                return self._walk_associative(dest, origin, node=node)
            # non-associative list: the patch's list (even null) wins, else keep
            return dest if origin is MISSING else origin
        self._require(dest, origin, kind=None)
        if origin is MISSING:
            return dest
        if isinstance(dest, str) and not is_null(origin) and not isinstance(origin, str):
            # kyaml keeps the replaced scalar's style: a quoted string stays a string
            return text_of(origin) if written_non_plain(dest) else origin
        return origin

    def _schema_by_gvk(self, dest: Any, origin: Any) -> Node | None:
        """kyaml ``Walker.GetSchema``: a map carrying apiVersion+kind brings its own schema."""
        for src in (dest, origin):
            if not isinstance(src, dict):
                continue
            api_version = text_of(src.get("apiVersion"))
            kind = text_of(src.get("kind"))
            if not api_version or not kind:
                continue
            found = self.schema.for_type(api_version, kind)
            if found is not None:
                return found
        return None

    @staticmethod
    def _require(dest: Any, origin: Any, *, kind: type | None) -> None:
        """kyaml ``ErrorIfAnyInvalidAndNonNull``: both sides must share the node kind."""
        for side in (dest, origin):
            if is_null(side):
                continue
            ok = isinstance(side, kind) if kind is not None else not isinstance(side, dict | list)
            if not ok:
                expected = kind_name(dest if not is_null(dest) else origin)
                raise SmpError(
                    f"strategic merge: wrong node kind: expected {expected} but got "
                    f"{kind_name(side)}"
                )

    # ------------------------------------------------------------------ maps

    def _walk_map(self, dest: Any, origin: Any, *, node: Node | None) -> Any:
        result = self._visit_map(dest, origin)
        if not isinstance(result, dict):
            # CLEAR, KEEP_NULL, or a null from the patch (which clears)
            return CLEAR if result is MISSING else result
        names = set(result)
        if isinstance(origin, dict):
            names.update(origin)
        for name in sorted(names, key=str):
            sub = self.schema.field(node, str(name)) if node is not None else None
            dest_value = result.get(name, MISSING)
            origin_value = origin.get(name, MISSING) if isinstance(origin, dict) else MISSING
            value = self.walk(dest_value, origin_value, node=sub)
            if value is KEEP_NULL:
                result[name] = None
            elif value is CLEAR or value is None or value is MISSING:
                result.pop(name, None)
            else:
                result[name] = value
        return result

    def _visit_map(self, dest: Any, origin: Any) -> Any:
        """kyaml ``Merger.VisitMap``."""
        if is_null(dest):
            # adding: a delete directive drops it; errors in the directive are ignored here
            try:
                directive = map_directive(origin)
            except SmpError:
                directive = ""
            if directive == "delete":
                return CLEAR
            if origin is MISSING and dest is not MISSING:
                return KEEP_NULL  # an explicit null in the resource survives
            return origin
        if origin is None:
            return CLEAR
        directive = map_directive(origin)
        if directive == "delete":
            return CLEAR
        if directive == "replace":
            return origin
        return dest

    # ------------------------------------------------------------------ lists

    def _walk_associative(self, dest: Any, origin: Any, *, node: Node) -> Any:
        result = self._visit_associative_list(dest, origin)
        if not isinstance(result, list):
            return CLEAR
        return lists.merge_associative(self, result, origin, node=node)

    @staticmethod
    def _visit_associative_list(dest: Any, origin: Any) -> Any:
        """kyaml ``Merger.VisitList`` for associative lists."""
        if is_null(dest):
            return origin
        if origin is None:
            return CLEAR
        directive = list_directive(origin) if isinstance(origin, list) else "merge"
        if directive == "delete":
            return CLEAR
        if directive == "replace":
            return origin
        return dest


# ---------------------------------------------------------------------- directives


def map_directive(patch: Any) -> str:
    """The ``$patch`` of a map (``merge`` if none); removes the directive from the map."""
    if patch is MISSING:
        return "merge"
    if not isinstance(patch, dict):
        raise SmpError(
            f"no implemented strategic merge patch strategy for {kind_name(patch)} value"
        )
    if DIRECTIVE_KEY not in patch:
        return "merge"
    value = text_of(patch[DIRECTIVE_KEY])
    if value not in _DIRECTIVES:
        raise SmpError(f"unknown patch strategy '{value}'")
    del patch[DIRECTIVE_KEY]
    return value


def list_directive(patch: list[Any]) -> str:
    """The ``$patch`` of a list: a lone ``{$patch: x}`` element, which is then removed."""
    marker = next((e for e in patch if isinstance(e, dict) and DIRECTIVE_KEY in e), None)
    if marker is None or len(marker) > 1:
        return "merge"
    value = text_of(marker[DIRECTIVE_KEY])
    if value not in _DIRECTIVES:
        raise SmpError(f"unknown patch strategy '{value}'")
    lists.element_setter(patch, None, keys=[DIRECTIVE_KEY], values=[value])
    return value


def merge(
    base: Any,
    patch: Any,
    *,
    api_version: str | None = None,
    kind: str | None = None,
    schema: Schema | None = None,
) -> dict[str, Any] | None:
    """Strategic-merge ``patch`` into ``base``; see :mod:`tether.kustomize.smp`.

    ``base`` is merged in place and returned (pass a copy you own); ``patch`` is not touched.
    """
    walker = Walker(schema if schema is not None else Schema.builtin())
    root = walker.schema.for_type(api_version, kind) if api_version and kind else None
    result = walker.walk(base, clone(patch), node=root)
    if not isinstance(result, dict):
        return None
    # kustomize's Resource.ApplyFilter keeps its own node: when the merge hands back another
    # node (a top-level ``$patch: replace``), the resource is left as it was (and it was not
    # touched, since the replace path only writes into the patch's copy).
    return base if isinstance(base, dict) else result
