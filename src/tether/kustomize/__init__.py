"""tether.kustomize: a native, pure ``kustomize build`` (byte-identical to kustomize v5.8.1).

``build(fs, path, options) -> ResMap`` reads a kustomization tree from a ``FileSystem``
(on disk with load restrictions, or in memory) and returns the customized objects; it never
touches the network, a subprocess, a cluster or the clock (remote bases go through an
injected fetcher). ``to_yaml(resmap)`` prints them as ``kustomize build`` does.
"""

from tether.kustomize.builder import BuildOptions, build, to_yaml
from tether.kustomize.fs import FileSystem, InMemoryFS, OnDiskFS
from tether.kustomize.loader import (
    LOAD_RESTRICTIONS_NONE,
    LOAD_RESTRICTIONS_ROOT_ONLY,
    FetchedRepo,
    RemoteFetcher,
)
from tether.kustomize.resmap import ResMap
from tether.kustomize.resource import ResId, Resource

__all__ = [
    "LOAD_RESTRICTIONS_NONE",
    "LOAD_RESTRICTIONS_ROOT_ONLY",
    "BuildOptions",
    "FetchedRepo",
    "FileSystem",
    "InMemoryFS",
    "OnDiskFS",
    "RemoteFetcher",
    "ResId",
    "ResMap",
    "Resource",
    "build",
    "to_yaml",
]
