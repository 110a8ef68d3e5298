"""The Kustomization reconciler: make the cluster match a built artifact, the Flux way.

Design: ``reconcile()`` is a short script of phases — source artifact → dependencies →
fetch (digest verified, safe extraction) → build (generate kustomization.yaml, overrides,
``tether.kustomize``, post-build substitution, metadata) → staged server-side apply → new
inventory → prune (only after a successful apply) → health → status. Each phase is its own
method and raises a ``tether.errors`` leaf; the mapping of failures to conditions happens
once, in ``_fail``, from the error's ``reason`` and ``retryable`` (retryable → Ready=False
and a requeue at ``retryInterval``; not retryable → Stalled, no requeue). Only
``tether.conditions`` writes conditions; progress is written before each slow phase.
Reliability choices beyond Flux: when an apply fails part-way, the objects that *were*
applied are merged into the stored inventory, so an object applied by a failed run and then
removed from Git is still pruned by the next successful run; prune survivors stay in the
inventory; a dependency cycle stalls with the cycle named. The reconciler holds no global
state: clients are passed in, the clock is injectable, and it returns an ``Outcome`` value
(when to run again) for the controller runtime's queue.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import copy
import dataclasses
import hashlib
import json
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx

from tether import conditions, errors
from tether.api import kustomize as api
from tether.api.kustomize import Kustomization
from tether.api.meta import format_duration
from tether.cluster import health, ignore, inventory, prune, ssa
from tether.cluster.changeset import Action, ChangeSet, ObjectRef
from tether.cluster.client import KubeClient, Obj
from tether.controller import dependencies, events, informer, postbuild, render, runtime
from tether.controller import status as status_mod
from tether.source import artifact as artifacts

__all__ = [
    "ArtifactNotReadyError",
    "BuildFn",
    "KustomizationReconciler",
    "Outcome",
    "ReconcilerSettings",
    "setup",
    "setup_daemon",
    "upsert_history",
]

STATUS_MANAGER = "gotk-kustomize-controller"
REQUESTED_AT = "reconcile.fluxcd.io/requestedAt"
SOURCE_API = "source.toolkit.fluxcd.io/v1"
_HISTORY_MAX = 5

BuildFn = render.BuildFn


class ArtifactNotReadyError(errors.SourceError):
    """The source exists but has no artifact yet; re-checked soon, like a dependency."""


@dataclass(frozen=True)
class ReconcilerSettings:
    """Knobs of the Kustomization reconciler (built once by the CLI)."""

    kubeconfig_path: str | None = None
    """Kubeconfig used to build impersonating clients (None: in-cluster / default)."""
    context: str | None = None
    requeue_dependency: float = 30.0
    """Re-check delay for unready dependencies and missing artifacts (Flux: 30s)."""
    concurrent_ssa: int = 16
    health_interval: float = 2.0
    artifact_timeout: float = 60.0
    no_cross_namespace_refs: bool = False
    default_service_account: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What a reconcile decided: when to run again (None: only on the next event)."""

    requeue_after: float | None
    ready: bool | None = None
    message: str = ""


@dataclass
class _Run:
    """The state of one reconcile: the object, the status being written, timings."""

    obj: Obj
    ks: Kustomization
    status: dict[str, Any]
    now: Callable[[], str]
    started: float = field(default_factory=time.monotonic)
    revision: str = ""
    digest: str = ""
    stalled: bool = False
    changeset: ChangeSet = field(default_factory=ChangeSet)
    stale: tuple[ObjectRef, ...] = ()
    progress_written: float | None = None
    ready_before: dict[str, Any] = field(default_factory=dict)
    """The Ready condition as the run found it (progress writes overwrite ``obj``)."""

    def __post_init__(self) -> None:
        self.ready_before = conditions.get(self.status, conditions.READY) or {}

    @property
    def generation(self) -> int:
        return self.ks.generation

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def deadline(self) -> float:
        return self.started + self.ks.spec.timeout_seconds()


