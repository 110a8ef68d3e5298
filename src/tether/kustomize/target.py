"""The build pipeline: one kustomization directory in, a customized ResMap out.

This is the only place that decides *order*; every step is a small filter elsewhere.
Per kustomization (recursively, bottom-up), kustomize's order is:

1. accumulate ``resources`` (a sub-directory is fully built first, then merged in);
2. merge ``configurations`` and ``crds`` into the transformer config;
3. generators: configMapGenerator, secretGenerator, then ``generators:``;
4. ``components`` (they run on *this* accumulator, so they can patch our resources);
5. transformers in a fixed order: patchesStrategicMerge, patches, namespace, namePrefix,
   nameSuffix, labels + commonLabels, commonAnnotations, patchesJson6902, replicas, images,
   replacements, then ``transformers:``;
6. ``validators:``; 7. ``vars`` are collected.

At the top level only: the name hash, the name-reference fix-up, vars, dropping
``local-config`` objects (see ``build.py`` for sorting and final annotations).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace
from typing import Any

from tether import errors
from tether.kustomize import generators, kustfile, plugins, resource, smp, tconfig, yamlio
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.filters import build_metadata
from tether.kustomize.filters.affix import AffixFilter
from tether.kustomize.filters.hash import HashFilter
from tether.kustomize.filters.images import ImageFilter, check_entry
from tether.kustomize.filters.labels import MapEntriesFilter
from tether.kustomize.filters.nameref import NameRefFilter
from tether.kustomize.filters.namespace import NamespaceFilter
from tether.kustomize.filters.replicas import ReplicaFilter
from tether.kustomize.filters.vars import Var, VarsFilter
from tether.kustomize.loader import Loader, is_repo_url
from tether.kustomize.resmap import ResMap
from tether.kustomize.resource import Origin, ResId, Resource, from_object
from tether.kustomize.tconfig import TransformerConfig

__all__ = ["Accumulator", "KustTarget"]

Filter = plugins.Filter
ORIGIN_ANNOTATION = "config.kubernetes.io/origin"


@dataclass
class Accumulator:
    """Resources, transformer config and vars gathered so far."""

    resmap: ResMap = field(default_factory=ResMap)
    config: TransformerConfig = field(default_factory=lambda: tconfig.EMPTY_CONFIG)
    variables: list[Var] = field(default_factory=list)

    def merge(self, other: Accumulator) -> None:
        self.resmap.append_all(other.resmap)
        self.config = self.config.merge(other.config)
        self.merge_vars(other.variables)

    def merge_vars(self, incoming: list[Var]) -> None:
        known = {v.name for v in self.variables}
        for var in incoming:
            if var.name in known:
                raise errors.BuildError(f"var '{var.name}' already encountered")
            known.add(var.name)
            self.variables.append(var)


def parse_resources(
    content: bytes, *, source: str, cache: dict[bytes, list[Any]] | None = None
) -> list[Resource]:
    """Objects of a resource file: multi-document, ``*List`` kinds flattened."""
    if cache is not None and content in cache:
        docs = yamlio.clone(cache[content])
    else:
        docs = yamlio.load_all(content, source=source, string_keys=True)
        if cache is not None:
            cache[content] = yamlio.clone(docs)
    out: list[Resource] = []
    for doc in docs:
        _collect(doc, out, source=source)
    return out


def _collect(doc: Any, out: list[Resource], *, source: str) -> None:
    if doc is None or doc == {}:
        return
    if not isinstance(doc, dict):
        raise errors.BuildError(
            f"{source}: a resource must be a YAML mapping, not {type(doc).__name__}"
        )
    kind = doc.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list):
        for item in doc["items"]:
            _collect(item, out, source=source)
        return
    if not kind:
        raise errors.BuildError(f"{source}: missing Resource metadata: kind is required")
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not meta.get("name"):
        raise errors.BuildError(f"{source}: missing metadata.name in object of kind {kind}")
    out.append(from_object(doc, source=source))


class KustTarget:
    """One kustomization directory being built."""

    def __init__(
        self, loader: Loader, *, origin: Origin | None, build_metadata: list[str] | None = None
    ) -> None:
        self.loader = loader
        self.kust = kustfile.load_kustomization(loader)
        self.build_metadata = (
            build_metadata if build_metadata is not None else self.kust.strs("buildMetadata")
        )
        self.origin = origin if origin is not None else (Origin() if self.build_metadata else None)
        self.source = posixpath.join(loader.root, self.kust.file_name)
        self._load_openapi()

    def _load_openapi(self) -> None:
        """``openapi:`` sets the build's schema once (the top kustomization first)."""
        field_value = self.kust.smap("openapi")
        context = self.loader.context
        if not field_value or context.schema_set:
            return
        path, version = field_value.get("path"), field_value.get("version")
        if path and version:
            raise errors.BuildError(
                f"{self.source}: builtin version and custom schema provided, cannot use both"
            )
        context.schema_set = True
        if version:
            if version != smp.BUILTIN_VERSION:
                raise errors.BuildError(f"{self.source}: openapi version {version} not supported")
            return
        if path:
            text = self.loader.load(path).decode("utf-8", errors="replace")
            document = yamlio.load_one(text, source=path)
            if not isinstance(document, dict):
                raise errors.BuildError(f"{path}: an OpenAPI schema must be a mapping")
            context.schema = smp.Schema.custom(document, source=path)
            # Stays set until the build ends (builder.build resets it).
            resource.set_extra_scopes(dict(context.schema.namespace_scopes))

    # ------------------------------------------------------------------ top level
    def make_customized_resmap(self) -> ResMap:
        """The full build of this (top-level) kustomization, before sorting."""
        acc = self.accumulate(Accumulator())
        # The hash covers the final content, and must precede the name fix-up so that
        # references follow the hashed names.
        HashFilter()(acc.resmap)
        NameRefFilter(backrefs=acc.config.name_reference)(acc.resmap)
        VarsFilter(variables=tuple(acc.variables), field_specs=acc.config.var_reference)(acc.resmap)
        _drop_local_config(acc.resmap)
        return acc.resmap

    # ------------------------------------------------------------------ pipeline
    def accumulate(self, acc: Accumulator) -> Accumulator:
        """Steps 1-7 of the module docstring, on ``acc``."""
        self._accumulate_resources(acc, self.kust.resources)
        acc.config = acc.config.merge(self._transformer_config())
        self._run_generators(acc)
        for path in self.kust.strs("components"):
            self._accumulate_directory(acc, path, component=True)
        self._run_transformers(acc)
        self._run_validators(acc)
        self._merge_vars(acc)
        return acc

    def _transformer_config(self) -> TransformerConfig:
        config = tconfig.default_config()
        for path in self.kust.strs("configurations"):
            data = yamlio.load_one(self.loader.load(path), source=path)
            config = config.merge(tconfig.parse_config(data, source=path))
        if self.kust.strs("crds"):
            from tether.kustomize import crds

            config = config.merge(crds.config_from_crds(self.loader, self.kust.strs("crds")))
        return config

    def _accumulate_resources(self, acc: Accumulator, paths: list[str]) -> None:
        for path in paths:
            if is_repo_url(path) or self.loader.is_dir(path):
                self._accumulate_directory(acc, path, component=False)
            else:
                self._accumulate_file(acc, path)

    def _accumulate_file(self, acc: Accumulator, path: str) -> None:
        try:
            content = self.loader.load(path)
        except errors.BuildError as exc:
            raise errors.BuildError(
                f"{self.source}: accumulating resources: accumulation err='accumulating "
                f"resources from '{path}': {exc}'"
            ) from None
        resources = parse_resources(content, source=path, cache=self.loader.context.parsed)
        if self.origin is not None:
            origin = self.origin.append(path)
            for res in resources:
                res.origin = origin
        try:
            acc.resmap.append_all(resources)
        except errors.BuildError as exc:
            raise errors.BuildError(
                f"{self.source}: accumulating resources from '{path}': {exc}"
            ) from None

    def _accumulate_directory(self, acc: Accumulator, path: str, *, component: bool) -> None:
        child_loader = self.loader.child(path)
        child_origin = None
        if self.origin is not None:
            child_origin = self.origin.append(path)
            if child_loader.repo is not None:
                child_origin = Origin(
                    path=child_loader.repo.path.removeprefix(child_loader.repo.repo_root).strip("/")
                    or ".",
                    repo=child_loader.repo.repo,
                    ref=child_loader.repo.ref,
                )
        child = KustTarget(child_loader, origin=child_origin, build_metadata=self.build_metadata)
        if component and not child.kust.is_component:
            raise errors.BuildError(
                f"expected kind 'Component' for path '{child_loader.root}' but got "
                f"'{child.kust.kind}'"
            )
        if not component and child.kust.is_component:
            raise errors.BuildError(f"expected kind != 'Component' for path '{child_loader.root}'")
        if component:
            # A component works on the parent's own accumulator.
            child.accumulate(acc)
            return
        acc.merge(child.accumulate(Accumulator()))

    # ------------------------------------------------------------------ generators
    def _builtin_origin(self, kind: str) -> Origin | None:
        if self.origin is None:
            return None
        return Origin(
            repo=self.origin.repo,
            ref=self.origin.ref,
            configured_in=posixpath.normpath(posixpath.join(self.origin.path, self.kust.file_name)),
            configured_by={"apiVersion": "builtin", "kind": kind},
        )

    def _run_generators(self, acc: Accumulator) -> None:
        options = self.kust.mapping("generatorOptions")
        for field_name, kind in (
            ("configMapGenerator", "ConfigMap"),
            ("secretGenerator", "Secret"),
        ):
            origin = self._builtin_origin(f"{kind}Generator")
            for entry in self.kust.dicts(field_name):
                args = generators.GeneratorArgs.parse(kind, entry, source=self.source)
                args = _with_options(args, options)
                self._absorb(acc, generators.generate(args, self.loader), origin=origin)
        for config, loader, origin in self._plugin_configs(self.kust.strs("generators")):
            args = plugins.generator_args(config, source=self.source)
            self._absorb(acc, generators.generate(args, loader), origin=origin)

    def _absorb(self, acc: Accumulator, res: Resource, *, origin: Origin | None) -> None:
        if origin is not None and res.origin is None:
            res.origin = origin.copy()
        try:
            acc.resmap.absorb(res)
        except errors.BuildError as exc:
            raise errors.BuildError(f"{self.source}: merging from generator: {exc}") from None

    def _plugin_configs(
        self, entries: list[str]
    ) -> list[tuple[dict[str, Any], Loader, Origin | None]]:
        """Plugin configs named by ``generators:``/``transformers:`` (inline, files, dirs)."""
        acc = Accumulator()
        paths: list[str] = []
        for entry in entries:
            inline = _inline_objects(entry)
            if inline is None:
                paths.append(entry)
                continue
            for res in inline:
                if self.origin is not None:
                    res.origin = self.origin.append(self.kust.file_name)
                acc.resmap.append(res)
        self._accumulate_resources(acc, paths)
        out: list[tuple[dict[str, Any], Loader, Origin | None]] = []
        for res in acc.resmap:
            out.append((res.obj, self.loader, _custom_plugin_origin(res)))
        return out

    # ------------------------------------------------------------------ transformers
    def _builtin_transformers(self, config: TransformerConfig) -> list[tuple[Filter, str]]:
        """The kustomization's own fields, in kustomize's fixed order (order matters)."""
        k, ldr, src = self.kust, self.loader, self.source
        out: list[tuple[Filter, str]] = []
        if k.strs("patchesStrategicMerge"):
            out.append(
                (
                    plugins.strategic_filter(k.strs("patchesStrategicMerge"), ldr, source=src),
                    "PatchStrategicMergeTransformer",
                )
            )
        out += [
            (plugins.patch_filter(p, ldr, source=src), "PatchTransformer")
            for p in k.dicts("patches")
        ]
        if k.text("namespace"):
            out.append(
                (
                    NamespaceFilter(namespace=k.text("namespace"), field_specs=config.namespace),
                    "NamespaceTransformer",
                )
            )
        if k.text("namePrefix"):
            out.append(
                (
                    AffixFilter(field_specs=config.name_prefix, prefix=k.text("namePrefix")),
                    "PrefixTransformer",
                )
            )
        if k.text("nameSuffix"):
            out.append(
                (
                    AffixFilter(field_specs=config.name_suffix, suffix=k.text("nameSuffix")),
                    "SuffixTransformer",
                )
            )
        out += self._label_transformers(config)
        if k.smap("commonAnnotations"):
            out.append(
                (
                    MapEntriesFilter.of(k.smap("commonAnnotations"), config.common_annotations),
                    "AnnotationsTransformer",
                )
            )
        out += [
            (plugins.json6902_filter(p, ldr, source=src), "PatchJson6902Transformer")
            for p in k.dicts("patchesJson6902")
        ]
        out += [
            (_replica_filter(r, config, source=src), "ReplicaCountTransformer")
            for r in k.dicts("replicas")
        ]
        out += [
            (
                ImageFilter(entry=check_entry(i, source=src), field_specs=config.images),
                "ImageTagTransformer",
            )
            for i in k.images
        ]
        if k.dicts("replacements"):
            from tether.kustomize.filters import replacements

            out.append(
                (
                    replacements.from_entries(k.dicts("replacements"), ldr, source=src),
                    "ReplacementTransformer",
                )
            )
        return out

    def _label_transformers(self, config: TransformerConfig) -> list[tuple[Filter, str]]:
        out: list[tuple[Filter, str]] = []
        for entry in self.kust.dicts("labels"):
            out.append((_labels_filter(entry, config, source=self.source), "LabelTransformer"))
        if self.kust.smap("commonLabels") or self.kust.dicts("labels"):
            out.append(
                (
                    MapEntriesFilter.of(self.kust.smap("commonLabels"), config.common_labels),
                    "LabelTransformer",
                )
            )
        return out

    def _run_transformers(self, acc: Accumulator) -> None:
        steps: list[tuple[Filter, Origin | None]] = [
            (f, self._builtin_origin(kind)) for f, kind in self._builtin_transformers(acc.config)
        ]
        for config, loader, origin in self._plugin_configs(self.kust.strs("transformers")):
            for f in plugins.transformer_filters(config, loader, source=self.source):
                steps.append((f, origin))
        for step, origin in steps:
            try:
                step(acc.resmap)
            except errors.BuildError as exc:
                raise _in_file(exc, self.source) from exc
            acc.resmap.invalidate()
            if origin is not None:
                build_metadata.RecordTransformation(origin=origin)(acc.resmap)

    def _run_validators(self, acc: Accumulator) -> None:
        for config, loader, _ in self._plugin_configs(self.kust.strs("validators")):
            for f in plugins.transformer_filters(config, loader, source=self.source):
                before = yamlio.dump_all(acc.resmap.objects())
                trial = acc.resmap.copy()
                f(trial)
                if yamlio.dump_all(trial.objects()) != before:
                    raise errors.BuildError(
                        f"{self.source}: validator shouldn't modify the resource map"
                    )

    def _merge_vars(self, acc: Accumulator) -> None:
        incoming = [Var.parse(v, source=self.source) for v in self.kust.dicts("vars")]
        for var in incoming:
            ref = var.objref
            namespaced = bool(ref.namespace) or ref.gvk.cluster_scoped
            found = [
                r
                for r in acc.resmap
                if any(_var_matches(i, ref, exact=namespaced) for i in r.all_ids())
            ]
            if len(found) > 1:
                raise errors.BuildError(
                    f"found {len(found)} resId matches for var {var.name} (unable to disambiguate)"
                )
            if found:
                found[0].ref_var_names.append(var.name)
        acc.merge_vars(incoming)


