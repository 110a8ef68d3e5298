"""``crds:``: field specs derived from OpenAPI definitions of custom types.

A ``crds`` file is a map of OpenAPI definitions (not CRD manifests). For each definition that
looks like a Kubernetes type (has ``kind``, ``apiVersion`` and ``metadata`` properties), its
properties are walked (following ``$ref``): ``x-kubernetes-annotation`` adds a
commonAnnotations spec, ``x-kubernetes-label-selector`` a commonLabels spec,
``x-kubernetes-identity`` a namePrefix spec, and ``x-kubernetes-object-ref-api-version`` +
``-kind`` (+ ``-name-key``) a name reference.
"""

from __future__ import annotations

import json
from typing import Any

from tether import errors
from tether.kustomize import yamlio
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.loader import Loader
from tether.kustomize.resource import Gvk
from tether.kustomize.tconfig import NameBackRef, TransformerConfig, merge_fs

__all__ = ["config_from_crds"]


def _load(content: bytes, *, source: str) -> dict[str, Any]:
    text = content.decode("utf-8", errors="replace")
    try:
        data = (
            json.loads(text)
            if text.lstrip().startswith("{")
            else yamlio.load_one(text, source=source)
        )
    except json.JSONDecodeError as exc:
        raise errors.BuildError(
            f"unable to parse open API definition from '{source}': {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise errors.BuildError(f"unable to parse open API definition from '{source}'")
    return data


def _props(api: Any) -> dict[str, Any]:
    """An OpenAPI definition's properties (under ``Schema``, as kube-openapi writes them)."""
    if not isinstance(api, dict):
        return {}
    schema = api.get("Schema", api)
    props = schema.get("properties") if isinstance(schema, dict) else None
    return props if isinstance(props, dict) else {}


class _Walker:
    def __init__(self, definitions: dict[str, Any]) -> None:
        self.defs = definitions
        self.annotations: list[FieldSpec] = []
        self.labels: list[FieldSpec] = []
        self.prefix: list[FieldSpec] = []
        self.namerefs: list[NameBackRef] = []

    def walk(self, gvk: Gvk, *, type_name: str, path: list[str], depth: int = 0) -> None:
        if depth > 50 or type_name not in self.defs:
            return
        for prop, spec in _props(self.defs[type_name]).items():
            if not isinstance(spec, dict):
                continue
            here = [*path, prop]

            def fs(parts: list[str]) -> FieldSpec:
                return FieldSpec(kind=gvk.kind, path="/".join(parts))

            if "x-kubernetes-annotation" in spec:
                self.annotations.append(fs(here))
            if "x-kubernetes-label-selector" in spec:
                self.labels.append(fs(here))
            if "x-kubernetes-identity" in spec:
                self.prefix.append(fs(here))
            version = spec.get("x-kubernetes-object-ref-api-version")
            kind = spec.get("x-kubernetes-object-ref-kind")
            if isinstance(version, str) and isinstance(kind, str):
                key = spec.get("x-kubernetes-object-ref-name-key") or "name"
                self.namerefs.append(
                    NameBackRef(Gvk(version=version, kind=kind), (fs([*here, str(key)]),))
                )
            ref = spec.get("$ref")
            if isinstance(ref, str) and ref:
                self.walk(gvk, type_name=ref, path=here, depth=depth + 1)


def config_from_crds(loader: Loader, paths: list[str]) -> TransformerConfig:
    """The transformer config the ``crds`` files describe."""
    config = TransformerConfig()
    for path in paths:
        definitions = _load(loader.load(path), source=path)
        walker = _Walker(definitions)
        for name, api in definitions.items():
            props = _props(api)
            if not {"kind", "apiVersion", "metadata"} <= set(props):
                continue
            walker.walk(Gvk(kind=name.split(".")[-1]), type_name=name, path=[])
        part = TransformerConfig(
            common_annotations=merge_fs((), tuple(walker.annotations)),
            common_labels=merge_fs((), tuple(walker.labels)),
            name_prefix=merge_fs((), tuple(walker.prefix)),
            name_reference=(),
        ).merge(TransformerConfig(name_reference=tuple(walker.namerefs)))
        config = config.merge(part)
    return config
