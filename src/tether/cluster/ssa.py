"""Server-side apply in stages, with drift detection — Flux's ResourceManager semantics.

Design (fluxcd/pkg ssa): every object goes GET → server-side *dry-run* apply → compare the
dry-run result with the live object (labels, annotations and everything but metadata and
status) → a real apply only when the object is new or has drifted, so an unchanged object keeps
its resourceVersion and a no-op reconcile writes nothing. Objects are applied in stages so
that what others depend on exists first: (1) CRDs, Namespaces, ClusterRoles and
ClusterRoleBindings, then a wait until the CRDs are Established and the Namespaces Active;
(2) kinds named ``*Class`` (StorageClass, IngressClass...), then a wait; (3) custom stage
kinds; (4) everything else. Within a stage objects are applied concurrently under a bound.
The field manager is ``kustomize-controller`` (Flux's), forced, so ownership carries over
from Flux. Per-object marks: ``kustomize.toolkit.fluxcd.io/ssa: Ignore`` (never applied),
``IfNotPresent`` (created only), ``Merge`` (no managed-field cleanup), and
``kustomize.toolkit.fluxcd.io/force: Enabled`` (delete and recreate on an immutable-field
error, as ``spec.force`` does for all objects). Failures are collected for the whole stage
and raised once as one ``ApplyFailure`` (an ``ApplyError``) naming every ``Kind/ns/name``;
it carries the partial change set so the caller can still record what was applied.
"""

from __future__ import annotations

import asyncio
import copy
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tether import errors
from tether.cluster import health, ignore, ownership
from tether.cluster.changeset import Action, ChangeSet, ChangeSetEntry, ObjectRef
from tether.cluster.client import KubeClient, Obj

__all__ = [
    "FIELD_MANAGER",
    "ApplyFailure",
    "ApplyOptions",
    "FieldManager",
    "apply_all",
    "apply_all_staged",
    "cleanup_patch",
    "has_drifted",
    "stages",
]

FIELD_MANAGER = "kustomize-controller"


@dataclass(frozen=True)
class FieldManager:
    """A managed-fields owner (name prefix + operation) whose entries cleanup removes."""

    name: str
    operation: str
    """``Apply`` or ``Update``."""


_CLEANUP_MANAGERS = (
    FieldManager("kubectl", "Apply"),
    FieldManager("kubectl", "Update"),
    FieldManager("before-first-apply", "Update"),
    FieldManager(FIELD_MANAGER, "Update"),
)
_CLEANUP_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)


@dataclass(frozen=True)
class ApplyOptions:
    """How to apply a set of objects."""

    field_manager: str = FIELD_MANAGER
    force: bool = False
    """Recreate any object whose change hits an immutable field (``spec.force``)."""
    wait_timeout: float = 60.0
    """Budget for CRDs/Namespaces/classes to become ready between stages."""
    wait_interval: float = 0.5
    concurrency: int = 16
    """How many objects are dry-run/applied at once within a stage."""
    list_threshold: int = 16
    """Read live objects with one LIST per kind and namespace when a stage holds at least
    this many of them (instead of one GET each); 0 disables."""
    cleanup_managers: tuple[FieldManager, ...] = _CLEANUP_MANAGERS
    cleanup_annotations: tuple[str, ...] = _CLEANUP_ANNOTATIONS
    custom_stage_kinds: frozenset[str] = field(default_factory=frozenset)
    ignore_rules: tuple[ignore.IgnoreRule, ...] = ()
    """Drift-ignore rules (``spec.ignore``): matching paths follow the cluster."""


class ApplyFailure(errors.ApplyError):
    """An ApplyError that also carries what was applied before the failure."""

    def __init__(self, message: str, *, changeset: ChangeSet) -> None:
        super().__init__(message)
        self.changeset = changeset


class _ObjectError(Exception):
    """One object's failure inside a stage (collected, then raised as ApplyFailure)."""


