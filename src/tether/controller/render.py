"""Render a Kustomization's objects "as the controller would" — shared by the reconciler and
``tether build/diff kustomization``.

Design: one function, ``render``, turns an unpacked artifact directory and a Kustomization
spec into the list of objects to apply, in Flux's order: generate a ``kustomization.yaml``
when the path has none (``fluxcd/pkg/kustomize`` generator: every ``*.yaml``/``*.yml`` is a
resource, a sub-directory with its own kustomization is one resource) → merge the spec's
overrides into it (targetNamespace, namePrefix/Suffix, patches, images, components,
buildMetadata) → ``tether.kustomize.build`` (pure, confined to the artifact directory) →
refuse SOPS-encrypted input (decryption is not implemented yet) → post-build substitution →
``commonMetadata`` → owner labels. The artifact directory is a private temporary copy, so the
kustomization file is rewritten in place. Failures are ``BuildError`` (reason BuildFailed).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from tether import errors, kustomize
from tether.api.kustomize import KustomizationSpec
from tether.cluster import ownership
from tether.cluster.changeset import ObjectRef
from tether.controller import postbuild

__all__ = [
    "KUSTOMIZATION_FILES",
    "BuildFn",
    "apply_common_metadata",
    "find_kustomization_file",
    "generate",
    "merge_overrides",
    "native_build",
    "prepare",
    "refuse_encrypted",
    "render",
    "substitute",
]

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

BuildFn = Callable[[Path, Path], list[dict[str, Any]]]
"""``build(root, directory) -> objects``: a kustomize build of ``directory``, confined to
``root`` (the unpacked artifact); raises BuildError."""
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def native_build(root: Path, directory: Path) -> list[dict[str, Any]]:
    """Tether's own kustomize engine, as Flux runs krusty: the file system is confined to the
    artifact ``root`` (no symlink escapes) and load restrictions are off inside it."""
    fs = kustomize.OnDiskFS(str(root))
    options = kustomize.BuildOptions(load_restrictions=kustomize.LOAD_RESTRICTIONS_NONE)
    resmap = kustomize.build(fs, str(directory), options)
    return [dict(obj) for obj in resmap.objects()]


def _dump(doc: Mapping[str, Any]) -> str:
    """Write a kustomization as JSON (valid YAML): every string stays quoted, so values such
    as ``y``, ``on`` or ``1.10`` can never be re-read as booleans or numbers."""
    return json.dumps(doc, indent=2, default=str) + "\n"


def find_kustomization_file(directory: Path) -> Path | None:
    """The kustomization file of ``directory``, if it has one."""
    for name in KUSTOMIZATION_FILES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def _check_manifest(path: Path, root: Path) -> None:
    """Every document of a generated resource file must be a Kubernetes object."""
    rel = path.relative_to(root).as_posix()
    try:
        docs = list(yaml.load_all(path.read_bytes(), Loader=_Loader))
    except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
        raise errors.BuildError(f"failed to decode Kubernetes YAML from {rel}: {exc}") from exc
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, dict) or not doc.get("apiVersion") or not doc.get("kind"):
            raise errors.BuildError(f"failed to decode Kubernetes YAML from {rel}: "
                                    "missing apiVersion or kind")


def _scan(directory: Path) -> list[str]:
    """Resources for a generated kustomization: files, and sub-kustomizations as dirs."""
    resources: list[str] = []
    for current, dirnames, filenames in os.walk(directory):
        here = Path(current)
        dirnames.sort()
        if here != directory and find_kustomization_file(here) is not None:
            resources.append("./" + here.relative_to(directory).as_posix())
            dirnames.clear()
            continue
        for name in sorted(filenames):
            path = here / name
            if name.endswith((".yaml", ".yml")) and path.is_file() and not path.is_symlink():
                _check_manifest(path, directory)
                resources.append("./" + path.relative_to(directory).as_posix())
    return resources


def generate(directory: Path) -> Path:
    """Ensure ``directory`` has a kustomization file (generated like Flux); return it."""
    existing = find_kustomization_file(directory)
    if existing is not None:
        return existing
    resources = _scan(directory)
    doc: dict[str, Any] = {"apiVersion": "kustomize.config.k8s.io/v1beta1",
                           "kind": "Kustomization", "resources": resources}
    if not resources:
        doc["namespace"] = "_placeholder"  # an empty kustomization is an error in kustomize
    target = directory / "kustomization.yaml"
    target.write_text(_dump(doc))
    return target


def _selector(target: Any) -> dict[str, str]:
    keys = ("group", "version", "kind", "name", "namespace", "label_selector",
            "annotation_selector")
    camel = {"label_selector": "labelSelector", "annotation_selector": "annotationSelector"}
    return {camel.get(k, k): str(getattr(target, k)) for k in keys
            if getattr(target, k) is not None}


def _merge_images(existing: Sequence[Any], spec: KustomizationSpec) -> list[Any]:
    images = [dict(i) for i in existing if isinstance(i, Mapping)]
    for image in spec.images or []:
        update = {"name": image.name, "newName": image.new_name, "newTag": image.new_tag,
                  "digest": image.digest}
        update = {k: v for k, v in update.items() if v is not None}
        match = next((i for i in images if i.get("name") == image.name), None)
        if match is None:
            images.append(update)
        else:
            match.update(update)
    return images


def _components(directory: Path, spec: KustomizationSpec) -> list[str]:
    out: list[str] = []
    for comp in spec.components or []:
        if os.path.isabs(comp) or "://" in comp:
            raise errors.BuildError(f"component path '{comp}' must be local and relative")
        if not (directory / comp).exists():
            if spec.ignore_missing_components:
                continue
            raise errors.BuildError(f"component path '{comp}' not found")
        out.append(comp)
    return out


def merge_overrides(
    kfile: Mapping[str, Any], spec: KustomizationSpec, *, directory: Path
) -> dict[str, Any]:
    """The kustomization document with the spec's overrides merged in (input unchanged)."""
    out = dict(kfile)
    if spec.target_namespace:
        out["namespace"] = spec.target_namespace
    if spec.name_prefix:
        out["namePrefix"] = spec.name_prefix
    if spec.name_suffix:
        out["nameSuffix"] = spec.name_suffix
    if spec.patches:
        patches = list(out.get("patches") or [])
        for patch in spec.patches:
            entry: dict[str, Any] = {"patch": patch.patch}
            if patch.target is not None:
                entry["target"] = _selector(patch.target)
            patches.append(entry)
        out["patches"] = patches
    if spec.images:
        out["images"] = _merge_images(out.get("images") or [], spec)
    if spec.components:
        out["components"] = [*(out.get("components") or []), *_components(directory, spec)]
    if spec.build_metadata:
        out["buildMetadata"] = list(spec.build_metadata)
    return out


