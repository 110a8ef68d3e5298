"""Transformer configuration: the field specs each builtin transformer uses.

kustomize starts every kustomization from a default table (``data/builtin_config.yaml``,
generated from kustomize's sources) and merges ``configurations:`` files and ``crds:``
into it; the merged config travels up to the parent kustomization with the resources.
The config is an immutable value: merging returns a new one.
"""

from __future__ import annotations

import functools
import importlib.resources
from dataclasses import dataclass, field, replace
from typing import Any

from tether import errors
from tether.kustomize import yamlio
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.resource import Gvk

__all__ = ["NameBackRef", "TransformerConfig", "default_config", "parse_config"]

_FS_FIELDS = (
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "templateLabels",
    "commonAnnotations",
    "varReference",
    "images",
    "replicas",
)
_ATTR = {
    "namePrefix": "name_prefix",
    "nameSuffix": "name_suffix",
    "namespace": "namespace",
    "commonLabels": "common_labels",
    "labels": "labels",
    "templateLabels": "template_labels",
    "commonAnnotations": "common_annotations",
    "varReference": "var_reference",
    "images": "images",
    "replicas": "replicas",
}

LEGACY_ORDER_FIRST = (
    # kustomize's legacy output order: these kinds first, in this order ...
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
)
# ... and these last; every other kind in between.
LEGACY_ORDER_LAST = ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
KIND_RANK = {k: i - len(LEGACY_ORDER_FIRST) for i, k in enumerate(LEGACY_ORDER_FIRST)} | {
    k: 1 + i for i, k in enumerate(LEGACY_ORDER_LAST)
}


def gvk_sort_key(group: str, version: str, *, kind: str) -> tuple[int, str]:
    """kustomize's legacy gvk order: kind rank, then ``group_version_kind``."""
    stable = "_".join([group or "~G", version or "~V", kind or "~K"])
    return (KIND_RANK.get(kind, 0), stable)


@dataclass(frozen=True, slots=True)
class NameBackRef:
    """A referral kind and the referrer fields that hold its name."""

    gvk: Gvk
    referrers: tuple[FieldSpec, ...]


@dataclass(frozen=True, slots=True)
class TransformerConfig:
    """Field specs per transformer, plus name references."""

    name_prefix: tuple[FieldSpec, ...] = ()
    name_suffix: tuple[FieldSpec, ...] = ()
    namespace: tuple[FieldSpec, ...] = ()
    common_labels: tuple[FieldSpec, ...] = ()
    labels: tuple[FieldSpec, ...] = ()
    template_labels: tuple[FieldSpec, ...] = ()
    common_annotations: tuple[FieldSpec, ...] = ()
    var_reference: tuple[FieldSpec, ...] = ()
    images: tuple[FieldSpec, ...] = ()
    replicas: tuple[FieldSpec, ...] = ()
    name_reference: tuple[NameBackRef, ...] = field(default=())

    def merge(self, other: TransformerConfig) -> TransformerConfig:
        """Union of both configs (conflicting ``create`` flags are an error)."""
        # Every kustomization merges the same default table: skip the work when possible.
        # (Merging into an empty config is not a no-op: it de-duplicates, and a kind-less
        # spec that a kind-specific one already covers is dropped, as in kustomize.)
        if other is self or other == _EMPTY:
            return self
        key = (id(self), id(other))
        hit = _MERGES.get(key)
        if hit is not None and hit[0] is self and hit[1] is other:
            return hit[2]
        merged = _merged(self, other)
        if len(_MERGES) > 256:
            _MERGES.clear()
        _MERGES[key] = (self, other, merged)
        return merged


_MERGES: dict[tuple[int, int], tuple[TransformerConfig, TransformerConfig, TransformerConfig]] = {}
"""Merges are pure and overlays repeat them with the very same config objects: remember the
last few by identity (hashing whole configs would cost more than merging)."""


def _merged(base: TransformerConfig, other: TransformerConfig) -> TransformerConfig:
    changes: dict[str, Any] = {}
    for attr in _ATTR.values():
        changes[attr] = merge_fs(getattr(base, attr), getattr(other, attr))
    changes["name_reference"] = _merge_nbr(base.name_reference, other.name_reference)
    return replace(base, **changes)


_EMPTY: TransformerConfig


