"""Patches: ``patches``, ``patchesStrategicMerge`` and ``patchesJson6902``.

A patch text is parsed the way kustomize does: as YAML documents it is a list of strategic
merge patches (each names its own target by gvk + name + namespace); otherwise, as a JSON
(or YAML) list of operations, it is a JSON 6902 patch, which needs a ``target``. With a
``target``, a strategic merge patch applies to every selected object and the name inside it
is ignored. After a strategic merge patch the object's name, kind and namespace are put
back unless ``options.allowNameChange``/``allowKindChange`` say otherwise. A patch whose
result is ``$patch: delete`` removes the object.

Strategic merge itself lives in ``tether.kustomize.smp`` (with its OpenAPI merge keys);
JSON 6902 uses the ``jsonpatch`` library. This module only parses, selects and dispatches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import jsonpatch

from tether import errors
from tether.kustomize import smp, yamlio
from tether.kustomize.loader import BuildContext
from tether.kustomize.resmap import ResMap
from tether.kustomize.resource import Gvk, ResId, Resource
from tether.kustomize.selector import Selector

__all__ = ["Json6902Filter", "ParsedPatch", "PatchFilter", "StrategicMergeFilter", "parse_patch"]


@dataclass(frozen=True)
class ParsedPatch:
    """A patch text parsed as strategic-merge documents or as JSON 6902 operations."""

    source: str
    strategic: tuple[dict[str, Any], ...] = ()
    operations: tuple[dict[str, Any], ...] = ()


def _flatten(docs: list[Any], *, source: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise errors.BuildError(f"{source}: not a strategic merge patch")
        if isinstance(doc.get("kind"), str) and doc["kind"].endswith("List") and "items" in doc:
            out.extend(_flatten(list(doc.get("items") or []), source=source))
        elif doc:
            out.append(doc)
    return out


def _json_ops(text: str, *, source: str) -> list[dict[str, Any]]:
    if not text.strip():
        raise errors.BuildError(f"{source}: empty json patch operations")
    if text.lstrip().startswith("["):
        try:
            ops = json.loads(text)
        except json.JSONDecodeError:
            ops = yamlio.load_one(text, source=source, yaml11=True)
    else:
        # kustomize converts YAML operations with sigs.k8s.io/yaml (YAML 1.1 booleans).
        ops = yamlio.load_one(text, source=source, yaml11=True)
    if not isinstance(ops, list) or not all(isinstance(op, dict) for op in ops):
        raise errors.BuildError(f"{source}: not a JSON 6902 patch (a list of operations)")
    for op in ops:
        if op.get("op") not in ("add", "remove", "replace", "move", "copy", "test"):
            raise errors.BuildError(f"{source}: unexpected JSON patch operation {op.get('op')!r}")
    return ops


def parse_patch(text: str, *, source: str) -> ParsedPatch:
    """Parse as strategic merge first, else as JSON 6902 (kustomize's order)."""
    try:
        docs = _flatten(yamlio.load_all(text, source=source), source=source)
        return ParsedPatch(source=source, strategic=tuple(docs))
    except errors.BuildError as sm_error:
        try:
            return ParsedPatch(source=source, operations=tuple(_json_ops(text, source=source)))
        except errors.BuildError:
            raise errors.BuildError(
                f"unable to parse SM or JSON patch from {source}: {sm_error}"
            ) from None


def _patch_id(patch: dict[str, Any]) -> ResId:
    meta = patch.get("metadata") or {}
    gvk = Gvk.from_api_version(str(patch.get("apiVersion") or ""), str(patch.get("kind") or ""))
    return ResId(gvk, str(meta.get("name") or ""), str(meta.get("namespace") or ""))


def find_one(rm: ResMap, rid: ResId, *, what: str) -> Resource:
    """The single resource having ``rid`` as any of its ids."""
    found = rm.by_any_id(rid)
    if len(found) == 1:
        return found[0]
    kind = "multiple matches" if found else "no matches"
    raise errors.BuildError(f"{kind} for Id {rid}; failed to find unique target for {what}")


def apply_strategic(
    res: Resource,
    patch: dict[str, Any],
    *,
    allow_name: bool = False,
    allow_kind: bool = False,
    schema: smp.Schema | None = None,
) -> bool:
    """Patch one object in place; False when the patch deleted it."""
    name, namespace, kind = res.name, res.namespace, res.kind
    if allow_name or allow_kind:
        res.store_previous_id()
    # kustomize gives the patch the target's apiVersion (keeping the patch's kind).
    if "apiVersion" in patch and patch["apiVersion"] != res.api_version:
        patch = {**patch, "apiVersion": res.api_version}
    merged = smp.merge(res.obj, patch, api_version=res.api_version, kind=kind, schema=schema)
    if not merged:
        return False
    res.obj = merged
    if not allow_kind:
        res.obj["kind"] = kind
    if not allow_name:
        res.set_name(name)
    if namespace:
        res.set_namespace(namespace)
    elif isinstance(res.obj.get("metadata"), dict):
        res.obj["metadata"].pop("namespace", None)
    return True


def _apply_to(
    rm: ResMap,
    targets: list[Resource],
    *,
    patch: dict[str, Any],
    allow_name: bool = False,
    allow_kind: bool = False,
    context: BuildContext | None = None,
) -> None:
    schema = context.schema if context is not None else None
    doomed = [
        t
        for t in targets
        if not apply_strategic(
            t, patch, allow_name=allow_name, allow_kind=allow_kind, schema=schema
        )
    ]
    rm.remove_all(doomed)
    rm.invalidate()


def apply_json6902(res: Resource, operations: tuple[dict[str, Any], ...], *, source: str) -> None:
    """Apply JSON 6902 operations to one object in place."""
    meta = res.obj.get("metadata")
    if isinstance(meta, dict) and "annotations" not in meta and res.has_bookkeeping():
        # kustomize keeps its bookkeeping as annotations, so such an object always has an
        # annotations map that a patch can add into (emptied again afterwards).
        meta["annotations"] = {}
    try:
        res.obj = jsonpatch.JsonPatch(list(operations)).apply(res.obj, in_place=True)
        _reset_annotations(res)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise errors.BuildError(f"{source}: {exc} (target {res.cur_id})") from exc
    except (KeyError, IndexError, TypeError) as exc:
        raise errors.BuildError(
            f"{source}: cannot apply JSON patch to {res.cur_id}: {exc}"
        ) from exc


def _reset_annotations(res: Resource) -> None:
    """kustomize re-sets the annotations after a JSON patch: a non-map or empty map goes."""
    meta = res.obj.get("metadata")
    if not isinstance(meta, dict) or "annotations" not in meta:
        return
    annotations = meta["annotations"]
    if not isinstance(annotations, dict) or not annotations:
        del meta["annotations"]
    else:
        meta["annotations"] = {
            str(k): v if isinstance(v, str) else yamlio_text(v) for k, v in annotations.items()
        }


def yamlio_text(value: Any) -> str:
    """A scalar's text as kyaml reads annotation values."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@dataclass(frozen=True)
class PatchFilter:
    """One ``patches`` entry."""

    patch: ParsedPatch
    target: Selector | None = None
    allow_name_change: bool = False
    allow_kind_change: bool = False
    context: BuildContext | None = None

    def __call__(self, rm: ResMap) -> None:
        if self.patch.strategic:
            self._strategic(rm)
        elif self.patch.operations:
            if self.target is None:
                raise errors.BuildError(f"must specify a target for JSON patch {self.patch.source}")
            for res in self.target.select(rm.resources):
                res.store_previous_id()
                apply_json6902(res, self.patch.operations, source=self.patch.source)
            rm.invalidate()

    def _strategic(self, rm: ResMap) -> None:
        opts: dict[str, Any] = {
            "allow_name": self.allow_name_change,
            "allow_kind": self.allow_kind_change,
            "context": self.context,
        }
        if self.target is not None:
            if len(self.patch.strategic) > 1:
                raise errors.BuildError(
                    "Multiple Strategic-Merge Patches in one `patches` entry is not allowed "
                    f"to set `patches.target` field: {self.patch.source}"
                )
            _apply_to(rm, self.target.select(rm.resources), patch=self.patch.strategic[0], **opts)
            return
        for patch in self.patch.strategic:
            target = find_one(rm, _patch_id(patch), what=f"patch {self.patch.source}")
            _apply_to(rm, [target], patch=patch, **opts)


@dataclass(frozen=True)
class StrategicMergeFilter:
    """``patchesStrategicMerge``: each document patches the object it names."""

    patches: tuple[dict[str, Any], ...] = field(default=())
    source: str = "patchesStrategicMerge"
    context: BuildContext | None = None

    def __call__(self, rm: ResMap) -> None:
        for patch in self.patches:
            target = find_one(rm, _patch_id(patch), what=f"patch {self.source}")
            _apply_to(rm, [target], patch=patch, context=self.context)


@dataclass(frozen=True)
class Json6902Filter:
    """``patchesJson6902``: operations applied to every selected object."""

    target: Selector
    operations: tuple[dict[str, Any], ...]
    source: str = "patchesJson6902"

    def __call__(self, rm: ResMap) -> None:
        for res in self.target.select(rm.resources):
            apply_json6902(res, self.operations, source=self.source)
        rm.invalidate()


def parse_patch_docs(docs: list[Any], *, source: str) -> list[dict[str, Any]]:
    """Strategic merge patch documents (``List`` kinds flattened, empty ones dropped)."""
    return _flatten(docs, source=source)


def parse_json_ops(text: str, *, source: str) -> list[dict[str, Any]]:
    """JSON 6902 operations from JSON or YAML text."""
    return _json_ops(text, source=source)
