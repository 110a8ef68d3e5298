"""Replacements into structured text: a JSON or YAML document held in a string field.

kustomize v5.8 lets a replacement path continue *into* a string that holds JSON or YAML
(``data.config\\.json.db.host``): the first string met along the path is parsed, the rest of
the path is applied inside it, and the document is written back - JSON as Go's
``encoding/json`` writes it (sorted keys, HTML-escaped; indented by two spaces when the original
was multi-line and indented), YAML keeping the original key order and quoting.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from yaml import nodes

from tether import errors
from tether.kustomize import yamlio
from tether.kustomize.filters.paths import lookup, matches, scalar_text

__all__ = ["replace_in_text"]


def _lookup(obj: Any, parts: list[str]) -> tuple[Any, Any] | None:
    """(parent, key) of ``parts`` in plain data, exact matches only."""
    parent = lookup(obj, parts[:-1]) if len(parts) > 1 else obj
    last = parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent, last
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent, int(last)
    return None


def replace_in_text(obj: Any, parts: list[str], *, value: Any, create: bool) -> bool:
    """Apply the replacement inside the first string on ``parts``; False if not applicable."""
    if len(parts) < 2 or isinstance(value, dict | list):
        return False
    for i in range(1, len(parts)):
        found = _lookup(obj, parts[:i])
        if found is None:
            continue
        parent, key = found
        text = parent[key]
        if isinstance(text, dict | list) or text is None:
            continue
        if not isinstance(text, str) or not text.strip():
            return False
        new_text = _replace(text, parts[i:], value=value, create=create)
        if new_text is None:
            return False
        parent[key] = new_text
        return True
    return False


def _replace(text: str, rest: list[str], *, value: Any, create: bool) -> str | None:
    if text.strip()[0] in "{[":
        return _replace_json(text, rest, value=value, create=create)
    return _replace_yaml(text, rest, value=value)


def _replace_json(text: str, rest: list[str], *, value: Any, create: bool) -> str | None:
    try:
        data = yamlio.load_one(text, source="structured data")
    except errors.BuildError:
        return None
    if not isinstance(data, dict | list):
        return None
    hits = matches(data, rest, create=create, leaf=value)
    if not hits:
        return None
    for parent, key in hits:
        old = parent[key]
        parent[key] = scalar_text(value) if isinstance(old, str) else value
    indent = 2 if ("\n" in text and "  " in text) else None
    separators = (",", ": ") if indent else (",", ":")
    out = json.dumps(
        _go_numbers(data), sort_keys=True, indent=indent, separators=separators, ensure_ascii=False
    )
    return out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _go_numbers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _go_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go_numbers(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def _replace_yaml(text: str, rest: list[str], *, value: Any) -> str | None:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    targets = _yaml_nodes(root, rest)
    if not targets:
        return None
    for node in targets:
        node.value = scalar_text(value)
    out = yaml.serialize(root, Dumper=yaml.SafeDumper, allow_unicode=True, width=2**31, indent=2)
    return out.strip()


def _yaml_nodes(node: Any, parts: list[str]) -> list[nodes.ScalarNode]:
    if not parts:
        return [node] if isinstance(node, nodes.ScalarNode) else []
    head, rest = parts[0], parts[1:]
    if isinstance(node, nodes.MappingNode):
        for key, child in node.value:
            if isinstance(key, nodes.ScalarNode) and key.value == head:
                return _yaml_nodes(child, rest)
        return []
    if isinstance(node, nodes.SequenceNode):
        if head.isdigit() and int(head) < len(node.value):
            return _yaml_nodes(node.value[int(head)], rest)
        if head.startswith("[") and head.endswith("]") and "=" in head:
            field, _, want = head[1:-1].partition("=")
            out: list[nodes.ScalarNode] = []
            for item in node.value:
                if isinstance(item, nodes.MappingNode) and any(
                    isinstance(k, nodes.ScalarNode) and k.value == field and v.value == want
                    for k, v in item.value
                ):
                    out += _yaml_nodes(item, rest)
            return out
    return []
