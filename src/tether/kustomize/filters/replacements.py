"""replacements: copy one field's value into fields of other objects.

A replacement has a source (an object picked by exact gvk/name/namespace among its current
and previous ids, plus a dotted ``fieldPath``; default ``metadata.name``) or a literal
``sourceValue``, and targets (``select``/``reject`` by regular expression, label and
annotation selectors, and ``fieldPaths``). Paths are dotted, with ``[key=value]`` list
filters, ``*`` for every element, and numeric indexes; ``options.create`` creates what is
missing; ``options.delimiter``/``index`` replace one part of a delimited string.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from tether import errors
from tether.kustomize import yamlio
from tether.kustomize.filters import structured
from tether.kustomize.filters.paths import lookup as lookup
from tether.kustomize.filters.paths import matches, scalar_text, split_path
from tether.kustomize.loader import Loader
from tether.kustomize.resmap import ResMap
from tether.kustomize.resource import Gvk, ResId, Resource
from tether.kustomize.selector import Selector

_DEFAULT_PATH = "metadata.name"


@dataclass(frozen=True)
class _Options:
    delimiter: str = ""
    index: int = 0
    create: bool = False
    encoding: str = ""

    @staticmethod
    def parse(data: Any, *, source: str) -> _Options:
        if data is None:
            return _Options()
        if not isinstance(data, dict):
            raise errors.BuildError(f"{source}: replacement options must be a mapping")
        unknown = set(data) - {"delimiter", "index", "create", "encoding"}
        if unknown:
            raise errors.BuildError(f"{source}: unknown replacement option(s) {sorted(unknown)}")
        return _Options(
            str(data.get("delimiter") or ""),
            int(data.get("index") or 0),
            bool(data.get("create")),
            str(data.get("encoding") or ""),
        )


@dataclass(frozen=True)
class _Target:
    select: Selector
    rejects: tuple[Selector, ...]
    field_paths: tuple[str, ...]
    options: _Options


@dataclass(frozen=True)
class Replacement:
    """One replacement: a source (or literal value) and its targets."""

    source_id: ResId | None
    source_path: str
    source_options: _Options
    source_value: str | None
    targets: tuple[_Target, ...]


def _selector(data: Any, *, source: str) -> Selector:
    return Selector.parse(data or {}, source=source)


def _parse_target(data: Any, *, source: str) -> _Target:
    if not isinstance(data, dict):
        raise errors.BuildError(f"{source}: a replacement target must be a mapping")
    if data.get("select") is None:
        raise errors.BuildError(f"{source}: target must specify resources to select")
    rejects = tuple(_selector(r, source=source) for r in data.get("reject") or [])
    paths = tuple(str(p) for p in data.get("fieldPaths") or [_DEFAULT_PATH])
    return _Target(
        _selector(data["select"], source=source),
        rejects,
        paths,
        _Options.parse(data.get("options"), source=source),
    )


def parse_replacement(data: Any, *, source: str) -> Replacement:
    """One replacement mapping, checked."""
    if not isinstance(data, dict):
        raise errors.BuildError(f"{source}: a replacement must be a mapping")
    unknown = set(data) - {"source", "sourceValue", "targets"}
    if unknown:
        raise errors.BuildError(f"{source}: unknown replacement field(s) {sorted(unknown)}")
    src, value = data.get("source"), data.get("sourceValue")
    if (src is None and value is None) or data.get("targets") is None:
        raise errors.BuildError(
            f"{source}: replacements must specify a source and at least one target"
        )
    if src is not None and value is not None:
        raise errors.BuildError(f"{source}: value and resource selectors are mutually exclusive")
    targets = tuple(_parse_target(t, source=source) for t in data["targets"])
    if src is None:
        return Replacement(None, "", _Options(), scalar_text(value), targets)
    if not isinstance(src, dict):
        raise errors.BuildError(f"{source}: a replacement source must be a mapping")
    gvk = Gvk(
        str(src.get("group") or ""), str(src.get("version") or ""), str(src.get("kind") or "")
    )
    rid = ResId(gvk, str(src.get("name") or ""), str(src.get("namespace") or ""))
    return Replacement(
        rid,
        str(src.get("fieldPath") or _DEFAULT_PATH),
        _Options.parse(src.get("options"), source=source),
        None,
        targets,
    )


def from_entries(items: Any, loader: Loader, *, source: str) -> ReplacementFilter:
    """Replacements from kustomization entries (inline or ``path:`` files)."""
    if not isinstance(items, list):
        raise errors.BuildError(f"{source}: replacements must be a list")
    out: list[Replacement] = []
    for item in items:
        if isinstance(item, dict) and item.get("path"):
            if item.get("source") is not None or item.get("targets"):
                raise errors.BuildError(
                    f"{source}: cannot specify both path and inline replacement"
                )
            path = str(item["path"])
            loaded = yamlio.load_one(loader.load(path), source=path)
            docs = loaded if isinstance(loaded, list) else [loaded]
            if not isinstance(loaded, list | dict):
                raise errors.BuildError(f"{path}: unsupported replacement type")
            out.extend(parse_replacement(d, source=path) for d in docs)
        else:
            out.append(parse_replacement(item, source=source))
    return ReplacementFilter(replacements=tuple(out))


def _selected_by(rid: ResId, sel: ResId) -> bool:
    return (
        (not sel.name or sel.name == rid.name)
        and (not sel.namespace or sel.effective_namespace == rid.effective_namespace)
        and rid.gvk.is_selected(sel.gvk)
    )


@dataclass(frozen=True)
class ReplacementFilter:
    """Apply replacements in order."""

    replacements: tuple[Replacement, ...]

    def __call__(self, rm: ResMap) -> None:
        for rep in self.replacements:
            value = self._value(rep, rm.resources)
            for target in rep.targets:
                self._apply(target, value=value, resources=rm.resources)
        rm.invalidate()

    def _value(self, rep: Replacement, resources: list[Resource]) -> Any:
        if rep.source_id is None:
            return rep.source_value
        found = [r for r in resources if any(_selected_by(i, rep.source_id) for i in r.all_ids())]
        if not found:
            raise errors.BuildError(f"nothing selected by {rep.source_id}")
        if len(found) > 1:
            raise errors.BuildError(f"multiple matches for selector {rep.source_id}")
        value = lookup(found[0].obj, split_path(rep.source_path))
        if value is None or value == {} or value == []:
            raise errors.BuildError(
                f"fieldPath `{rep.source_path}` is missing for replacement source {rep.source_id}"
            )
        opts = rep.source_options
        if opts.delimiter:
            if isinstance(value, dict | list):
                raise errors.BuildError("delimiter option can only be used with scalar nodes")
            parts = scalar_text(value).split(opts.delimiter)
            if not 0 <= opts.index < len(parts):
                raise errors.BuildError(
                    f"options.index {opts.index} is out of bounds for value {value}"
                )
            return parts[opts.index]
        return value

    def _apply(self, target: _Target, *, value: Any, resources: list[Resource]) -> None:
        for res in resources:
            if not target.select.matches_meta(res):
                continue
            if any(
                (r.label_selector or r.annotation_selector) and r.matches_meta(res)
                for r in target.rejects
            ):
                continue
            ids = res.all_ids()
            if any(r.has_id and any(r.matches_id(i) for i in ids) for r in target.rejects):
                continue
            if any(target.select.matches_id(i) for i in ids):
                self._copy(res, value=value, target=target)

    def _copy(self, res: Resource, *, value: Any, target: _Target) -> None:
        for path in target.field_paths:
            parts = split_path(path)
            # kustomize first looks for JSON/YAML text inside a string field on the way.
            if structured.replace_in_text(
                res.obj, parts, value=value, create=target.options.create
            ):
                continue
            hits = matches(res.obj, parts, create=target.options.create, leaf=value)
            if not hits:
                verb = "find or create" if target.options.create else "find"
                raise errors.BuildError(
                    f'unable to {verb} field "{path}" in replacement target {res.cur_id}'
                )
            for parent, key in hits:
                parent[key] = _new_value(parent[key], value, opts=target.options)


def _new_value(old: Any, value: Any, *, opts: _Options) -> Any:
    if opts.delimiter:
        if isinstance(old, dict | list):
            raise errors.BuildError("delimiter option can only be used with scalar nodes")
        parts = scalar_text(old).split(opts.delimiter)
        text = scalar_text(value)
        if opts.index < 0:
            parts.insert(0, text)
        elif opts.index >= len(parts):
            parts.append(text)
        else:
            parts[opts.index] = text
        value = opts.delimiter.join(parts)
    if opts.encoding == "base64" and not isinstance(value, dict | list):
        value = base64.b64encode(scalar_text(value).encode()).decode()
    if isinstance(value, dict | list):
        return yamlio.clone(value)
    text = scalar_text(value)
    if isinstance(old, str):
        # kustomize keeps the target's node (and tag) and only replaces its text.
        return text
    try:
        typed = yamlio.load_one(text, source="replacement") if text else ""
    except errors.BuildError:
        return text
    return typed if not isinstance(typed, dict | list) and typed is not None else text
