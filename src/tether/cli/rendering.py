"""Render a Kustomization from a local directory, exactly as the controller would.

Design: the rendering itself is the controller's (:func:`tether.controller.render.render`
with the controller's build function ``render.native_build``); this module supplies what
differs on a workstation — the Kustomization object (from the cluster, or from
``--kustomization-file`` offline), a private copy of the local tree (``render`` rewrites the
kustomization file in place, and must never touch the user's checkout), and the
``substituteFrom`` values (read from the cluster unless offline). Secret values are masked
here, once, for both ``build`` and ``diff`` output.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from tether import errors
from tether.api.kustomize import Kustomization
from tether.cli import kinds
from tether.controller import postbuild, render

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient, Obj

__all__ = ["MASK", "load_kustomization_file", "mask_secrets", "render_local"]

MASK = "****"
"""What a Secret value is replaced with in build and diff output."""


def load_kustomization_file(path: Path, *, name: str, namespace: str) -> Obj:
    """The Kustomization ``name`` from a YAML file (several documents allowed)."""
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
    except (OSError, yaml.YAMLError) as exc:
        raise errors.ConfigError(f"cannot read {path}: {' '.join(str(exc).split())}") from exc
    for doc in docs:
        meta = doc.get("metadata") or {}
        if doc.get("kind") == kinds.KUSTOMIZATION.kind and meta.get("name") == name:
            meta.setdefault("namespace", namespace)
            doc["metadata"] = meta
            return doc
    raise errors.ConfigError(f"no Kustomization named {name!r} in {path}")


def _tree_root(directory: Path) -> Path:
    """The git work tree holding ``directory`` (so ``../base`` resolves), else itself."""
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return directory


async def render_local(
    ks: Obj, directory: Path, *, kube: KubeClient | None
) -> list[dict[str, Any]]:
    """Objects for Kustomization ``ks`` built from local ``directory`` (``kube`` None: offline).

    Raises ConfigError for a missing directory and BuildError from the build.
    """
    directory = directory.resolve()
    if not directory.is_dir():
        raise errors.ConfigError(f"invalid resource path {str(directory)!r}",
                                 hint="--path must be an existing directory")
    model = Kustomization.from_dict(ks)
    sources: list[dict[str, str]] = []
    post = model.spec.post_build
    if kube is not None and post and post.substitute_from:
        refs = [postbuild.SubstituteRef(r.kind, r.name, bool(r.optional))
                for r in post.substitute_from]
        sources = await postbuild.load_sources(kube, namespace=model.namespace, refs=refs)
    root = _tree_root(directory)
    with tempfile.TemporaryDirectory(prefix="tether-build-") as tmp:
        copy = Path(tmp) / "src"
        shutil.copytree(root, copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        return render.render(model.spec, root=copy, directory=copy / directory.relative_to(root),
                             build=render.native_build, sources=sources,
                             owner=(model.name, model.namespace))


def mask_secrets(objs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Copies with every Secret ``data``/``stringData`` value replaced by :data:`MASK`."""
    out = []
    for obj in objs:
        copy = dict(obj)
        if obj.get("kind") == "Secret" and str(obj.get("apiVersion")) == "v1":
            for key in ("data", "stringData"):
                if isinstance(obj.get(key), Mapping):
                    copy[key] = {k: MASK for k in obj[key]}
        out.append(copy)
    return out
