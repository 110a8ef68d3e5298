"""``build(fs, path, options) -> ResMap``: the public, pure entry point of the engine.

It wires a loader (load restrictions, remote fetcher) to the top ``KustTarget``, then does
what kustomize's ``Kustomizer.Run`` does after the pipeline: choose the output order
(the kustomization's ``sortOptions`` win over the caller's ``reorder``), optionally add the
managed-by label, and strip kustomize's internal annotations (keeping origin/transformer
annotations only when ``buildMetadata`` asks for them). ``to_yaml`` prints the result as
``kustomize build`` does.

Library default is FIFO order and root-only loading, like kustomize's library and Flux;
the CLI defaults to the legacy kind order, like the kustomize CLI.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from tether import errors
from tether.kustomize import resource, yamlio
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.filters.labels import MapEntriesFilter
from tether.kustomize.filters.sort_order import SortFilter
from tether.kustomize.fs import FileSystem, clean
from tether.kustomize.loader import (
    LOAD_RESTRICTIONS_NONE,
    LOAD_RESTRICTIONS_ROOT_ONLY,
    Loader,
    RemoteFetcher,
)
from tether.kustomize.resmap import ResMap
from tether.kustomize.resource import Resource, transformations_annotation
from tether.kustomize.target import KustTarget

__all__ = ["BuildOptions", "build", "to_yaml"]

REORDER_NONE = "none"
REORDER_LEGACY = "legacy"
REORDER_UNSPECIFIED = "unspecified"

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
_MANAGED_BY = "app.kubernetes.io/managed-by"
KUSTOMIZE_VERSION = "v5.8.1"


@dataclass(frozen=True)
class BuildOptions:
    """How to build: load restrictions, output order, remote fetcher, managed-by label."""

    load_restrictions: str = LOAD_RESTRICTIONS_ROOT_ONLY
    reorder: str = REORDER_NONE
    fetcher: RemoteFetcher | None = None
    add_managed_by_label: bool = False

    def __post_init__(self) -> None:
        if self.load_restrictions not in (LOAD_RESTRICTIONS_ROOT_ONLY, LOAD_RESTRICTIONS_NONE):
            raise errors.BuildError(f"unknown load restrictions {self.load_restrictions!r}")
        if self.reorder not in (REORDER_NONE, REORDER_LEGACY, REORDER_UNSPECIFIED):
            raise errors.BuildError(f"unknown reorder option {self.reorder!r}")


def build(fs: FileSystem, path: str, options: BuildOptions | None = None) -> ResMap:
    """Build the kustomization in directory ``path`` of ``fs``.

    Raises ``BuildError`` (one line, naming the file and field) on any failure, and
    ``UnsupportedError`` for Helm charts and non-builtin plugins.
    """
    options = options or BuildOptions()
    root = clean(path)
    if not fs.is_dir(root):
        raise errors.BuildError(f"must build at directory: not a valid directory: '{path}'")
    resource.set_extra_scopes({})
    loader = Loader(
        fs=fs, root=root, restriction=options.load_restrictions, fetcher=options.fetcher
    )
    target = KustTarget(loader, origin=None)
    try:
        rm = target.make_customized_resmap()
    except RecursionError as exc:
        raise errors.BuildError(f"{path}: structure nested too deeply") from exc
    _sort(rm, target=target, options=options)
    if options.add_managed_by_label or "managedByLabel" in target.build_metadata:
        spec = FieldSpec(path="metadata/labels", create=True)
        MapEntriesFilter.of({_MANAGED_BY: f"kustomize-{KUSTOMIZE_VERSION}"}, (spec,))(rm)
    _finish_annotations(rm, target.build_metadata)
    return rm


def _sort(rm: ResMap, *, target: KustTarget, options: BuildOptions) -> None:
    sort_options = target.kust.mapping("sortOptions")
    source = posixpath.join(target.loader.root, target.kust.file_name)
    if target.kust.raw.get("sortOptions") is not None:
        SortFilter.from_options(sort_options or {}, source=source)(rm)
    elif options.reorder in (REORDER_LEGACY, REORDER_UNSPECIFIED):
        SortFilter(order="legacy")(rm)


def _finish_annotations(rm: ResMap, build_metadata: list[str]) -> None:
    keep_origin = "originAnnotations" in build_metadata
    keep_transformations = "transformerAnnotations" in build_metadata
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


def to_yaml(rm: ResMap) -> str:
    """The map as ``kustomize build`` prints it."""
    return yamlio.dump_all(rm.objects())