def upsert_history(
    history: Sequence[Mapping[str, Any]],
    *,
    digest: str,
    reason: str,
    revision: str,
    now: str,
    duration: float,
) -> list[dict[str, Any]]:
    """Flux's ``status.history``: newest first, deduplicated on digest+status, at most 5."""
    entries = [dict(h) for h in history]
    match = next((h for h in entries if h.get("digest") == digest
                  and h.get("lastReconciledStatus") == reason), None)
    if match is not None:
        entries.remove(match)
        match.update(lastReconciled=now, lastReconciledDuration=format_duration(duration),
                     totalReconciliations=int(match.get("totalReconciliations", 0)) + 1)
        entry = match
    else:
        entry = {"digest": digest, "firstReconciled": now, "lastReconciled": now,
                 "lastReconciledDuration": format_duration(duration),
                 "lastReconciledStatus": reason, "totalReconciliations": 1}
    if revision:
        entry["metadata"] = {"revision": revision}
    return [entry, *entries][:_HISTORY_MAX]


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _digest(objs: Sequence[Obj]) -> str:
    data = json.dumps(objs, sort_keys=True, separators=(",", ":")).encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


class KustomizationReconciler:
    """Reconciles ``kustomize.toolkit.fluxcd.io/v1`` Kustomizations."""

    def __init__(
        self,
        client: KubeClient,
        *,
        build: BuildFn,
        settings: ReconcilerSettings | None = None,
        recorder: events.Recorder | None = None,
        clock: Callable[[], str] = _utc_now,
    ) -> None:
        self._client = client
        self._build_fn = build
        self._settings = settings or ReconcilerSettings()
        self._recorder = recorder or events.Recorder(client, component=ssa.FIELD_MANAGER)
        self._now = clock
        self._http: httpx.AsyncClient | None = None

    async def close(self) -> None:
        """Release the artifact HTTP client."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # ------------------------------------------------------------------ entry point
    async def reconcile_key(self, key: str) -> runtime.Result:
        """The controller runtime's entry point: ``namespace/name`` → when to run again."""
        namespace, _, name = key.rpartition("/")
        outcome = await self.reconcile(namespace, name)
        return runtime.Result(requeue_after=outcome.requeue_after)

    async def reconcile(self, namespace: str, name: str) -> Outcome:
        """Reconcile one Kustomization; failures become conditions and an ``Outcome``.

        Raises ClusterError only when the API server itself fails us outside the pipeline
        (reading the object, adding the finalizer, writing the final status); the runtime
        then retries with backoff.
        """
        obj = await self._client.get_or_none(api.API_VERSION, api.KIND, name, namespace)
        if obj is None:
            return Outcome(None)
        if (obj.get("metadata") or {}).get("deletionTimestamp"):
            return await self._finalize(obj)
        obj = await self._ensure_finalizer(obj)
        try:
            ks = Kustomization.from_dict(obj)
        except errors.InvalidSpecError as err:
            return await self._stall_invalid(obj, err)
        if ks.spec.suspend:
            return Outcome(None, message="suspended")
        run = _Run(obj=obj, ks=ks, status=copy.deepcopy(obj.get("status") or {}), now=self._now)
        try:
            outcome = await self._pipeline(run)
        except errors.GitOpsError as err:
            outcome = self._fail(run, err)
        await self._finish(run)
        return outcome

    async def _pipeline(self, run: _Run) -> Outcome:
        artifact = await self._source_artifact(run)
        run.revision = str(artifact.get("revision") or "")
        await self._check_dependencies(run)
        async with self._workspace(run, artifact) as (root, directory), \
                self._target_client(run) as target:
            await self._progress(run, f"Building manifests for revision {run.revision} "
                                      f"with a timeout of {self._timeout_text(run)}")
            objs = await self._build(run, root, directory, target)
            await self._progress(run, f"Detecting drift for revision {run.revision} "
                                      f"with a timeout of {self._timeout_text(run)}")
            await self._apply(run, target, objs)
            await self._prune(run, target)
            await self._health(run, target)
        return self._succeed(run)

    # ------------------------------------------------------------------ phases
    async def _source_artifact(self, run: _Run) -> Mapping[str, Any]:
        ks = run.ks
        ref = ks.spec.source_ref
        namespace = ref.namespace or ks.namespace
        if self._settings.no_cross_namespace_refs and namespace != ks.namespace:
            raise errors.InvalidSpecError(
                f"cannot access {ref.kind}/{namespace}/{ref.name}: cross-namespace references "
                "are not allowed")
        if ref.kind != "GitRepository":
            raise errors.InvalidSpecError(
                f"spec.sourceRef.kind: {ref.kind} sources are not supported yet")
        source = await self._client.get_or_none(ref.api_version or SOURCE_API, ref.kind,
                                                ref.name, namespace)
        if source is None:
            raise errors.SourceError(f"Source '{ref.kind}/{namespace}/{ref.name}' not found")
        artifact = (source.get("status") or {}).get("artifact")
        if not artifact or not artifact.get("url"):
            raise ArtifactNotReadyError(
                f"Source '{ref.kind}/{namespace}/{ref.name}' is not ready, artifact not found")
        return dict(artifact)

    async def _check_dependencies(self, run: _Run) -> None:
        try:
            await dependencies.check(self._client, run.ks, revision=run.revision)
        except errors.DependencyNotReadyError:
            cycle = await self._dependency_cycle(run.ks)
            if cycle:
                names = " -> ".join(f"{ns}/{name}" for ns, name in cycle)
                raise errors.InvalidSpecError(f"dependency cycle detected: {names}") from None
            raise

    async def _dependency_cycle(self, ks: Kustomization) -> list[dependencies.Key] | None:
        """Walk the dependsOn graph from ``ks`` reading only the objects on the way."""
        graph: dict[dependencies.Key, list[dependencies.Key]] = {
            (ks.namespace, ks.name): dependencies.dependency_keys(ks)}
        todo = list(graph[(ks.namespace, ks.name)])
        while todo:
            key = todo.pop()
            if key in graph:
                continue
            obj = await self._client.get_or_none(api.API_VERSION, api.KIND, key[1], key[0])
            deps = [(d.get("namespace") or key[0], str(d.get("name")))
                    for d in ((obj or {}).get("spec") or {}).get("dependsOn") or []]
            graph[key] = deps
            todo.extend(deps)
        return dependencies.find_cycle(graph, (ks.namespace, ks.name))

    @contextlib.asynccontextmanager
    async def _workspace(
        self, run: _Run, artifact: Mapping[str, Any]
    ) -> AsyncIterator[tuple[Path, Path]]:
        """Download and verify the artifact into a private temp dir; yield (root, path)."""
        await self._progress(run, f"Fetching manifests for revision {run.revision} "
                                  f"with a timeout of {self._timeout_text(run)}")
        data = await self._download(str(artifact["url"]))
        digest = artifact.get("digest")
        if not digest:
            raise errors.ArtifactError("artifact has no digest; refusing to use it")
        with tempfile.TemporaryDirectory(prefix="kustomization-") as tmp:
            root = Path(tmp) / "source"
            await asyncio.to_thread(artifacts.unpack, data, root, expected_digest=str(digest))
            root = root.resolve()
            directory = (root / (run.ks.spec.path or ".")).resolve()
            if not directory.is_relative_to(root) or not directory.is_dir():
                raise errors.SourceError(
                    f"kustomization path not found: {run.ks.spec.path or './'}")
            run.status["lastAttemptedRevision"] = run.revision
            yield root, directory

    async def _download(self, url: str) -> bytes:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._settings.artifact_timeout,
                                           trust_env=False)
        try:
            response = await self._http.get(url)
        except httpx.HTTPError as exc:
            raise errors.ArtifactError(f"failed to download artifact from {url}: {exc}") from exc
        if response.status_code != 200:
            raise errors.ArtifactError(
                f"failed to download artifact from {url}: HTTP {response.status_code}")
        return response.content

    @contextlib.asynccontextmanager
    async def _target_client(self, run: _Run) -> AsyncIterator[KubeClient]:
        """The client that applies: a remote kubeconfig, an impersonated SA, or ours."""
        spec = run.ks.spec
        if spec.kube_config is not None:
            async with self._remote_client(run) as remote:
                yield remote
            return
        account = spec.service_account_name or self._settings.default_service_account
        if not account:
            yield self._client
            return
        client = KubeClient.connect(
            kubeconfig_path=self._settings.kubeconfig_path, context=self._settings.context,
            impersonate=f"system:serviceaccount:{run.ks.namespace}:{account}")
        try:
            yield client
        finally:
            await client.close()

    @contextlib.asynccontextmanager
    async def _remote_client(self, run: _Run) -> AsyncIterator[KubeClient]:
        ref = run.ks.spec.kube_config.secret_ref if run.ks.spec.kube_config else None
        if ref is None:
            raise errors.InvalidSpecError("spec.kubeConfig: only secretRef is supported")
        secret = await self._client.get_or_none("v1", "Secret", ref.name, run.ks.namespace)
        data = (secret or {}).get("data") or {}
        keys = [ref.key] if ref.key else ["value", "value.yaml"]
        encoded = next((data[k] for k in keys if k in data), None)
        if encoded is None:
            raise errors.ClusterError(
                f"kubeconfig Secret '{run.ks.namespace}/{ref.name}' has no key {' or '.join(keys)}")
        with tempfile.TemporaryDirectory(prefix="kubeconfig-") as tmp:
            path = Path(tmp) / "kubeconfig"
            try:
                path.write_bytes(base64.b64decode(encoded))
            except (binascii.Error, ValueError) as exc:
                raise errors.ClusterError(f"kubeconfig Secret '{ref.name}' is not base64") from exc
            client = KubeClient.connect(kubeconfig_path=str(path))
            try:
                yield client
            finally:
                await client.close()

    async def _build(
        self, run: _Run, root: Path, directory: Path, target: KubeClient
    ) -> list[Obj]:
        spec = run.ks.spec
        sources: list[dict[str, str]] = []
        if spec.post_build and spec.post_build.substitute_from:
            refs = [postbuild.SubstituteRef(r.kind, r.name, bool(r.optional))
                    for r in spec.post_build.substitute_from]
            sources = await postbuild.load_sources(target, namespace=run.ks.namespace,
                                                   refs=refs)
        objs = await asyncio.to_thread(
            render.render, spec, root=root, directory=directory, build=self._build_fn,
            sources=sources, owner=(run.ks.name, run.ks.namespace))
        run.digest = _digest(objs)
        return objs

    async def _apply(self, run: _Run, target: KubeClient, objs: Sequence[Obj]) -> None:
        opts = ssa.ApplyOptions(force=bool(run.ks.spec.force),
                                concurrency=self._settings.concurrent_ssa,
                                wait_timeout=max(1.0, run.deadline() - time.monotonic()),
                                ignore_rules=_ignore_rules(run.ks))
        old = inventory.Inventory.from_status(run.status.get("inventory"))
        await self._write_ahead(run, target, objs, old)
        try:
            run.changeset = await ssa.apply_all_staged(target, objs, opts=opts)
        except ssa.ApplyFailure as err:
            # Remember what did get applied so a later successful run can prune it.
            current = inventory.Inventory.from_status(run.status.get("inventory"))
            partial = inventory.from_changeset(err.changeset)
            run.status["inventory"] = current.merge(partial.refs).to_status()
            raise
        new = inventory.from_changeset(run.changeset)
        run.status["inventory"] = new.to_status()
        run.stale = inventory.diff(old, new)

    async def _write_ahead(self, run: _Run, target: KubeClient, objs: Sequence[Obj],
                           old: inventory.Inventory) -> None:
        """Record objects *before* creating them, so a controller killed mid-apply leaves an
        inventory that still covers them and the next successful run can prune them."""
        planned: list[ObjectRef] = []
        for obj in objs:
            ref = ObjectRef.from_object(obj)
            try:
                res = await target.resource(str(obj.get("apiVersion")), ref.kind)
            except errors.ClusterError:
                continue  # its CRD is in this set: recorded once applied
            planned.append(ref if res.namespaced else dataclasses.replace(ref, namespace=""))
        known = {r.key for r in old.refs}
        if all(r.key in known for r in planned):
            return
        run.status["inventory"] = old.merge(planned).to_status()
        await self._write_status(run.obj, run.status)

    async def _prune(self, run: _Run, target: KubeClient) -> None:
        if not run.ks.spec.prune or not run.stale:
            return
        result = await prune.prune(target, run.stale, opts=prune.PruneOptions(
            owner_name=run.ks.name, owner_namespace=run.ks.namespace,
            concurrency=self._settings.concurrent_ssa))
        run.changeset = run.changeset + result.changeset
        if result.survivors:
            current = inventory.Inventory.from_status(run.status["inventory"])
            run.status["inventory"] = current.merge(result.survivors).to_status()
        result.raise_for_errors()

    def _health_refs(self, run: _Run) -> list[ObjectRef]:
        ks = run.ks
        if ks.spec.wait:
            refs = [e.ref for e in run.changeset
                    if e.action not in (Action.SKIPPED, Action.DELETED)]
        else:
            refs = []
            for check in ks.spec.health_checks or []:
                if not check.api_version:
                    raise errors.InvalidSpecError(
                        f"spec.healthChecks: {check.kind}/{check.name} needs an apiVersion")
                group, _, version = check.api_version.rpartition("/")
                refs.append(ObjectRef(group, check.kind, check.namespace or ks.namespace,
                                      check.name, version))
        own = ObjectRef(api.GROUP, api.KIND, ks.namespace, ks.name)
        return [r for r in refs if r.key != own.key]

    async def _health(self, run: _Run, target: KubeClient) -> None:
        refs = self._health_refs(run)
        if not refs:
            return
        if run.ks.spec.health_check_exprs:
            raise errors.InvalidSpecError(
                "spec.healthCheckExprs: CEL expressions are not supported yet")
        await self._progress(run, f"Running health checks for revision {run.revision} "
                                  f"with a timeout of {self._timeout_text(run)}")
        report = await health.wait_for_set(
            target, refs, timeout=max(1.0, run.deadline() - time.monotonic()),
            interval=self._settings.health_interval, concurrency=self._settings.concurrent_ssa)
        if not report.ok:
            raise errors.HealthCheckError(report.message())
        conditions.mark_true(run.status, conditions.HEALTHY, reason="Succeeded",
                             message=f"Health check passed in {format_duration(report.elapsed)}",
                             generation=run.generation, now=run.now())

    # ------------------------------------------------------------------ outcomes
    def _succeed(self, run: _Run) -> Outcome:
        message = f"Applied revision: {run.revision}"
        status = run.status
        status["lastAppliedRevision"] = run.revision
        conditions.mark_true(status, conditions.READY, reason="ReconciliationSucceeded",
                             message=message, generation=run.generation, now=run.now())
        self._record_history(run, "ReconciliationSucceeded")
        # The runtime adds Flux's ±5% jitter to every requeue.
        return Outcome(requeue_after=run.ks.spec.interval.seconds, ready=True, message=message)

    def _fail(self, run: _Run, err: errors.GitOpsError) -> Outcome:
        """The one place failures become conditions (reason and retry from the error)."""
        message, status = err.one_line(), run.status
        if isinstance(err, errors.HealthCheckError):
            conditions.mark_false(status, conditions.HEALTHY, reason=err.reason,
                                  message=message, generation=run.generation, now=run.now())
        if run.digest:
            self._record_history(run, err.reason)
        if not err.retryable:
            run.stalled = True
            conditions.mark_stalled(status, reason=err.reason, message=message,
                                    generation=run.generation, now=run.now())
            return Outcome(None, ready=False, message=message)
        conditions.mark_false(status, conditions.READY, reason=err.reason, message=message,
                              generation=run.generation, now=run.now())
        slow = isinstance(err, errors.DependencyNotReadyError | ArtifactNotReadyError)
        delay = self._settings.requeue_dependency if slow else run.ks.spec.retry_seconds()
        return Outcome(requeue_after=delay, ready=False, message=message)

    def _record_history(self, run: _Run, reason: str) -> None:
        run.status["history"] = upsert_history(
            run.status.get("history") or [], digest=run.digest or "sha256:", reason=reason,
            revision=run.revision, now=run.now(), duration=run.elapsed())

    async def _finish(self, run: _Run) -> None:
        """Write the final status and announce what happened."""
        status = run.status
        conditions.delete(status, conditions.RECONCILING)
        if not run.stalled:
            conditions.delete(status, conditions.STALLED)
        if run.ks.spec.wait is not True and not run.ks.spec.health_checks:
            conditions.delete(status, conditions.HEALTHY)
        status["observedGeneration"] = run.generation
        requested = ((run.obj.get("metadata") or {}).get("annotations") or {}).get(REQUESTED_AT)
        if requested:
            status["lastHandledReconcileAt"] = requested
        await self._write_status(run.obj, status)
        await self._announce(run)

    async def _announce(self, run: _Run) -> None:
        ready = conditions.get(run.status, conditions.READY) or {}
        before = run.ready_before
        lines = run.changeset.lines()
        if lines:
            await self._event(run.obj, "Normal", "Progressing", "\n".join(lines), run.revision)
        if ready.get("status") == "True":
            if lines or before.get("status") != "True":
                text = (f"Reconciliation finished in {format_duration(round(run.elapsed(), 3))}"
                        f", next run in {run.ks.spec.interval.text}")
                await self._event(run.obj, "Normal", "ReconciliationSucceeded", text,
                                  run.revision)
        else:  # every failure; the recorder drops exact repeats of the last event
            await self._event(run.obj, "Warning", str(ready.get("reason")),
                              str(ready.get("message")), run.revision)

    # ------------------------------------------------------------------ object plumbing
    async def _progress(self, run: _Run, message: str) -> None:
        """Mark the phase; write it now if it is the run's first mark or a second has passed
        since the last write (fast phases are not worth a request each)."""
        conditions.mark_reconciling(run.status, reason="Progressing", message=message,
                                    generation=run.generation, now=run.now())
        now = time.monotonic()
        if run.progress_written is None or now - run.progress_written >= 1.0:
            run.progress_written = now
            await self._write_status(run.obj, run.status)

    async def _write_status(self, obj: Obj, status: Mapping[str, Any]) -> None:
        body = dict(status)
        patch = status_mod.merge_patch(obj.get("status") or {}, body)
        if not patch:
            return
        meta = obj["metadata"]
        try:
            await self._client.patch(api.API_VERSION, api.KIND, meta["name"], {"status": patch},
                                     namespace=meta.get("namespace"), subresource="status",
                                     field_manager=STATUS_MANAGER)
        except errors.NotFoundError:
            return
        obj["status"] = copy.deepcopy(body)

    async def _ensure_finalizer(self, obj: Obj) -> Obj:
        meta = obj["metadata"]
        finalizers = list(meta.get("finalizers") or [])
        if api.FINALIZER in finalizers:
            return obj
        patch = {"metadata": {"finalizers": [*finalizers, api.FINALIZER],
                              "resourceVersion": meta.get("resourceVersion")}}
        result: Obj = await self._client.patch(api.API_VERSION, api.KIND, meta["name"], patch,
                                               namespace=meta.get("namespace"))
        return result

    async def _stall_invalid(self, obj: Obj, err: errors.InvalidSpecError) -> Outcome:
        status = copy.deepcopy(obj.get("status") or {})
        generation = int((obj.get("metadata") or {}).get("generation") or 0)
        conditions.mark_stalled(status, reason=err.reason, message=err.one_line(),
                                generation=generation, now=self._now())
        status["observedGeneration"] = generation
        requested = ((obj.get("metadata") or {}).get("annotations") or {}).get(REQUESTED_AT)
        if requested:
            status["lastHandledReconcileAt"] = requested
        await self._write_status(obj, status)
        await self._event(obj, "Warning", err.reason, err.one_line(), "")
        return Outcome(None, ready=False, message=err.one_line())

    async def _event(self, obj: Obj, type_: str, reason: str, message: str,
                     revision: str) -> None:
        """Record a core/v1 Event on the Kustomization (best effort, deduplicated)."""
        annotations = {f"{api.GROUP}/revision": revision} if revision else None
        await self._recorder.record(obj, type_=type_, reason=reason, message=message,
                                    annotations=annotations)

    def _timeout_text(self, run: _Run) -> str:
        return format_duration(run.ks.spec.timeout_seconds())

    # ------------------------------------------------------------------ deletion
    async def _finalize(self, obj: Obj) -> Outcome:
        """Garbage-collect per ``deletionPolicy``, then release the finalizer."""
        meta = obj["metadata"]
        if api.FINALIZER not in (meta.get("finalizers") or []):
            return Outcome(None)
        try:
            ks = Kustomization.from_dict(obj)
        except errors.InvalidSpecError:
            ks = None
        if ks is not None and not ks.spec.suspend and _deletes_on_finalize(ks):
            run = _Run(obj=obj, ks=ks, status=copy.deepcopy(obj.get("status") or {}),
                       now=self._now)
            refs = inventory.Inventory.from_status(run.status.get("inventory")).refs
            async with self._target_client(run) as target:
                result = await prune.prune(target, inventory.diff(
                    inventory.Inventory.of(refs), inventory.Inventory()), opts=prune.PruneOptions(
                    owner_name=ks.name, owner_namespace=ks.namespace))
                if ks.spec.deletion_policy == "WaitForTermination":
                    await _wait_gone(target, [e.ref for e in result.changeset
                                              if e.action is Action.DELETED],
                                     timeout=ks.spec.timeout_seconds())
            if result.errors:
                return Outcome(ks.spec.retry_seconds(), ready=False,
                               message="; ".join(result.errors))
        remaining = [f for f in meta.get("finalizers") or [] if f != api.FINALIZER]
        with contextlib.suppress(errors.NotFoundError):
            await self._client.patch(api.API_VERSION, api.KIND, meta["name"],
                                     {"metadata": {"finalizers": remaining or None}},
                                     namespace=meta.get("namespace"))
        return Outcome(None)


