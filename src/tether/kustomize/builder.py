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

from tether import errors
from tether.kustomize import resource, yamlio
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.filters import build_metadata
from tether.kustomize.filters.labels import MapEntriesFilter
from tether.kustomize.filters.sort_order import SortFilter
from tether.kustomize.fs import FileSystem
from tether.kustomize.loader import (
    LOAD_RESTRICTIONS_NONE,
    LOAD_RESTRICTIONS_ROOT_ONLY,
    Loader,
    RemoteFetcher,
)
from tether.kustomize.resmap import ResMap
from tether.kustomize.target import KustTarget

__all__ = ["BuildOptions", "build", "to_yaml"]

REORDER_NONE = "none"
REORDER_LEGACY = "legacy"
REORDER_UNSPECIFIED = "unspecified"

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
    root = fs.absolute(path)
    if not fs.is_dir(root):
        raise errors.BuildError(f"must build at directory: not a valid directory: '{path}'")
    token = resource.set_extra_scopes({})
    try:
        return _build(fs, root, options)
    finally:
        resource.reset_extra_scopes(token)


def _build(fs: FileSystem, root: str, options: BuildOptions) -> ResMap:
    loader = Loader(
        fs=fs, root=root, restriction=options.load_restrictions, fetcher=options.fetcher
    )
    target = KustTarget(loader, origin=None)
    try:
        rm = target.make_customized_resmap()
    except RecursionError as exc:
        raise errors.BuildError(f"{root}: structure nested too deeply") from exc
    _sort(rm, target=target, options=options)
    if options.add_managed_by_label or "managedByLabel" in target.build_metadata:
        spec = FieldSpec(path="metadata/labels", create=True)
        MapEntriesFilter.of({_MANAGED_BY: f"kustomize-{KUSTOMIZE_VERSION}"}, (spec,))(rm)
    build_metadata.FinishAnnotations(build_metadata=tuple(target.build_metadata))(rm)
    return rm


def _sort(rm: ResMap, *, target: KustTarget, options: BuildOptions) -> None:
    sort_options = target.kust.mapping("sortOptions")
    source = posixpath.join(target.loader.root, target.kust.file_name)
    if target.kust.raw.get("sortOptions") is not None:
        SortFilter.from_options(sort_options or {}, source=source)(rm)
    elif options.reorder in (REORDER_LEGACY, REORDER_UNSPECIFIED):
        SortFilter(order="legacy")(rm)


def to_yaml(rm: ResMap) -> str:
    """The map as ``kustomize build`` prints it."""
    return yamlio.dump_all(rm.objects())
