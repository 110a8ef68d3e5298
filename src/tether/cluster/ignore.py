"""Drift-ignore rules (``spec.ignore``): fields whose in-cluster value we do not fight over.

Design: a rule is a list of JSON pointers plus an optional target selector (kustomize's:
group, version, kind, and regular expressions for name and namespace, label and annotation
selectors). Before an object is dry-run and applied, every matching path is made to agree
with the cluster: when the live object has a value there, the desired object adopts it;
when it has none, the path is dropped from the desired object. So an ignored field never
counts as drift and is never overwritten — whoever else manages it (an autoscaler, an
operator, a hand edit) keeps it. Pure functions; ``ssa`` calls ``apply_rules``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tether.cluster.changeset import ObjectRef

__all__ = ["IgnoreRule", "apply_rules", "matches_selector", "parse_pointer"]

_MISSING = object()


@dataclass(frozen=True)
class IgnoreRule:
    """JSON pointers to ignore on the objects a selector matches (None: every object)."""

    paths: tuple[str, ...]
    group: str | None = None
    version: str | None = None
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    label_selector: str | None = None
    annotation_selector: str | None = None


def parse_pointer(pointer: str) -> list[str]:
    """RFC 6901 pointer → tokens (``~1`` is ``/``, ``~0`` is ``~``)."""
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]


def _get(doc: Any, tokens: Sequence[str]) -> Any:
    for token in tokens:
        if isinstance(doc, Mapping) and token in doc:
            doc = doc[token]
        elif isinstance(doc, list) and token.isdigit() and int(token) < len(doc):
            doc = doc[int(token)]
        else:
            return _MISSING
    return doc


def _set(doc: Any, tokens: Sequence[str], value: Any) -> None:
    parent = _get(doc, tokens[:-1])
    if isinstance(parent, dict):
        parent[tokens[-1]] = value
    elif isinstance(parent, list) and tokens[-1].isdigit() and int(tokens[-1]) < len(parent):
        parent[int(tokens[-1])] = value


def _remove(doc: Any, tokens: Sequence[str]) -> None:
    parent = _get(doc, tokens[:-1])
    if isinstance(parent, dict):
        parent.pop(tokens[-1], None)
    elif isinstance(parent, list) and tokens[-1].isdigit() and int(tokens[-1]) < len(parent):
        del parent[int(tokens[-1])]


def _label_selector_matches(selector: str, labels: Mapping[str, str]) -> bool:
    """Equality-based selectors: ``k=v``, ``k==v``, ``k!=v``, ``k``, ``!k`` (comma = and)."""
    for term in (t.strip() for t in selector.split(",") if t.strip()):
        if "!=" in term:
            key, value = (p.strip() for p in term.split("!=", 1))
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = (p.strip() for p in term.replace("==", "=").split("=", 1))
            if labels.get(key) != value:
                return False
        elif term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


def _regex(pattern: str | None, value: str) -> bool:
    return pattern is None or re.fullmatch(pattern, value) is not None


def matches_selector(rule: IgnoreRule, obj: Mapping[str, Any]) -> bool:
    """Whether ``obj`` is a target of ``rule`` (kustomize selector semantics)."""
    ref = ObjectRef.from_object(obj)
    meta = obj.get("metadata") or {}
    exact = ((rule.group, ref.group), (rule.version, ref.version), (rule.kind, ref.kind))
    if any(want is not None and want != have for want, have in exact):
        return False
    if not (_regex(rule.name, ref.name) and _regex(rule.namespace, ref.namespace)):
        return False
    if rule.label_selector and not _label_selector_matches(
            rule.label_selector, meta.get("labels") or {}):
        return False
    return not (rule.annotation_selector and not _label_selector_matches(
        rule.annotation_selector, meta.get("annotations") or {}))


def apply_rules(desired: Mapping[str, Any], live: Mapping[str, Any] | None,
                rules: Sequence[IgnoreRule]) -> dict[str, Any]:
    """A copy of ``desired`` whose ignored paths agree with ``live`` (adopted or dropped)."""
    selected = [r for r in rules if matches_selector(r, desired)]
    if not selected:
        return dict(desired)
    out = copy.deepcopy(dict(desired))
    for rule in selected:
        for pointer in rule.paths:
            tokens = parse_pointer(pointer)
            if not tokens or tokens[0] in ("apiVersion", "kind") or tokens[:2] == [
                    "metadata", "name"] or tokens[:2] == ["metadata", "namespace"]:
                continue  # identity is never ignored
            value = _get(live, tokens) if live is not None else _MISSING
            if value is _MISSING:
                _remove(out, tokens)
            else:
                _set(out, tokens, copy.deepcopy(value))
    return out