def _ignore_rules(ks: Kustomization) -> tuple[ignore.IgnoreRule, ...]:
    """``spec.ignore`` as cluster-layer rules."""
    rules = []
    for rule in ks.spec.ignore or []:
        target = rule.target
        rules.append(ignore.IgnoreRule(
            paths=tuple(rule.paths),
            **({} if target is None else {
                "group": target.group, "version": target.version, "kind": target.kind,
                "name": target.name, "namespace": target.namespace,
                "label_selector": target.label_selector,
                "annotation_selector": target.annotation_selector})))
    return tuple(rules)


def _deletes_on_finalize(ks: Kustomization) -> bool:
    policy = ks.spec.deletion_policy or "MirrorPrune"
    if policy == "Orphan":
        return False
    return policy != "MirrorPrune" or ks.spec.prune


async def _wait_gone(client: KubeClient, refs: Sequence[ObjectRef], *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(refs)
    while pending and time.monotonic() < deadline:
        found = await asyncio.gather(*(client.get_or_none(r.api_version, r.kind, r.name,
                                                          r.namespace or None)
                                       for r in pending))
        pending = [r for r, obj in zip(pending, found, strict=True) if obj is not None]
        if pending:
            await asyncio.sleep(1.0)


# ---------------------------------------------------------------------- wiring
def _source_index(obj: Obj) -> list[str]:
    ref = (obj.get("spec") or {}).get("sourceRef") or {}
    namespace = ref.get("namespace") or (obj.get("metadata") or {}).get("namespace")
    return [f"{ref.get('kind')}/{namespace}/{ref.get('name')}"]


def _depends_on_index(obj: Obj) -> list[str]:
    namespace = (obj.get("metadata") or {}).get("namespace")
    return [f"{d.get('namespace') or namespace}/{d.get('name')}"
            for d in (obj.get("spec") or {}).get("dependsOn") or []]


def _ready_revision_changed(event: str, obj: Obj, old: Obj | None) -> bool:
    """A Kustomization became Ready, or Ready at a new revision: wake its dependents."""
    def signature(o: Obj | None) -> tuple[Any, ...]:
        status = (o or {}).get("status") or {}
        ready = conditions.get(status, conditions.READY) or {}
        return ready.get("status"), status.get("lastAppliedRevision")

    return event != "DELETED" and signature(obj)[0] == "True" and (
        signature(obj) != signature(old))


def _dependency_ordered(objs: Sequence[Obj]) -> list[str]:
    """Keys of ``objs`` with dependencies first (Flux enqueues in topological order)."""
    graph: dict[dependencies.Key, list[dependencies.Key]] = {}
    for obj in objs:
        meta = obj.get("metadata") or {}
        key = (str(meta.get("namespace")), str(meta.get("name")))
        graph[key] = [(dep.partition("/")[0], dep.partition("/")[2])
                      for dep in _depends_on_index(obj)]
    wanted = set(graph)
    return [f"{ns}/{name}" for ns, name in dependencies.topological_order(graph)
            if (ns, name) in wanted]


def setup(manager: runtime.Manager, reconciler: KustomizationReconciler, *,
          concurrent: int = 4) -> runtime.Controller:
    """Register the Kustomization controller with the shared runtime.

    Triggers: its own spec/requestedAt changes; a new artifact revision of its source
    (dependents enqueued in dependency order); a dependency becoming Ready.
    """
    controller = manager.register(name="kustomization", api_version=api.API_VERSION,
                                  kind=api.KIND, reconcile=reconciler.reconcile_key,
                                  concurrent=concurrent)
    cache = manager.informer(api.API_VERSION, api.KIND)
    cache.add_index("sourceRef", _source_index)
    cache.add_index("dependsOn", _depends_on_index)
    controller.watches(
        SOURCE_API, "GitRepository", predicate=runtime.artifact_revision_changed,
        map_to=lambda repo: _dependency_ordered(
            cache.by_index("sourceRef", f"GitRepository/{informer.key_of(repo)}")))
    controller.watches(
        api.API_VERSION, api.KIND, predicate=_ready_revision_changed,
        map_to=lambda obj: [informer.key_of(o)
                            for o in cache.by_index("dependsOn", informer.key_of(obj))])
    return controller


def setup_daemon(daemon: Any) -> None:
    """``Daemon(setups=[setup_daemon])``: run the Kustomization controller in-process."""
    kube: KubeClient = daemon.kube
    settings = ReconcilerSettings(
        kubeconfig_path=None if kube.source == "in-cluster" else kube.source,
        context=kube.context)
    reconciler = KustomizationReconciler(
        kube, build=render.native_build, settings=settings,
        recorder=events.Recorder(kube, component=ssa.FIELD_MANAGER))
    setup(daemon.manager, reconciler, concurrent=max(4, int(daemon.settings.concurrent)))
