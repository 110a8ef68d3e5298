"""Dotted field paths of replacements and vars: splitting, lookup, matching, creation.

Paths are dotted (``\\.`` escapes a dot) with ``[key=value]`` list filters (a regular
expression, as in kyaml's PathMatcher), ``*`` for every element and numeric indexes.
``lookup`` reads with exact matches (sources); ``matches`` finds, and with ``create`` makes,
the target fields, returning ``(parent, key)`` pairs so callers can assign in place.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from tether import errors

__all__ = ["CREATED", "lookup", "matches", "scalar_text", "split_path"]

CREATED = object()
"""Marks a scalar created by ``options.create`` (typed from its text, like an untagged node)."""


def _split_escaped(path: str) -> list[str]:
    """kyaml's PathSplitter: ``\\.`` escapes a dot; a leading dot is ignored."""
    pieces = path.split(".")
    if len(pieces) > 1 and pieces[0] == "":
        pieces = pieces[1:]
    out = [pieces[0]]
    for piece in pieces[1:]:
        if out[-1].endswith("\\"):
            out[-1] = out[-1][:-1] + "." + piece
        else:
            out.append(piece)
    return out


def split_path(path: str) -> list[str]:
    """Split on dots (``\\.`` escapes one), keeping ``[a.b=c]`` brackets whole."""
    raw = _split_escaped(path)
    out: list[str] = []
    i = 0
    while i < len(raw):
        elem = raw[i]
        if elem.startswith("[") and not elem.endswith("]"):
            parts = [elem]
            while i < len(raw) - 1:
                i += 1
                parts.append(raw[i])
                if raw[i].endswith("]"):
                    break
            joined = ".".join(parts)
            out.append(joined if "=" in joined else joined.strip("[]"))
        else:
            out.append(elem)
        i += 1
    return out


def _is_list_filter(part: str) -> bool:
    return part.startswith("[") and part.endswith("]")


def scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


@functools.lru_cache(maxsize=512)
def _regex(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise errors.BuildError(f"replacements: invalid regular expression {text!r}") from exc


def lookup(node: Any, parts: list[str]) -> Any:
    """The value at ``parts`` (exact ``[k=v]`` matches), or None."""
    for part in parts:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list):
            if _is_list_filter(part):
                key, _, want = part[1:-1].partition("=")
                node = next(
                    (e for e in node if isinstance(e, dict) and scalar_text(e.get(key)) == want),
                    None,
                )
            elif part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        else:
            return None
        if node is None:
            return None
    return node


def _new_container(next_part: str | None, leaf: Any) -> Any:
    if next_part is None:
        return {} if isinstance(leaf, dict) else [] if isinstance(leaf, list) else CREATED
    if _is_list_filter(next_part) or next_part.isdigit():
        return []
    return {}


def matches(node: Any, parts: list[str], *, create: bool, leaf: Any) -> list[tuple[Any, Any]]:
    """(parent, key) of every field ``parts`` reaches, creating missing ones if asked."""
    if not parts:
        return []
    head, rest = parts[0], parts[1:]
    nxt = rest[0] if rest else None
    found: list[tuple[Any, Any]] = []
    if isinstance(node, list):
        if head == "*":
            for i, elem in enumerate(node):
                found += [(node, i)] if not rest else matches(elem, rest, create=create, leaf=leaf)
            return found
        if head.isdigit():
            idx = int(head)
            if idx == len(node) and create:
                node.append(_new_container(nxt, leaf))
            if idx >= len(node):
                raise errors.BuildError(
                    f"index {idx} specified but only {len(node)} elements found"
                )
            return [(node, idx)] if not rest else matches(node[idx], rest, create=create, leaf=leaf)
        if _is_list_filter(head):
            return _match_list(node, head, rest=rest, create=create, leaf=leaf)
        return []
    if not isinstance(node, dict):
        return []
    if head not in node or node[head] is None:
        if not create:
            return []
        node[head] = _new_container(nxt, leaf)
    if not rest:
        return [(node, head)]
    return matches(node[head], rest, create=create, leaf=leaf)


def _match_list(
    node: list[Any], head: str, *, rest: list[str], create: bool, leaf: Any
) -> list[tuple[Any, Any]]:
    key, _, pattern = head[1:-1].partition("=")
    regex = _regex(pattern)
    found: list[tuple[Any, Any]] = []
    hits = 0
    for i, elem in enumerate(node):
        if key:
            if not isinstance(elem, dict) or key not in elem or elem[key] is None:
                continue
            text = scalar_text(elem[key]).strip()
        else:
            text = scalar_text(elem).strip()
        if not regex.search(text):
            continue
        hits += 1
        found += [(node, i)] if not rest else matches(elem, rest, create=create, leaf=leaf)
    if hits == 0 and create:
        node.append({key: pattern} if key else pattern)
        return (
            _match_list(node, head, rest=rest, create=False, leaf=leaf)
            if not rest
            else matches(node[-1], rest, create=create, leaf=leaf)
        )
    return found
