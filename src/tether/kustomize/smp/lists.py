"""Associative lists: merging list elements by key, as kyaml's walker does.

Job: the list half of the strategic merge (kyaml ``walk/associative_sequence.go`` with the
"prepend" direction kustomize uses): patch elements first in patch order, then the
remaining resource elements; elements matched by their merge keys are merged recursively;
``$patch: delete`` elements are removed; lists of scalars with a merge strategy (e.g.
``finalizers``) are unioned.

Design decision: kyaml's algorithm is a sequence of linear scans (``ElementSetter``,
``ElementMatcher``) and is quadratic; it also has sharp edges (an element without its merge
key wipes the elements collected so far, a Service port without ``protocol`` is dropped) that
real kustomize output shows and that we must reproduce. So there are two paths with the same
result:

* :func:`_merge_indexed` - when every element of both lists is a non-empty map carrying all
  merge keys as non-empty scalars (or, for scalar lists, every element is a non-null
  scalar). Then every match is an exact key-tuple match, and dict indexes make it linear.
* :func:`_merge_literal` - everything else, a step-by-step rendering of kyaml's scans
  (quadratic, but only ever hit by malformed or tiny lists).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tether.kustomize.smp.common import (
    MISSING,
    SmpError,
    is_empty_map,
    is_null,
    raw_text,
    text_of,
)
from tether.kustomize.smp.schema import Node, merge_keys_of

if TYPE_CHECKING:
    from tether.kustomize.smp.merge import Walker

_GONE = object()
"""Tombstone for an element removed from the indexed result list."""


def merge_associative(walker: Walker, dest: list[Any], origin: Any, *, node: Node) -> Any:
    """Merge the patch list ``origin`` into ``dest`` (already chosen by VisitList)."""
    patch = origin if isinstance(origin, list) else None
    keys = merge_keys_of(node)
    values = _element_values(dest, patch, keys=keys) if keys else []
    if not values and not keys:
        keys = [""]
        values = _primitive_values(dest, patch)
    if not values:
        return dest
    element_node = walker.schema.elements(node)
    if _indexable(dest, patch, keys=keys):
        return _merge_indexed(walker, dest, patch=patch, keys=keys, node=element_node)
    return _merge_literal(walker, values, keys=keys, dest=dest, patch=patch, node=element_node)


def _key_text(element: Any, key: str) -> str:
    """kyaml ``ElementValuesList`` for one element and key ("" when absent or empty)."""
    if not isinstance(element, dict):
        return ""
    value = element.get(key)
    if value is None or isinstance(value, dict | list):
        return ""
    return text_of(value)


def _element_values(
    dest: list[Any], patch: list[Any] | None, *, keys: list[str]
) -> list[list[str]]:
    """Distinct key tuples, patch elements first (prepend order)."""
    seen: set[tuple[str, ...]] = set()
    out: list[list[str]] = []
    for source in (patch, dest):
        if source is None:
            continue
        for element in source:
            values = tuple(_key_text(element, k) for k in keys)
            if values not in seen:
                seen.add(values)
                out.append(list(values))
    return out


def _primitive_values(dest: list[Any], patch: list[Any] | None) -> list[list[str]]:
    seen: set[str] = set()
    out: list[list[str]] = []
    for source in (patch, dest):
        if source is None:
            continue
        for element in source:
            value = raw_text(element)
            if value not in seen:
                seen.add(value)
                out.append([value])
    return out


# ---------------------------------------------------------------------- indexed path


def _indexable(dest: list[Any], patch: list[Any] | None, *, keys: list[str]) -> bool:
    primitive = keys == [""]
    for source in (dest, patch or ()):
        for element in source:
            if primitive:
                if element is None or isinstance(element, dict | list):
                    return False
                continue
            if not isinstance(element, dict):
                return False
            for key in keys:
                value = element.get(key)
                if value is None or isinstance(value, dict | list) or text_of(value) == "":
                    return False
    return True


def _merge_indexed(
    walker: Walker,
    dest: list[Any],
    *,
    patch: list[Any] | None,
    keys: list[str],
    node: Node | None,
) -> list[Any]:
    primitive = keys == [""]

    def key_of(element: Any) -> tuple[str, ...]:
        if primitive:
            return (text_of(element),)
        return tuple(text_of(element[k]) for k in keys)

    first_dest: dict[tuple[str, ...], Any] = {}
    for element in dest:
        first_dest.setdefault(key_of(element), element)
    order: dict[tuple[str, ...], Any] = {}
    for element in patch or ():
        order.setdefault(key_of(element), element)
    first_patch = dict(order)
    for key in first_dest:
        order.setdefault(key, MISSING)

    items: list[Any] = []
    where: dict[tuple[str, ...], int] = {}
    deleted: set[tuple[str, ...]] = set()
    for key in order:
        value = walker.walk(first_dest.get(key, MISSING), first_patch.get(key, MISSING), node=node)
        if is_empty_map(value):
            deleted.add(key)
            continue
        if not primitive and isinstance(value, dict):
            for name, text in zip(keys, key, strict=True):
                value.setdefault(name, text)
        _put(items, where, key=key, value=value)

    several = len(keys) > 1
    for element in dest:
        key = key_of(element)
        if key in deleted:
            continue
        if several:
            # kyaml removes the match first, so the element moves to the end
            position = where.pop(key, None)
            if position is not None:
                items[position] = _GONE
        _put(items, where, key=key, value=element)
    return [e for e in items if e is not _GONE]


def _put(
    items: list[Any], where: dict[tuple[str, ...], int], *, key: tuple[str, ...], value: Any
) -> None:
    position = where.get(key)
    if position is None:
        where[key] = len(items)
        items.append(value)
    else:
        items[position] = value


# ---------------------------------------------------------------------- literal path


def _merge_literal(
    walker: Walker,
    values_list: list[list[str]],
    *,
    keys: list[str],
    dest: list[Any],
    patch: list[Any] | None,
    node: Node | None,
) -> Any:
    """kyaml ``setAssociativeSequenceElements``, scan by scan."""
    items: list[Any] = []
    if len(keys) > 1:
        values_list = _merge_values(values_list)
    present = {keys[i] for values in values_list for i, v in enumerate(values) if v != ""}
    valid_keys: list[str] = []
    for values in values_list:
        valid_keys, valid_values = _validate(present, values, keys=keys)
        own = {k for k, v in zip(valid_keys, valid_values, strict=True) if v != ""}
        match_keys, match_values = _validate(own, valid_values, keys=valid_keys)
        found_dest = element_list(dest, keys=match_keys, values=match_values)
        found_patch = (
            element_list(patch, keys=match_keys, values=match_values)
            if patch is not None
            else MISSING
        )
        value = walker.walk(found_dest, found_patch, node=node)
        if is_empty_map(value):
            element_setter(dest, None, keys=valid_keys, values=valid_values)
            continue
        for name, text in zip(valid_keys, valid_values, strict=True):
            _ensure_key(value, name, text=text)
        element_setter(items, value, keys=valid_keys, values=valid_values)
    if not valid_keys:
        return dest
    return _append_list(items, dest, keys=valid_keys)


def _ensure_key(value: Any, name: str, *, text: str) -> None:
    """Put back a merge key the merged element lost (kyaml sets it as a string)."""
    if isinstance(value, dict):
        if name not in value and text != "":
            value[name] = text
        return
    if name and text != "":
        raise SmpError(f"strategic merge: list element is not a map; cannot set key '{name}'")


def _validate(
    present: set[str], values: list[str], *, keys: list[str]
) -> tuple[list[str], list[str]]:
    """kyaml ``validateKeys``: keep the keys some element has a value for."""
    if not present:
        return keys, values
    valid_keys = [k for k in keys if k in present]
    valid_values = [v for k, v in zip(keys, values, strict=False) if v != "" or k in present]
    return valid_keys, valid_values


def _merge_values(values_list: list[list[str]]) -> list[list[str]]:
    """kyaml ``mergeValues``: tuples that differ only by empty entries are unified."""
    if not any("" in values for values in values_list):
        return values_list  # without empty entries only identical tuples match
    result = [list(v) for v in values_list]
    for i in range(len(result)):
        first = result[i]  # Go's range variable: fixed for the inner loop, unlike result[j]
        for j in range(len(result)):
            merged = _match(first, result[j])
            if merged is not None:
                result[i] = merged
                result[j] = merged
    return result


def _match(first: list[str], second: list[str]) -> list[str] | None:
    if len(first) != len(second):
        return None
    common = False
    out: list[str] = []
    for a, b in zip(first, second, strict=True):
        if a == b:
            common = True
            out.append(a)
        elif a and b:
            return None
        else:
            out.append(a or b)
    return out if common else None


def _append_list(dst: list[Any], src: list[Any], *, keys: list[str]) -> list[Any]:
    """kyaml ``appendListNode``: add each resource element to the patch-first list."""
    for element in list(src):
        if keys[0] == "":
            element_setter(dst, element, keys=[""], values=[raw_text(element)])
            continue
        values: list[str] = []
        for key in keys:
            if not isinstance(element, dict):
                if is_null(element):
                    dst.append(element)
                    continue
                raise SmpError(f"strategic merge: list element is not a map (key '{key}')")
            if key not in element:
                dst.append(element)
                continue
            values.append(raw_text(element[key]))
        if len(keys) > 1:
            element_setter(dst, None, keys=keys, values=values)
        element_setter(dst, element, keys=keys, values=values)
    return dst


def element_list(source: list[Any], *, keys: list[str], values: list[str]) -> Any:
    """kyaml ``ElementList``: the first element whose keys have exactly these values."""
    if not keys or keys[0] == "":
        wanted = values[0] if values else ""
        return next((e for e in source if raw_text(e) == wanted), MISSING)
    if len(keys) != len(values):
        raise SmpError("strategic merge: merge keys and values differ in length")
    for element in source:
        if not isinstance(element, dict):
            continue
        if all(
            k in element and raw_text(element[k]) == v for k, v in zip(keys, values, strict=True)
        ):
            return element
    return MISSING


def _field_matches(element: Any, key: str, *, value: str) -> bool:
    """kyaml ``FieldMatcher{Name: key, StringValue: value}`` on a list element."""
    if key == "":
        if element is None:
            return False
        if isinstance(element, dict | list):
            raise SmpError("strategic merge: expected a scalar list element")
        return text_of(element) == value
    if not isinstance(element, dict):
        raise SmpError(f"strategic merge: list element is not a map (key '{key}')")
    if key not in element:
        return False
    return value == "" or raw_text(element[key]) == value


def element_setter(target: list[Any], element: Any, *, keys: list[str], values: list[str]) -> None:
    """kyaml ``ElementSetter``: replace (or delete, when ``element`` is None) every element
    matching the keys, append when none matched; empty and null elements are dropped."""
    if not keys:
        keys = [""]
    mapping_setter = keys[0] != "" and bool(values) and values[0] != ""
    kept: list[Any] = []
    matched = False
    for current in target:
        if is_empty_map(current):
            continue
        if mapping_setter and not isinstance(current, dict):
            kept.append(current)
            continue
        found = bool(values)
        last = False
        for j, key in enumerate(keys):
            if j < len(values):
                last = _field_matches(current, key, value=values[j])
            if not last:
                found = False
                break
        if not found:
            if values:
                kept.append(current)
            continue
        matched = True
        if element is not None:
            kept.append(element)
    target[:] = kept
    if element is None or is_null(element):
        return
    if not matched:
        target.append(element)
