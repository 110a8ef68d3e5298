"""CustomResourceDefinition manifests generated from the typed models.

Design: a CRD's OpenAPI v3 schema is *derived* from the same dataclasses that parse the
objects (``tether.api.serde`` walks the type hints), so the schema a cluster enforces and
the model the reconcilers read cannot drift. Descriptions come from the attribute
docstrings; patterns, enums, bounds and defaults from ``serde.field`` hints.

How to register a kind (e.g. the Kustomization model)::

    from tether.api import crd

    CRD = crd.CRDSpec(
        group="kustomize.toolkit.fluxcd.io", kind="Kustomization",
        plural="kustomizations", short_names=("ks",), version="v1",
        spec=KustomizationSpec, status=KustomizationStatus,
        printer_columns=(*crd.READY_COLUMNS,),
    )
    manifest = crd.manifest(CRD)   # a plain dict, ready for server-side apply

Supported field types are those of ``tether.api.serde`` (``str``/``int``/``float``/``bool``,
``Literal``, ``X | None``, ``list``, ``dict[str, X]``, nested dataclasses, ``serde.Scalar``
subclasses such as ``meta.Duration``, and ``Any`` → ``x-kubernetes-preserve-unknown-fields``).
A field without a default is ``required``.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any, Final, Literal

from tether.api import serde

__all__ = ["READY_COLUMNS", "CRDSpec", "PrinterColumn", "manifest", "schema_for"]


@dataclass(frozen=True)
class PrinterColumn:
    """One ``kubectl get`` column (``additionalPrinterColumns``)."""

    name: str
    type: str
    json_path: str
    description: str | None = None
    priority: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The CRD form of the column."""
        out: dict[str, Any] = {"name": self.name, "type": self.type, "jsonPath": self.json_path}
        if self.description:
            out["description"] = self.description
        if self.priority is not None:
            out["priority"] = self.priority
        return out


READY_COLUMNS: Final = (
    PrinterColumn(name="Age", type="date", json_path=".metadata.creationTimestamp"),
    PrinterColumn(name="Ready", type="string",
                  json_path='.status.conditions[?(@.type=="Ready")].status'),
    PrinterColumn(name="Status", type="string",
                  json_path='.status.conditions[?(@.type=="Ready")].message'),
)
"""Flux's standard columns: Age, Ready and Status (the Ready message)."""


@dataclass(frozen=True)
class CRDSpec:
    """Everything needed to generate one kind's CRD (one served, stored version)."""

    group: str
    kind: str
    plural: str
    version: str
    spec: type
    status: type
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    singular: str | None = None
    namespaced: bool = True
    printer_columns: tuple[PrinterColumn, ...] = READY_COLUMNS

    @property
    def name(self) -> str:
        """``<plural>.<group>``, the CRD's object name."""
        return f"{self.plural}.{self.group}"

    @property
    def api_version(self) -> str:
        """``<group>/<version>``."""
        return f"{self.group}/{self.version}"


def _type_schema(hint: Any) -> dict[str, Any]:
    hint, _ = serde.unwrap_optional(hint)
    origin = typing.get_origin(hint)
    if hint is Any:
        return {"x-kubernetes-preserve-unknown-fields": True}
    if origin is Literal:
        values = list(typing.get_args(hint))
        kind = "boolean" if all(isinstance(v, bool) for v in values) else "string"
        return {"type": kind, "enum": values}
    if origin is list:
        (item,) = typing.get_args(hint)
        return {"type": "array", "items": _type_schema(item)}
    if origin is dict:
        _, item = typing.get_args(hint)
        return {"type": "object", "additionalProperties": _type_schema(item)}
    if isinstance(hint, type) and issubclass(hint, serde.Scalar):
        return dict(hint.json_schema())
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return schema_for(hint)
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if hint in simple:
        out: dict[str, Any] = {"type": simple[hint]}
        if hint is int:
            out["format"] = "int64"
        return out
    raise TypeError(f"no OpenAPI schema for model type {hint!r}")


def _apply_hints(schema: dict[str, Any], info: serde.FieldInfo) -> None:
    pairs = (("pattern", info.pattern), ("minimum", info.minimum),
             ("maximum", info.maximum), ("minLength", info.min_length),
             ("maxLength", info.max_length), ("format", info.format),
             ("default", info.schema_default))
    for key, value in pairs:
        if value is not None:
            schema[key] = value
    if info.enum is not None:
        schema["enum"] = list(info.enum)
    if info.preserve_unknown:
        schema["x-kubernetes-preserve-unknown-fields"] = True


def schema_for(cls: type) -> dict[str, Any]:
    """The OpenAPI v3 (structural) schema of a model dataclass."""
    docs = serde.attribute_docs(cls)
    types_ = serde.hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        key = serde.json_name(f)
        schema = _type_schema(types_[f.name])
        _apply_hints(schema, serde.field_info(f))
        if f.name in docs:
            schema["description"] = docs[f.name]
        properties[key] = schema
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(key)
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if cls.__doc__:
        out["description"] = " ".join(cls.__doc__.split())
    if required:
        out["required"] = required
    return out


def manifest(spec: CRDSpec) -> dict[str, Any]:
    """The ``apiextensions.k8s.io/v1`` CustomResourceDefinition for ``spec``."""
    names: dict[str, Any] = {
        "kind": spec.kind,
        "listKind": f"{spec.kind}List",
        "plural": spec.plural,
        "singular": spec.singular or spec.kind.lower(),
    }
    if spec.short_names:
        names["shortNames"] = list(spec.short_names)
    if spec.categories:
        names["categories"] = list(spec.categories)
    root = {
        "type": "object",
        "description": f"{spec.kind} is the Schema for the {spec.plural} API.",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": schema_for(spec.spec),
            "status": schema_for(spec.status),
        },
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": spec.name,
                     "labels": {"app.kubernetes.io/part-of": "tether"}},
        "spec": {
            "group": spec.group,
            "names": names,
            "scope": "Namespaced" if spec.namespaced else "Cluster",
            "versions": [{
                "name": spec.version,
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": root},
                "subresources": {"status": {}},
                "additionalPrinterColumns": [c.to_dict() for c in spec.printer_columns],
            }],
        },
    }
