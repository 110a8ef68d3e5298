"""``apiVersion: builtin`` plugin configs (and kustomization fields) turned into filters.

kustomize implements every kustomization field as a builtin plugin configured from a small
YAML document; users may write the same documents under ``generators:``/``transformers:``.
This module is the one translation from such a config (a dict) to our filter objects, so
the kustomization fields and the explicit plugin configs share one code path. Anything
that is not a builtin (exec, Go, container/KRM-function plugins) and Helm is refused with
``UnsupportedError``, as Flux disables them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tether import errors
from tether.kustomize import generators, yamlio
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.filters import patches, replacements
from tether.kustomize.filters.affix import AffixFilter
from tether.kustomize.filters.hash import HashFilter
from tether.kustomize.filters.images import ImageFilter, check_entry
from tether.kustomize.filters.labels import MapEntriesFilter
from tether.kustomize.filters.namespace import NamespaceFilter
from tether.kustomize.filters.replicas import ReplicaFilter
from tether.kustomize.loader import Loader
from tether.kustomize.resmap import ResMap
from tether.kustomize.selector import Selector

Filter = Callable[[ResMap], None]

__all__ = ["Filter", "field_spec", "generator_args", "transformer_filters"]

_GENERATORS = {"ConfigMapGenerator": "ConfigMap", "SecretGenerator": "Secret"}
_UNSUPPORTED = {"HelmChartInflationGenerator", "IAMPolicyGenerator", "ValueAddTransformer"}


def _specs(value: Any, *, source: str) -> tuple[FieldSpec, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise errors.BuildError(f"{source}: fieldSpecs must be a list")
    return tuple(field_spec(item, source=source) for item in value)


def field_spec(item: Any, *, source: str) -> FieldSpec:
    """A fieldSpec of a plugin config (unknown keys ignored, as kustomize decodes them)."""
    if not isinstance(item, dict):
        raise errors.BuildError(f"{source}: a fieldSpec must be a mapping")
    # Plugin configs are decoded leniently by kustomize: unknown keys are ignored.
    known = {k: item[k] for k in ("group", "version", "kind", "path", "create") if k in item}
    return FieldSpec.from_dict(known, source=source)


def _str_map(value: Any, *, source: str, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.BuildError(f"{source}: '{name}' must be a mapping")
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def plugin_kind(config: dict[str, Any], *, source: str) -> str:
    """The builtin kind of a plugin config; UnsupportedError for anything else."""
    kind = str(config.get("kind") or "")
    if config.get("apiVersion") != "builtin":
        raise errors.UnsupportedError(
            f"{source}: plugin {config.get('apiVersion')}/{kind} is not supported: only "
            "'apiVersion: builtin' generators and transformers are (exec, Go and "
            "KRM-function plugins are disabled, as in Flux)"
        )
    if kind in _UNSUPPORTED:
        raise errors.UnsupportedError(f"{source}: builtin plugin {kind} is not supported")
    return kind


def generator_args(config: dict[str, Any], *, source: str) -> generators.GeneratorArgs:
    """Arguments of a builtin ConfigMapGenerator/SecretGenerator config."""
    kind = plugin_kind(config, source=source)
    if kind not in _GENERATORS:
        raise errors.BuildError(f"{source}: plugin {kind} is not a generator")
    fields = {k: v for k, v in config.items() if k not in ("apiVersion", "kind")}
    return generators.GeneratorArgs.parse(_GENERATORS[kind], fields, source=source, strict=False)


def _patch_text(config: dict[str, Any], loader: Loader, *, source: str) -> tuple[str, str]:
    patch_text = str(config.get("patch") or "").strip()
    path = str(config.get("path") or "")
    if not patch_text and not path:
        raise errors.BuildError(f"{source}: must specify one of patch and path")
    if patch_text and path:
        raise errors.BuildError(f"{source}: patch and path can't be set at the same time")
    if path:
        return loader.load(path).decode("utf-8", errors="replace"), f"[path: {path!r}]"
    return patch_text, f"[patch: {patch_text[:60]!r}]"


def patch_filter(config: dict[str, Any], loader: Loader, *, source: str) -> Filter:
    """A ``patches`` entry / PatchTransformer config."""
    text, where = _patch_text(config, loader, source=source)
    parsed = patches.parse_patch(text, source=f"{source} {where}")
    target = config.get("target")
    options = config.get("options") or {}
    if not isinstance(options, dict):
        raise errors.BuildError(f"{source}: patch options must be a mapping")
    return patches.PatchFilter(
        patch=parsed,
        target=Selector.parse(target, source=source) if target is not None else None,
        allow_name_change=bool(options.get("allowNameChange")),
        allow_kind_change=bool(options.get("allowKindChange")),
        context=loader.context,
    )


def strategic_filter(entries: list[Any], loader: Loader, *, source: str) -> Filter:
    """``patchesStrategicMerge`` entries (file paths or inline YAML)."""
    docs: list[dict[str, Any]] = []
    for entry in entries:
        text = str(entry)
        inline = _inline_docs(text)
        if inline is None:
            content = loader.load(text).decode("utf-8", errors="replace")
            inline = yamlio.load_all(content, source=text)
        docs.extend(patches.parse_patch_docs(inline, source=text))
    if not docs:
        raise errors.BuildError(f"{source}: patch appears to be empty; files={entries}")
    return patches.StrategicMergeFilter(patches=tuple(docs), source=source, context=loader.context)


def _inline_docs(text: str) -> list[Any] | None:
    """Parsed documents when ``text`` is inline YAML objects rather than a path."""
    if "\n" not in text.strip() and ":" not in text:
        return None
    try:
        docs = yamlio.load_all(text, source="inline")
    except errors.BuildError:
        return None
    return docs if docs and all(isinstance(d, dict) for d in docs) else None


def json6902_filter(config: dict[str, Any], loader: Loader, *, source: str) -> Filter:
    """A ``patchesJson6902`` entry / PatchJson6902Transformer config."""
    target = config.get("target")
    if not isinstance(target, dict) or not target.get("name"):
        raise errors.BuildError(f"{source}: must specify the target name")
    text = str(config.get("patch") or config.get("jsonOp") or "")
    path = str(config.get("path") or "")
    if path and text:
        raise errors.BuildError(f"{source}: must specify a file path or jsonOp, not both")
    if path:
        text = loader.load(path).decode("utf-8", errors="replace")
        if not text:
            raise errors.BuildError(f"{source}: patch file '{path}' empty seems to be empty")
    if not text:
        raise errors.BuildError(f"{source}: empty file path and empty jsonOp")
    ops = patches.parse_json_ops(text, source=path or source)
    if not ops:
        raise errors.BuildError(f"{source}: patch appears to be empty")
    return patches.Json6902Filter(
        target=Selector.parse(target, source=source), operations=tuple(ops), source=source
    )


def _namespace(config: dict[str, Any], loader: Loader, *, source: str) -> list[Filter]:
    meta = config.get("metadata") or {}
    return [
        NamespaceFilter(
            namespace=str(meta.get("namespace") or ""),
            field_specs=_specs(config.get("fieldSpecs"), source=source),
            unset_only=bool(config.get("unsetOnly")),
            role_binding_subjects=str(config.get("setRoleBindingSubjects") or "defaultOnly"),
        )
    ]


def _labels(config: dict[str, Any], loader: Loader, *, source: str) -> list[Filter]:
    values = _str_map(config.get("labels"), source=source, name="labels")
    return [MapEntriesFilter.of(values, _specs(config.get("fieldSpecs"), source=source))]


def _annotations(config: dict[str, Any], loader: Loader, *, source: str) -> list[Filter]:
    values = _str_map(config.get("annotations"), source=source, name="annotations")
    return [MapEntriesFilter.of(values, _specs(config.get("fieldSpecs"), source=source))]


def _affix(config: dict[str, Any], loader: Loader, *, source: str) -> list[Filter]:
    specs = _specs(config.get("fieldSpecs"), source=source)
    out: list[Filter] = []
    kind = config.get("kind")
    if kind in ("PrefixTransformer", "PrefixSuffixTransformer"):
        out.append(AffixFilter(field_specs=specs, prefix=str(config.get("prefix") or "")))
    if kind in ("SuffixTransformer", "PrefixSuffixTransformer"):
        out.append(AffixFilter(field_specs=specs, suffix=str(config.get("suffix") or "")))
    return out


def _images(config: dict[str, Any], loader: Loader, *, source: str) -> list[Filter]:
    entry = check_entry(config.get("imageTag") or {}, source=source)
    return [ImageFilter(entry=entry, field_specs=_specs(config.get("fieldSpecs"), source=source))]


def _replicas(config: dict[str, Any], loader: Loader, *, source: str) -> list[Filter]:
    replica = config.get("replica") or {}
    count = replica.get("count", 0)
    if not isinstance(count, int) or isinstance(count, bool):
        raise errors.BuildError(f"{source}: replica count must be an integer")
    return [
        ReplicaFilter(
            name=str(replica.get("name") or ""),
            count=count,
            field_specs=_specs(config.get("fieldSpecs"), source=source),
        )
    ]


def _patch(config: dict[str, Any], loader: Loader, *, source: str) -> list[Filter]:
    return [patch_filter(config, loader, source=source)]


def _strategic(config: dict[str, Any], loader: Loader, *, source: str) -> list[Filter]:
    entries = list(config.get("paths") or [])
    if config.get("patches"):
        entries.append(str(config["patches"]))
    return [strategic_filter(entries, loader, source=source)]


def _json6902(config: dict[str, Any], loader: Loader, *, source: str) -> list[Filter]:
    return [json6902_filter(config, loader, source=source)]


def _replacement(config: dict[str, Any], loader: Loader, *, source: str) -> list[Filter]:
    items = config.get("replacements") or []
    return [replacements.from_entries(items, loader, source=source)]


def _hash(config: dict[str, Any], loader: Loader, *, source: str) -> list[Filter]:
    return [HashFilter()]


_TRANSFORMERS: dict[str, Callable[..., list[Filter]]] = {
    "NamespaceTransformer": _namespace,
    "LabelTransformer": _labels,
    "AnnotationsTransformer": _annotations,
    "PrefixTransformer": _affix,
    "SuffixTransformer": _affix,
    "PrefixSuffixTransformer": _affix,
    "ImageTagTransformer": _images,
    "ReplicaCountTransformer": _replicas,
    "PatchTransformer": _patch,
    "PatchStrategicMergeTransformer": _strategic,
    "PatchJson6902Transformer": _json6902,
    "ReplacementTransformer": _replacement,
    "HashTransformer": _hash,
}


def transformer_filters(config: dict[str, Any], loader: Loader, *, source: str) -> list[Filter]:
    """The filters a builtin transformer config stands for."""
    kind = plugin_kind(config, source=source)
    make = _TRANSFORMERS.get(kind)
    if make is None:
        if kind in _GENERATORS:
            raise errors.BuildError(f"{source}: plugin {kind} is not a transformer")
        raise errors.BuildError(f"{source}: unable to load builtin {kind}")
    return make(config, loader, source=source)