def _in_file(exc: errors.BuildError, source: str) -> errors.BuildError:
    """The same error, naming the kustomization file when it does not already."""
    if source in str(exc):
        return exc
    return type(exc)(f"{source}: {exc}", hint=exc.hint)


def _var_matches(rid: ResId, ref: ResId, *, exact: bool) -> bool:
    return rid.equals(ref) if exact else rid.gvkn_equals(ref)


def _with_options(
    args: generators.GeneratorArgs, options: dict[str, Any] | None
) -> generators.GeneratorArgs:
    return replace(args, options=generators.merge_options(args.options, options))


def _replica_filter(entry: dict[str, Any], config: TransformerConfig, *, source: str) -> Filter:
    count = entry.get("count", 0)
    if not isinstance(count, int) or isinstance(count, bool):
        raise errors.BuildError(f"{source}: replicas count must be an integer")
    return ReplicaFilter(
        name=str(entry.get("name") or ""), count=count, field_specs=config.replicas
    )


def _labels_filter(entry: dict[str, Any], config: TransformerConfig, *, source: str) -> Filter:
    unknown = set(entry) - {"pairs", "includeSelectors", "includeTemplates", "fields"}
    if unknown:
        raise errors.BuildError(f"{source}: unknown labels field(s) {sorted(unknown)}")
    specs = tconfig.merge_fs(
        tuple(plugins.field_spec(f, source=source) for f in entry.get("fields") or []),
        config.labels,
    )
    if entry.get("includeSelectors"):
        specs = tconfig.merge_fs(specs, config.common_labels)
    else:
        if entry.get("includeTemplates"):
            specs = tconfig.merge_fs(specs, config.template_labels)
        specs = tconfig.merge_fs(specs, (FieldSpec(path="metadata/labels", create=True),))
    pairs = {str(k): "" if v is None else str(v) for k, v in (entry.get("pairs") or {}).items()}
    return MapEntriesFilter.of(pairs, specs)


def _inline_objects(entry: str) -> list[Resource] | None:
    if "\n" not in entry.strip() and ": " not in entry:
        return None
    try:
        docs = yamlio.load_all(entry, source="inline")
    except errors.BuildError:
        return None
    if not docs or not all(isinstance(d, dict) for d in docs):
        return None
    out: list[Resource] = []
    for doc in docs:
        _collect(doc, out, source="inline")
    return out


def _custom_plugin_origin(res: Resource) -> Origin | None:
    if res.origin is None:
        return None
    by = {
        "apiVersion": res.api_version,
        "kind": res.kind,
        "name": res.name,
        "namespace": res.namespace,
    }
    return Origin(
        repo=res.origin.repo, ref=res.origin.ref, configured_in=res.origin.path, configured_by=by
    )


def _drop_local_config(rm: ResMap) -> None:
    doomed = [r for r in rm if r.annotations().get("config.kubernetes.io/local-config") == "true"]
    rm.remove_all(doomed)
