"""vars (deprecated but supported): replace ``$(NAME)`` with a field of another object.

Each var names an object (``objref``) and a field (``fieldref.fieldPath``, default
``metadata.name``), read after every transformer and the name fix-up. ``$(NAME)`` is then
replaced in the ``varReference`` field specs only (container command/args/env, ingress
hosts...). A string that is exactly ``$(NAME)`` takes the value with its type; ``$$`` is an
escaped ``$``; unknown ``$(X)`` stays as it is.

>>> expand("http://$(HOST):$(PORT)/", {"HOST": "web", "PORT": 80})
'http://web:80/'
>>> expand("$(PORT)", {"PORT": 80})
80
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tether import errors
from tether.kustomize import fieldspec
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.filters.paths import lookup
from tether.kustomize.resmap import ResMap
from tether.kustomize.resource import Gvk, ResId

_PRIMITIVE = (str, int, float, bool)


def _go_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def expand(text: str, values: dict[str, Any]) -> Any:
    """kustomize's DoReplacements on one string."""
    out: list[str] = []
    checkpoint = cursor = 0
    while cursor < len(text):
        if text[cursor] == "$" and cursor + 1 < len(text):
            out.append(text[checkpoint:cursor])
            nxt = text[cursor + 1]
            advance = 1
            if nxt == "$":
                out.append("$")
            elif nxt == "(":
                close = text.find(")", cursor + 2)
                if close < 0:
                    out.append("$(")
                else:
                    name = text[cursor + 2 : close]
                    advance = close - cursor
                    mapped = values.get(name) if name in values else f"$({name})"
                    if not isinstance(mapped, _PRIMITIVE):
                        mapped = f"$({name})"
                    if text == f"$({name})":
                        return mapped
                    out.append(_go_text(mapped))
            else:
                out.append("$" + nxt)
            cursor += advance
            checkpoint = cursor + 1
        cursor += 1
    return "".join(out) + text[checkpoint:]


_INDEX = re.compile(r"\[(\d+)\]")


def field_value(obj: dict[str, Any], path: str) -> Any:
    """A field by kustomize's dotted path (``spec.ports[0].port``)."""
    parts: list[str] = []
    for part in path.split("."):
        base, _, rest = part.partition("[")
        if base:
            parts.append(base)
        if rest:
            parts.extend(_INDEX.findall("[" + rest))
    return lookup(obj, parts)


@dataclass(frozen=True)
class Var:
    """One ``vars`` entry."""

    name: str
    objref: ResId
    field_path: str

    @staticmethod
    def parse(data: Any, *, source: str) -> Var:
        if not isinstance(data, dict) or not data.get("name"):
            raise errors.BuildError(f"{source}: a var needs a name")
        ref = data.get("objref") or {}
        if not isinstance(ref, dict):
            raise errors.BuildError(f"{source}: var objref must be a mapping")
        api_version = str(ref.get("apiVersion") or "")
        gvk = (
            Gvk.from_api_version(api_version, str(ref.get("kind") or ""))
            if api_version
            else Gvk(
                str(ref.get("group") or ""),
                str(ref.get("version") or ""),
                str(ref.get("kind") or ""),
            )
        )
        fieldref = data.get("fieldref") or {}
        return Var(
            name=str(data["name"]),
            objref=ResId(gvk, str(ref.get("name") or ""), str(ref.get("namespace") or "")),
            field_path=str(fieldref.get("fieldPath") or "metadata.name"),
        )


@dataclass(frozen=True)
class VarsFilter:
    """Resolve ``vars`` and substitute them in the ``varReference`` fields."""

    variables: tuple[Var, ...]
    field_specs: tuple[FieldSpec, ...]

    def values(self, rm: ResMap) -> dict[str, Any]:
        """Each var's value, read from the object that claimed it."""
        out: dict[str, Any] = {}
        for var in self.variables:
            holder = next((r for r in rm if var.name in r.ref_var_names), None)
            if holder is None:
                raise errors.BuildError(
                    f"var '{var.name}' cannot be mapped to a field in the set of known resources"
                )
            value = field_value(holder.obj, var.field_path)
            if value is None:
                raise errors.BuildError(
                    f"field specified in var '{var.name}' not found in corresponding resource"
                )
            out[var.name] = value
        return out

    def __call__(self, rm: ResMap) -> None:
        values = self.values(rm)
        if not values:
            return

        def setter(parent: Any, key: Any) -> None:
            _substitute(parent, key, values=values)

        for res in rm:
            for spec in self.field_specs:
                fieldspec.walk(res.obj, spec, setter, create=None)


def _substitute(parent: Any, key: Any, *, values: dict[str, Any]) -> None:
    node = parent[key]
    if isinstance(node, str):
        parent[key] = expand(node, values)
    elif isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str):
                node[k] = expand(v, values)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if not isinstance(item, str):
                raise errors.BuildError("invalid value type expect a string")
            node[i] = expand(item, values)