def merge_fs(base: tuple[FieldSpec, ...], extra: tuple[FieldSpec, ...]) -> tuple[FieldSpec, ...]:
    """kustomize's ``FsSlice.MergeAll`` followed by its (gvk) sort."""
    if not extra or extra is base:
        return base
    result = list(base)
    by_path: dict[str, list[FieldSpec]] = {}
    for spec in result:
        by_path.setdefault(spec.path, []).append(spec)
    added = False
    for spec in extra:
        same_path = by_path.setdefault(spec.path, [])
        found = next((e for e in same_path if _selected(e, spec)), None)
        if found is None:
            result.append(spec)
            same_path.append(spec)
            added = True
        elif found.create != spec.create:
            raise errors.BuildError(f"conflicting fieldspecs for path {spec.path}")
    if not added and base:
        return base
    return tuple(sorted(result, key=lambda s: gvk_sort_key(s.group, s.version, kind=s.kind)))


_EMPTY = TransformerConfig()
EMPTY_CONFIG = _EMPTY
"""The shared empty config (accumulators start from it, so merge results can be reused)."""


def _selected(existing: FieldSpec, sel: FieldSpec) -> bool:
    return (
        (not sel.group or sel.group == existing.group)
        and (not sel.version or sel.version == existing.version)
        and (not sel.kind or sel.kind == existing.kind)
    )


def _merge_nbr(
    base: tuple[NameBackRef, ...], extra: tuple[NameBackRef, ...]
) -> tuple[NameBackRef, ...]:
    if not extra:
        return base
    result = list(base)
    for nbr in extra:
        for i, existing in enumerate(result):
            if existing.gvk == nbr.gvk:
                result[i] = NameBackRef(existing.gvk, merge_fs(existing.referrers, nbr.referrers))
                break
        else:
            result.append(nbr)
    g = lambda n: gvk_sort_key(n.gvk.group, n.gvk.version, kind=n.gvk.kind)  # noqa: E731
    return tuple(sorted(result, key=g))


def _specs(items: Any, *, source: str, key: str) -> tuple[FieldSpec, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise errors.BuildError(f"{source}: '{key}' must be a list of fieldSpecs")
    specs = [FieldSpec.from_dict(item, source=f"{source}: {key}") for item in items]
    return merge_fs((), tuple(specs))


def _nbrs(items: Any, *, source: str) -> tuple[NameBackRef, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise errors.BuildError(f"{source}: 'nameReference' must be a list")
    out: list[NameBackRef] = []
    for item in items:
        if not isinstance(item, dict):
            raise errors.BuildError(f"{source}: nameReference entries must be mappings")
        unknown = set(item) - {"group", "version", "kind", "fieldSpecs"}
        if unknown:
            raise errors.BuildError(f"{source}: unknown nameReference field(s) {sorted(unknown)}")
        gvk = Gvk(
            str(item.get("group") or ""),
            str(item.get("version") or ""),
            str(item.get("kind") or ""),
        )
        refs = _specs(item.get("fieldSpecs"), source=source, key="fieldSpecs")
        out = list(_merge_nbr(tuple(out), (NameBackRef(gvk, refs),)))
    return tuple(out)


def parse_config(data: Any, *, source: str) -> TransformerConfig:
    """A transformer config from a loaded ``configurations:`` document (strict fields)."""
    if data is None:
        return TransformerConfig()
    if not isinstance(data, dict):
        raise errors.BuildError(f"{source}: a transformer configuration must be a mapping")
    unknown = set(data) - set(_FS_FIELDS) - {"nameReference"}
    if unknown:
        raise errors.BuildError(f"{source}: unknown field(s) {sorted(unknown)}")
    values: dict[str, Any] = {
        _ATTR[key]: _specs(data.get(key), source=source, key=key) for key in _FS_FIELDS
    }
    values["name_reference"] = _nbrs(data.get("nameReference"), source=source)
    return TransformerConfig(**values)


@functools.lru_cache(maxsize=1)
def default_config() -> TransformerConfig:
    """kustomize's builtin field specs (immutable, parsed once)."""
    text = (
        importlib.resources.files("tether.kustomize")
        .joinpath("data/builtin_config.yaml")
        .read_text()
    )
    merged = TransformerConfig()
    for doc in _split_sections(text):
        merged = merged.merge(
            parse_config(yamlio.load_one(doc, source="builtin"), source="builtin")
        )
    return merged


def _split_sections(text: str) -> list[str]:
    """The generated table is one top-level key per section; parse them one by one."""
    sections: list[str] = []
    current: list[str] = []
    for line in text.splitlines(keepends=True):
        if line and line[0].isalpha() and current:
            sections.append("".join(current))
            current = []
        current.append(line)
    if current:
        sections.append("".join(current))
    return sections
