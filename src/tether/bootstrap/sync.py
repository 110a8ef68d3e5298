"""The sync manifests: the ``flux-system`` GitRepository and Kustomization, and kustomization.yaml.

Job: generate ``gotk-sync.yaml`` (a GitRepository pointing at the bootstrap repository and a
Kustomization applying ``./<path>`` from it) and, when the directory has none,
``kustomization.yaml`` listing the generated files. Design decision: an existing
``kustomization.yaml`` is never rewritten, so a user's ``patches:`` survive a re-bootstrap
(Flux's rule); the intervals are Flux's (source 1m, Kustomization 10m) so a repository
bootstrapped by Flux and one bootstrapped by Tether look the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import yaml

from tether import errors
from tether.api import kustomize, source
from tether.bootstrap import components

__all__ = [
    "COMPONENTS_FILE",
    "KUSTOMIZATION_FILE",
    "SYNC_FILE",
    "SyncOptions",
    "generate",
    "kustomization_file",
    "normalize_path",
    "render",
]

COMPONENTS_FILE: Final = "gotk-components.yaml"
SYNC_FILE: Final = "gotk-sync.yaml"
KUSTOMIZATION_FILE: Final = "kustomization.yaml"


def normalize_path(path: str) -> str:
    """``clusters/dev/`` → ``clusters/dev``; ConfigError for absolute or escaping paths."""
    raw = path.strip().replace("\\", "/")
    if raw.startswith("/"):
        raise errors.ConfigError(f"--path {path!r} must be relative to the repository root")
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise errors.ConfigError(f"--path {path!r} must not contain '..'")
    return "/".join(parts)


@dataclass(frozen=True)
class SyncOptions:
    """What the cluster should sync from."""

    url: str
    branch: str = "main"
    path: str = ""
    namespace: str = "flux-system"
    name: str = "flux-system"
    secret_name: str | None = "flux-system"
    interval: str = "1m0s"
    """The GitRepository's interval (Flux: 1m)."""
    kustomization_interval: str = "10m0s"


def generate(opts: SyncOptions) -> list[dict[str, Any]]:
    """The GitRepository and Kustomization that make the cluster follow the repository."""
    spec: dict[str, Any] = {"interval": opts.interval, "ref": {"branch": opts.branch}}
    if opts.secret_name:
        spec["secretRef"] = {"name": opts.secret_name}
    spec["url"] = opts.url
    path = normalize_path(opts.path)
    repo = {
        "apiVersion": source.API_VERSION,
        "kind": source.KIND,
        "metadata": {"name": opts.name, "namespace": opts.namespace},
        "spec": spec,
    }
    ks = {
        "apiVersion": kustomize.API_VERSION,
        "kind": kustomize.KIND,
        "metadata": {"name": opts.name, "namespace": opts.namespace},
        "spec": {
            "interval": opts.kustomization_interval,
            "path": f"./{path}" if path else "./",
            "prune": True,
            "sourceRef": {"kind": source.KIND, "name": opts.name},
        },
    }
    return [repo, ks]


def render(opts: SyncOptions, *, install: components.InstallOptions) -> str:
    """``gotk-sync.yaml`` text, with the generated-file banner."""
    return components.render(generate(opts), banner=components.header(install))


def kustomization_file(resources: list[str]) -> str:
    """A ``kustomization.yaml`` listing ``resources`` (sorted, as kustomize create does)."""
    doc = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(resources),
    }
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)