_DEFINITIONS = {
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("", "Namespace"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
}
_RANK = {
    "CustomResourceDefinition": 0, "Namespace": 1, "ResourceQuota": 2, "LimitRange": 3,
    "PodSecurityPolicy": 4, "ServiceAccount": 5, "Secret": 6, "ConfigMap": 7,
    "StorageClass": 8, "PersistentVolume": 9, "PersistentVolumeClaim": 10,
    "ClusterRole": 11, "ClusterRoleBinding": 12, "Role": 13, "RoleBinding": 14,
    "Service": 15, "Ingress": 90, "MutatingWebhookConfiguration": 95,
    "ValidatingWebhookConfiguration": 96,
}
_WAIT_KINDS = {"CustomResourceDefinition", "Namespace"}
_IMMUTABLE = re.compile(r"is\simmutable|immutable\sfield", re.IGNORECASE)


def _sort_key(obj: Mapping[str, Any]) -> tuple[int, str]:
    return (_RANK.get(str(obj.get("kind")), 50), ObjectRef.from_object(obj).subject)


def stages(
    objs: Iterable[Obj], *, custom_kinds: frozenset[str] = frozenset()
) -> list[list[Obj]]:
    """Split objects into the four apply stages (empty stages included), each sorted."""
    out: list[list[Obj]] = [[], [], [], []]
    for obj in objs:
        ref = ObjectRef.from_object(obj)
        if (ref.group, ref.kind) in _DEFINITIONS:
            out[0].append(obj)
        elif ref.kind.endswith("Class"):
            out[1].append(obj)
        elif ref.kind in custom_kinds:
            out[2].append(obj)
        else:
            out[3].append(obj)
    return [sorted(stage, key=_sort_key) for stage in out]


def _without_server_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def has_drifted(live: Mapping[str, Any], dry_run: Mapping[str, Any]) -> bool:
    """True when applying would change labels, annotations, or anything outside metadata."""
    live_meta = live.get("metadata") or {}
    dry_meta = dry_run.get("metadata") or {}
    for key in ("labels", "annotations"):
        if (live_meta.get(key) or {}) != (dry_meta.get(key) or {}):
            return True
    return _without_server_fields(live) != _without_server_fields(dry_run)


def _is_immutable(exc: errors.ClusterError) -> bool:
    return exc.status in (409, 422) or bool(_IMMUTABLE.search(str(exc)))


def _detail(exc: errors.GitOpsError) -> str:
    """The server's message without our ``<verb> Kind/ns/name:`` prefix."""
    text = exc.one_line()
    return text.split(": ", 1)[1] if ": " in text else text


async def _normalize(client: KubeClient, obj: Obj) -> Obj:
    """Check the kind is served; drop a namespace on cluster-scoped objects."""
    ref = ObjectRef.from_object(obj)
    if not ref.name or not ref.kind or not obj.get("apiVersion"):
        raise _ObjectError(f"{ref.subject or '<unnamed>'}: apiVersion, kind and "
                           "metadata.name are required")
    try:
        res = await client.resource(str(obj["apiVersion"]), ref.kind)
    except errors.NotFoundError as exc:
        raise _ObjectError(f"{ref.subject}: {exc.one_line()}") from exc
    if res.namespaced and not ref.namespace:
        raise _ObjectError(f"{ref.subject}: namespace not specified")
    if not res.namespaced and ref.namespace:
        obj = copy.deepcopy(obj)
        del obj["metadata"]["namespace"]
    return obj


async def _get_live(client: KubeClient, obj: Obj) -> Obj | None:
    ref = ObjectRef.from_object(obj)
    return await client.get_or_none(str(obj["apiVersion"]), ref.kind, ref.name,
                                    ref.namespace or None)


def cleanup_patch(live: Mapping[str, Any], opts: ApplyOptions) -> list[dict[str, Any]]:
    """JSON patch dropping other tools' managed fields and kubectl's last-applied mark."""
    meta = live.get("metadata") or {}
    patch: list[dict[str, Any]] = []
    entries = meta.get("managedFields") or []
    kept = [e for e in entries if not any(
        str(e.get("manager", "")).startswith(m.name) and e.get("operation") == m.operation
        and not e.get("subresource") for m in opts.cleanup_managers)]
    if len(kept) != len(entries):
        patch.append({"op": "replace", "path": "/metadata/managedFields",
                      "value": kept or [{}]})
    for key in opts.cleanup_annotations:
        if key in (meta.get("annotations") or {}):
            path = "/metadata/annotations/" + key.replace("~", "~0").replace("/", "~1")
            patch.append({"op": "remove", "path": path})
    return patch


async def _recreate(client: KubeClient, obj: Obj, live: Obj, opts: ApplyOptions) -> None:
    """Delete ``live`` (immutable change, force opted in), wait until gone, apply ``obj``."""
    ref = ObjectRef.from_object(obj)
    meta = live.get("metadata") or {}
    await client.delete(str(obj["apiVersion"]), ref.kind, ref.name,
                        namespace=ref.namespace or None, uid=meta.get("uid"))
    deadline = time.monotonic() + opts.wait_timeout
    while await _get_live(client, obj) is not None:
        if time.monotonic() >= deadline:
            raise _ObjectError(f"{ref.subject}: immutable field changed and the old object "
                               f"was not deleted within {opts.wait_timeout:.0f}s")
        await asyncio.sleep(opts.wait_interval)
    await client.apply(obj, field_manager=opts.field_manager, force=True)


_GroupKey = tuple[str, str, str]


class _Prefetched:
    """Live objects read by LIST for large groups (apiVersion, kind, namespace)."""

    def __init__(self) -> None:
        self.groups: set[_GroupKey] = set()
        self.objects: dict[tuple[_GroupKey, str], Obj] = {}

    def lookup(self, obj: Obj) -> tuple[bool, Obj | None]:
        """(known, live): known is False when the object's group was not listed."""
        ref = ObjectRef.from_object(obj)
        group = (str(obj.get("apiVersion")), ref.kind, ref.namespace)
        if group not in self.groups:
            return False, None
        return True, self.objects.get((group, ref.name))


async def _prefetch(client: KubeClient, objs: Sequence[Obj], opts: ApplyOptions) -> _Prefetched:
    """LIST each large group once, so a no-op over many objects costs ~one request each."""
    found = _Prefetched()
    if opts.list_threshold <= 0:
        return found
    sizes: dict[_GroupKey, int] = {}
    for obj in objs:
        ref = ObjectRef.from_object(obj)
        key = (str(obj.get("apiVersion")), ref.kind, ref.namespace)
        sizes[key] = sizes.get(key, 0) + 1
    for key, size in sizes.items():
        if size < opts.list_threshold or not key[2]:
            continue
        try:
            items, _ = await client.list(key[0], key[1], namespace=key[2])
        except errors.ClusterError:
            continue  # fall back to one GET per object (e.g. the kind is not served yet)
        found.groups.add(key)
        for item in items:
            found.objects[(key, str((item.get("metadata") or {}).get("name")))] = item
    return found


async def _apply_one(
    client: KubeClient, obj: Obj, opts: ApplyOptions, prefetched: _Prefetched
) -> ChangeSetEntry:
    """Apply one object if new or drifted; return what happened."""
    obj = await _normalize(client, obj)
    ref = ObjectRef.from_object(obj)
    known, live = prefetched.lookup(obj)
    if not known:
        live = await _get_live(client, obj)
    ignored = any(ownership.mark_is(o, ownership.SSA_KEY, "ignore") for o in (obj, live))
    if ignored or ownership.mark_is(live, ownership.RECONCILE_KEY, "disabled"):
        return ChangeSetEntry(ref, Action.SKIPPED)
    if live is not None and ownership.mark_is(obj, ownership.SSA_KEY, "ifnotpresent"):
        return ChangeSetEntry(ref, Action.SKIPPED)
    if opts.ignore_rules:
        obj = ignore.apply_rules(obj, live, opts.ignore_rules)
    try:
        dry_run = await client.apply(obj, field_manager=opts.field_manager, dry_run=True)
    except errors.ClusterError as exc:
        forced = opts.force or ownership.mark_is(obj, ownership.FORCE_KEY, "enabled")
        if live is not None and forced and _is_immutable(exc):
            await _recreate(client, obj, live, opts)
            return ChangeSetEntry(ref, Action.CREATED)
        raise _ObjectError(f"{ref.subject} dry-run failed: {_detail(exc)}") from exc
    if live is not None and not has_drifted(live, dry_run):
        return ChangeSetEntry(ref, Action.UNCHANGED)
    if live is not None and not ownership.mark_is(obj, ownership.SSA_KEY, "merge"):
        patch = cleanup_patch(live, opts)
        if patch:
            await client.patch(str(obj["apiVersion"]), ref.kind, ref.name, patch,
                               namespace=ref.namespace or None, patch_type="json")
    await client.apply(obj, field_manager=opts.field_manager, force=True)
    return ChangeSetEntry(ref, Action.CREATED if live is None else Action.CONFIGURED)


async def apply_all(
    client: KubeClient, objs: Sequence[Obj], *, opts: ApplyOptions
) -> ChangeSet:
    """Apply one stage concurrently; raise ApplyFailure listing every failed object."""
    gate = asyncio.Semaphore(max(1, opts.concurrency))
    prefetched = await _prefetch(client, objs, opts)

    async def one(obj: Obj) -> ChangeSetEntry | str:
        async with gate:
            try:
                return await _apply_one(client, obj, opts, prefetched)
            except _ObjectError as exc:
                return str(exc)
            except errors.GitOpsError as exc:
                return f"{ObjectRef.from_object(obj).subject} apply failed: {_detail(exc)}"

    results = await asyncio.gather(*(one(o) for o in objs))
    done = ChangeSet.of(r for r in results if isinstance(r, ChangeSetEntry))
    failures = [r for r in results if isinstance(r, str)]
    if failures:
        raise ApplyFailure("; ".join(failures), changeset=done)
    return done


async def _wait_stage(client: KubeClient, changeset: ChangeSet, opts: ApplyOptions) -> None:
    """Wait until the stage's CRDs/Namespaces (and changed objects) are ready."""
    refs = [e.ref for e in changeset
            if e.action is not Action.SKIPPED
            and (e.ref.kind in _WAIT_KINDS or e.action in (Action.CREATED, Action.CONFIGURED))]
    if not refs:
        return
    report = await health.wait_for_set(client, refs, timeout=opts.wait_timeout,
                                       interval=opts.wait_interval,
                                       concurrency=opts.concurrency)
    if not report.ok:
        raise ApplyFailure(f"wait for stage failed: {report.message()}", changeset=changeset)


async def apply_all_staged(
    client: KubeClient, objs: Sequence[Obj], *, opts: ApplyOptions | None = None
) -> ChangeSet:
    """Apply ``objs`` in stages (definitions, classes, custom kinds, the rest).

    Returns the change set of every object in stage order. Raises ApplyFailure (an
    ``ApplyError``) naming every object that failed; its ``changeset`` holds the entries of
    the objects applied before the failure.
    """
    opts = opts or ApplyOptions()
    total = ChangeSet()
    for index, stage in enumerate(stages(objs, custom_kinds=opts.custom_stage_kinds)):
        if not stage:
            continue
        try:
            done = await apply_all(client, stage, opts=opts)
            if index < 3:
                await _wait_stage(client, done, opts)
        except ApplyFailure as exc:
            raise ApplyFailure(str(exc), changeset=total + exc.changeset) from exc
        total = total + done
    return total
