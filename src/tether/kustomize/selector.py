"""Patch/replacement targets: kustomize's ``Selector`` and Kubernetes label selectors.

A selector has gvk fields, ``name`` and ``namespace`` (regular expressions anchored at both
ends; name and namespace match the original *or* the current value) and ``labelSelector`` /
``annotationSelector`` strings in Kubernetes syntax (``a=b,c!=d,e in (x,y),!f``).

>>> matches_labels("app=web,tier in (front,back),!legacy", {"app": "web", "tier": "front"})
True
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from tether import errors
from tether.kustomize.resource import Gvk, ResId, Resource

__all__ = ["Selector", "matches_labels"]

_FIELDS = {"group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"}
_SET_EXPR = re.compile(
    r"^\s*(!?)\s*([^\s!=,()]+)\s*(?:(==|=|!=|\s+in\s+|\s+notin\s+)\s*(.*?))?\s*$"
)


@functools.lru_cache(maxsize=1024)
def _regex(text: str) -> re.Pattern[str]:
    try:
        return re.compile(f"^(?:{text})$")
    except re.error as exc:
        raise errors.BuildError(f"invalid regular expression {text!r} in selector: {exc}") from exc


def _split_terms(selector: str) -> list[str]:
    terms: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append("".join(current))
            current = []
        else:
            current.append(ch)
    terms.append("".join(current))
    return [t for t in terms if t.strip()]


@functools.lru_cache(maxsize=1024)
def _parse(selector: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    parsed: list[tuple[str, str, tuple[str, ...]]] = []
    for term in _split_terms(selector):
        match = _SET_EXPR.match(term)
        if not match:
            raise errors.BuildError(
                f"unable to parse requirement {term!r} of selector {selector!r}"
            )
        bang, key, op, value = match.groups()
        if bang:
            parsed.append(("!", key, ()))
        elif op is None:
            parsed.append(("exists", key, ()))
        else:
            op = op.strip()
            if op in ("in", "notin"):
                inner = (value or "").strip()
                if not (inner.startswith("(") and inner.endswith(")")):
                    raise errors.BuildError(f"invalid set in selector {selector!r}")
                values = tuple(v.strip() for v in inner[1:-1].split(",") if v.strip())
                parsed.append((op, key, values))
            else:
                parsed.append(("!=" if op == "!=" else "=", key, ((value or "").strip(),)))
    return tuple(parsed)


def matches_labels(selector: str, labels: dict[str, Any]) -> bool:
    """Whether ``labels`` satisfy a Kubernetes label-selector string."""
    for op, key, values in _parse(selector):
        present = key in labels
        value = str(labels.get(key)) if present else None
        if op == "exists" and not present:
            return False
        if op == "!" and present:
            return False
        if op == "=" and value != values[0]:
            return False
        if op == "!=" and present and value == values[0]:
            return False
        if op == "in" and value not in values:
            return False
        if op == "notin" and present and value in values:
            return False
    return True


@dataclass(frozen=True)
class Selector:
    """A patch or replacement target."""

    group: str = ""
    version: str = ""
    kind: str = ""
    name: str = ""
    namespace: str = ""
    label_selector: str = ""
    annotation_selector: str = ""

    @staticmethod
    def parse(data: Any, *, source: str) -> Selector:
        if not isinstance(data, dict):
            raise errors.BuildError(f"{source}: a target must be a mapping")
        unknown = set(data) - _FIELDS
        if unknown:
            raise errors.BuildError(f"{source}: unknown target field(s) {sorted(unknown)}")
        return Selector(
            group=str(data.get("group") or ""),
            version=str(data.get("version") or ""),
            kind=str(data.get("kind") or ""),
            name=str(data.get("name") or ""),
            namespace=str(data.get("namespace") or ""),
            label_selector=str(data.get("labelSelector") or ""),
            annotation_selector=str(data.get("annotationSelector") or ""),
        )

    def _match(self, pattern: str, value: str) -> bool:
        return not pattern or bool(_regex(pattern).match(value))

    def matches(self, res: Resource) -> bool:
        """kustomize's ResMap.Select test for one resource."""
        cur, org = res.cur_id, res.org_id()
        if self.namespace and not (
            self._match(self.namespace, org.effective_namespace)
            or self._match(self.namespace, cur.effective_namespace)
        ):
            return False
        if self.name and not (self._match(self.name, org.name) or self._match(self.name, cur.name)):
            return False
        gvk: Gvk = res.gvk
        if not (
            self._match(self.group, gvk.group)
            and self._match(self.version, gvk.version)
            and self._match(self.kind, gvk.kind)
        ):
            return False
        if self.label_selector and not matches_labels(self.label_selector, res.labels()):
            return False
        return not self.annotation_selector or matches_labels(
            self.annotation_selector, res.annotations()
        )

    def matches_id(self, rid: ResId) -> bool:
        """Regex match of gvk, name and *raw* namespace (replacement targets)."""
        return (
            self._match(self.group, rid.gvk.group)
            and self._match(self.version, rid.gvk.version)
            and self._match(self.kind, rid.gvk.kind)
            and self._match(self.name, rid.name)
            and self._match(self.namespace, rid.namespace)
        )

    @property
    def has_id(self) -> bool:
        return bool(self.group or self.version or self.kind or self.name or self.namespace)

    def matches_meta(self, res: Resource) -> bool:
        """Only the label and annotation selectors."""
        if self.label_selector and not matches_labels(self.label_selector, res.labels()):
            return False
        return not self.annotation_selector or matches_labels(
            self.annotation_selector, res.annotations()
        )

    def select(self, resources: list[Resource]) -> list[Resource]:
        return [r for r in resources if self.matches(r)]
