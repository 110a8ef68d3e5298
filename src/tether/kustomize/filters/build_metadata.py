"""buildMetadata: origin and transformer annotations, and the final clean-up of annotations.

With ``buildMetadata: [originAnnotations]`` every object says where it came from
(``config.kubernetes.io/origin``); with ``transformerAnnotations`` it lists the builtin
transformers that ran over it (``alpha.config.kubernetes.io/transformations``; kustomize
records every transformer on every object, and an object without an origin takes the
transformer's as its origin). The bookkeeping lives in ``Resource`` attributes during the
build; ``FinishAnnotations`` writes what was asked for and removes kustomize's internal
annotations, rewriting the map as kustomize does (string values, dropped when empty).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tether.kustomize.resmap import ResMap
from tether.kustomize.resource import Origin, Resource, transformations_annotation

__all__ = ["FinishAnnotations", "RecordTransformation"]

_ORIGIN = "config.kubernetes.io/origin"
_TRANSFORMATIONS = "alpha.config.kubernetes.io/transformations"
_INTERNAL = "internal.config.kubernetes.io/"
_BUILD_ANNOTATIONS = frozenset(
    [
        _INTERNAL + name
        for name in (
            "previousKinds",
            "previousNames",
            "prefixes",
            "suffixes",
            "previousNamespaces",
            "allowNameChange",
            "allowKindChange",
            "refBy",
            "generatorBehavior",
            "needsHashSuffix",
            "path",
            "index",
            "seqindent",
            "id",
            "annotations-migration-resource-id",
            "helm-generated",
        )
    ]
    + ["config.kubernetes.io/path", "config.kubernetes.io/index", "config.k8s.io/id"]
)
"""The annotations kustomize strips from every output object (nothing else internal)."""


@dataclass(frozen=True)
class RecordTransformation:
    """Note that a builtin transformer configured at ``origin`` ran over every object."""

    origin: Origin

    def __call__(self, rm: ResMap) -> None:
        for res in rm:
            if res.origin is None:
                # kustomize assumes the transformer generated an object without an origin.
                res.origin = self.origin.copy()
            else:
                res.transformations.append(self.origin.copy())


@dataclass(frozen=True)
class FinishAnnotations:
    """Write the requested build annotations and strip kustomize's internal ones."""

    build_metadata: tuple[str, ...] = ()

    def __call__(self, rm: ResMap) -> None:
        keep_origin = "originAnnotations" in self.build_metadata
        keep_transformations = "transformerAnnotations" in self.build_metadata
        for res in rm:
            _finish_one(res, keep_origin=keep_origin, keep_transformations=keep_transformations)


def _finish_one(res: Resource, *, keep_origin: bool, keep_transformations: bool) -> None:
    meta = res.obj.get("metadata")
    if not isinstance(meta, dict):
        return
    annotations = meta.get("annotations")
    had_map = isinstance(annotations, dict)
    current: dict[str, Any] = dict(annotations) if isinstance(annotations, dict) else {}
    touched = res.has_bookkeeping()
    for key in list(current):
        if key in _BUILD_ANNOTATIONS:
            del current[key]
            touched = True
    if keep_origin and res.origin is not None:
        current[_ORIGIN] = res.origin.annotation()
    elif not keep_origin and _ORIGIN in current:
        del current[_ORIGIN]
    if keep_transformations and res.transformations:
        current[_TRANSFORMATIONS] = transformations_annotation(res.transformations)
    elif not keep_transformations and _TRANSFORMATIONS in current:
        del current[_TRANSFORMATIONS]
    # kustomize rewrites the annotations map at the end (dropping it when empty) unless it
    # keeps both kinds of build annotations and never had bookkeeping to remove.
    rewritten = touched or not (keep_origin and keep_transformations)
    if current:
        # kustomize rewrites the map through GetAnnotations/SetAnnotations: values become
        # strings (their YAML text).
        meta["annotations"] = {k: _annotation_text(v) for k, v in current.items()}
    elif had_map and rewritten:
        del meta["annotations"]


def _annotation_text(value: Any) -> Any:
    if isinstance(value, str | dict | list):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