def prepare(directory: Path, spec: KustomizationSpec) -> Path:
    """Generate (if needed) and rewrite ``directory``'s kustomization file with overrides."""
    if not directory.is_dir():
        raise errors.BuildError(f"kustomization path not found: {directory}")
    kfile = generate(directory)
    try:
        doc = yaml.load(kfile.read_bytes(), Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        raise errors.BuildError(f"invalid {kfile.name}: {exc}") from exc
    if not isinstance(doc, dict):
        raise errors.BuildError(f"invalid {kfile.name}: not a mapping")
    merged = merge_overrides(doc, spec, directory=directory)
    if merged != doc:
        kfile.write_text(_dump(merged))
    return kfile


def refuse_encrypted(objs: Sequence[Mapping[str, Any]]) -> None:
    """BuildError for SOPS-encrypted objects: decryption is not implemented yet."""
    for obj in objs:
        if isinstance(obj.get("sops"), Mapping):
            raise errors.UnsupportedError(
                f"{ObjectRef.from_object(obj).subject} is SOPS encrypted, configuring "
                "decryption is required (SOPS decryption is not supported by Tether yet)")


def apply_common_metadata(
    objs: Sequence[Mapping[str, Any]],
    spec: KustomizationSpec,
    *,
    owner: tuple[str, str] | None,
) -> list[dict[str, Any]]:
    """Set ``commonMetadata`` labels/annotations (overriding) and the owner labels."""
    common = spec.common_metadata
    labels = dict((common.labels or {}) if common else {})
    annotations = dict((common.annotations or {}) if common else {})
    if owner is not None:
        labels.update(ownership.owner_labels(owner[0], owner[1]))
    out: list[dict[str, Any]] = []
    for obj in objs:
        copy = dict(obj)
        meta = dict(copy.get("metadata") or {})
        if labels:
            meta["labels"] = {**(meta.get("labels") or {}), **labels}
        if annotations:
            meta["annotations"] = {**(meta.get("annotations") or {}), **annotations}
        copy["metadata"] = meta
        out.append(copy)
    return out


def substitute(
    objs: Sequence[Mapping[str, Any]], spec: KustomizationSpec, *, sources: Sequence[
        Mapping[str, str]]
) -> list[dict[str, Any]]:
    """Post-build substitution with the spec's variables (and the loaded sources)."""
    post = spec.post_build
    if post is None:
        return [dict(o) for o in objs]
    env = postbuild.collect_vars(sources=sources, inline=post.substitute)
    return postbuild.substitute_all(objs, env, always=post.substitute_strategy == "Always")


def render(
    spec: KustomizationSpec,
    *,
    root: Path,
    directory: Path,
    build: BuildFn,
    sources: Sequence[Mapping[str, str]] = (),
    owner: tuple[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The objects to apply for ``spec`` from an unpacked artifact, as the controller would.

    ``directory`` (inside ``root``, a private copy: its kustomization file is rewritten)
    is the spec's path; ``sources`` are the loaded ``substituteFrom`` values (see
    ``postbuild.load_sources``); ``owner`` is ``(name, namespace)`` of the Kustomization
    for the owner labels. Raises BuildError (reason BuildFailed).
    """
    prepare(directory, spec)
    objs = build(root, directory)
    refuse_encrypted(objs)
    objs = substitute(objs, spec, sources=sources)
    return apply_common_metadata(objs, spec, owner=owner)
