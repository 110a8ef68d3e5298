"""Apply, verify and remove the install manifests; wait for Flux objects to be Ready.

Job: the cluster half of ``tether install``/``uninstall`` and of bootstrap's "install
components" and "wait" steps. Design decision: installation goes through the same staged
server-side apply as every reconcile (``tether.cluster.ssa``: CRDs and the Namespace first,
then the rest), so re-installing an unchanged version writes nothing. Uninstall follows
Flux's order with one extra guard: it first suspends every GitRepository and Kustomization
and strips our finalizer (``finalizers.fluxcd.io``) while the controller may still be
running — a Kustomization deleted *with* its finalizer would garbage-collect the workloads
it applied, which uninstall promises to leave alone — then deletes the components, strips
finalizers once more (a controller racing us could have re-added one), deletes the CRDs and
finally the namespace.
"""

from __future__ import annotations

import asyncio
import datetime
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from tether import errors
from tether.api import kustomize, source
from tether.bootstrap import components, report
from tether.cluster import health, ssa
from tether.cluster.changeset import ObjectRef
from tether.cluster.client import KubeClient, Obj

__all__ = [
    "FIELD_MANAGER",
    "REQUESTED_AT",
    "UninstallOptions",
    "apply_components",
    "install",
    "request_reconcile",
    "uninstall",
    "verify",
    "wait_ready",
]

FIELD_MANAGER: Final = "tether"
REQUESTED_AT: Final = "reconcile.fluxcd.io/requestedAt"
_FLUX_KINDS: Final = ((source.API_VERSION, source.KIND), (kustomize.API_VERSION, kustomize.KIND))
_COMPONENT_KINDS: Final = (
    ("apps/v1", "Deployment"),
    ("v1", "Service"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("v1", "ServiceAccount"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
)
_CRD_NAMES: Final = (f"{source.CRD.plural}.{source.GROUP}",
                     f"{kustomize.CRD.plural}.{kustomize.GROUP}")


async def apply_components(kube: KubeClient, objs: Sequence[Obj], *,
                           timeout: float) -> list[str]:
    """Staged SSA of ``objs``; returns Flux-style ``Kind/ns/name action`` lines."""
    opts = ssa.ApplyOptions(field_manager=FIELD_MANAGER, wait_timeout=timeout)
    changeset = await ssa.apply_all_staged(kube, objs, opts=opts)
    return changeset.lines(include_unchanged=True)


async def verify(kube: KubeClient, objs: Sequence[Obj], *, timeout: float,
                 reporter: report.Reporter) -> None:
    """Wait for every Deployment in ``objs`` to be ready; HealthCheckError names the laggard."""
    refs = [ObjectRef(group="apps", kind="Deployment", namespace=ns, name=name, version="v1")
            for ns, name in components.deployment_refs(objs)]
    result = await health.wait_for_set(kube, refs, timeout=timeout, interval=1.0)
    if not result.ok:
        raise errors.HealthCheckError(result.message())
    for ref in refs:
        reporter.success(f"{ref.name}: deployment ready")


async def install(kube: KubeClient, opts: components.InstallOptions, *, timeout: float,
                  reporter: report.Reporter) -> None:
    """``tether install``: generate, apply in stages, then wait for the controller."""
    reporter.generate("generating manifests")
    objs = components.generate(opts)
    reporter.success("manifests build completed")
    reporter.action(f"installing components in {opts.namespace} namespace")
    for line in await apply_components(kube, objs, timeout=timeout):
        reporter.plain(line)  # Flux prints the change set without glyphs
    with reporter.waiting("verifying installation"):
        await verify(kube, objs, timeout=timeout, reporter=reporter)
    reporter.success("install finished")


# ---------------------------------------------------------------------- waiting
def _revision(obj: Obj) -> str:
    """The revision an object last acted on (artifact for sources, applied for the rest)."""
    status = obj.get("status") or {}
    if obj.get("kind") == source.KIND:
        return str((status.get("artifact") or {}).get("revision") or "")
    return str(status.get("lastAppliedRevision") or "")


def _ready(obj: Obj, revision: str | None = None) -> tuple[bool, str]:
    """(Ready at the current generation and revision?, the Ready message or why not)."""
    status = obj.get("status") or {}
    conds = {c.get("type"): c for c in status.get("conditions") or []}
    ready = conds.get("Ready")
    if ready is None:
        return False, "waiting to be reconciled"
    generation = (obj.get("metadata") or {}).get("generation")
    observed = status.get("observedGeneration")
    if generation is not None and observed != generation:
        return False, str(ready.get("message") or "reconciliation in progress")
    message = str(ready.get("message") or "")
    if revision and _revision(obj) != revision:
        return False, f"waiting for revision {revision} ({message or 'not reconciled yet'})"
    return ready.get("status") == "True", message


def _stalled(obj: Obj) -> str | None:
    """The Stalled condition's message when it is True at the current generation."""
    status = obj.get("status") or {}
    generation = (obj.get("metadata") or {}).get("generation")
    if generation is not None and status.get("observedGeneration") != generation:
        return None
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Stalled" and cond.get("status") == "True":
            return str(cond.get("message") or cond.get("reason") or "stalled")
    return None


async def request_reconcile(kube: KubeClient, *, api_version: str, kind: str, name: str,
                            namespace: str) -> None:
    """Set ``reconcile.fluxcd.io/requestedAt`` so the controller acts now, not at interval."""
    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds")
    await kube.patch(api_version, kind, name,
                     {"metadata": {"annotations": {REQUESTED_AT: stamp}}},
                     namespace=namespace)


async def wait_ready(kube: KubeClient, *, api_version: str, kind: str, name: str,
                     namespace: str, timeout: float, interval: float = 1.0,
                     revision: str | None = None) -> Obj:
    """Poll until the object's Ready condition is True at its generation.

    With ``revision``, Ready must also be for that revision (``main@sha1:<sha>``: the
    artifact's for a GitRepository, ``lastAppliedRevision`` otherwise), so a wait right
    after a push does not succeed on the previous commit. Raises HealthCheckError at the
    deadline with the last Ready message (Flux's shape),
    or at once when the object is Stalled (a terminal error waiting cannot fix).
    """
    deadline = time.monotonic() + timeout
    last = "not found"
    while True:
        obj = await kube.get_or_none(api_version, kind, name, namespace)
        if obj is not None:
            ok, last = _ready(obj, revision)
            if ok:
                return obj
            stalled = _stalled(obj)
            if stalled is not None:  # will not recover by waiting: say so now
                raise errors.HealthCheckError(
                    f"{kind} {namespace}/{name} is stalled: {stalled}")
        if time.monotonic() >= deadline:
            raise errors.HealthCheckError(
                f"timeout waiting for {kind} {namespace}/{name} to be ready after "
                f"{timeout:.0f}s: {last or 'not ready'}")
        await asyncio.sleep(interval)


# ---------------------------------------------------------------------- uninstall
@dataclass(frozen=True)
class UninstallOptions:
    """What ``tether uninstall`` removes."""

    namespace: str = "flux-system"
    keep_namespace: bool = False
    dry_run: bool = False
    delete_crds: bool = True
    """False leaves the CRDs (and so every GitRepository/Kustomization) in place."""
    all_namespaces: bool = True
    """Release GitRepositories/Kustomizations in every namespace (Flux), or only ours."""


def _suffix(opts: UninstallOptions) -> str:
    return " (dry run)" if opts.dry_run else ""


async def _delete(kube: KubeClient, opts: UninstallOptions, *, api_version: str, kind: str,
                  name: str, namespace: str | None, reporter: report.Reporter) -> None:
    try:
        gone = await kube.delete(api_version, kind, name, namespace=namespace,
                                 dry_run=opts.dry_run)
    except errors.NotFoundError:
        return
    if gone:
        where = f"{namespace}/" if namespace else ""
        reporter.success(f"{kind}/{where}{name} deleted{_suffix(opts)}")


async def _delete_components(kube: KubeClient, opts: UninstallOptions, *,
                             reporter: report.Reporter) -> None:
    selector = f"app.kubernetes.io/part-of=flux,app.kubernetes.io/instance={opts.namespace}"
    for api_version, kind in _COMPONENT_KINDS:
        try:
            items, _ = await kube.list(api_version, kind, label_selector=selector)
        except errors.NotFoundError:
            continue
        for item in items:
            meta = item["metadata"]
            await _delete(kube, opts, api_version=api_version, kind=kind, name=meta["name"],
                          namespace=meta.get("namespace"), reporter=reporter)


async def _strip_finalizers(kube: KubeClient, opts: UninstallOptions, *,
                            reporter: report.Reporter | None) -> None:
    for api_version, kind in _FLUX_KINDS:
        try:
            items, _ = await kube.list(
                api_version, kind, namespace=None if opts.all_namespaces else opts.namespace)
        except errors.NotFoundError:
            continue
        for item in items:
            await _release(kube, opts, item=item, reporter=reporter)


async def _release(kube: KubeClient, opts: UninstallOptions, *, item: Obj,
                   reporter: report.Reporter | None) -> None:
    meta = item["metadata"]
    finalizers = list(meta.get("finalizers") or [])
    if kustomize.FINALIZER not in finalizers or opts.dry_run:
        if opts.dry_run and kustomize.FINALIZER in finalizers and reporter:
            reporter.success(f"{item['kind']}/{meta['namespace']}/{meta['name']} "
                             f"finalizers deleted (dry run)")
        return
    patch: dict[str, Any] = {
        "metadata": {"finalizers": [f for f in finalizers if f != kustomize.FINALIZER],
                     "resourceVersion": meta["resourceVersion"]},
        "spec": {"suspend": True},
    }
    try:
        await kube.patch(item["apiVersion"], item["kind"], meta["name"], patch,
                         namespace=meta["namespace"])
    except (errors.NotFoundError, errors.ConflictError):
        return  # gone, or changed under us: the second pass catches it
    if reporter:
        reporter.success(f"{item['kind']}/{meta['namespace']}/{meta['name']} "
                         f"finalizers deleted")


async def uninstall(kube: KubeClient, opts: UninstallOptions, *,
                    reporter: report.Reporter) -> None:
    """Remove the components, our finalizers, the CRDs and (unless kept) the namespace."""
    scope = "all namespaces" if opts.all_namespaces else f"{opts.namespace} namespace"
    reporter.action(f"deleting toolkit.fluxcd.io finalizers in {scope}")
    await _strip_finalizers(kube, opts, reporter=reporter)
    reporter.action(f"deleting components in {opts.namespace} namespace")
    await _delete_components(kube, opts, reporter=reporter)
    await _strip_finalizers(kube, opts, reporter=None)
    if opts.delete_crds:
        reporter.action("deleting toolkit.fluxcd.io custom resource definitions")
        for name in _CRD_NAMES:
            await _delete(kube, opts, api_version="apiextensions.k8s.io/v1",
                          kind="CustomResourceDefinition", name=name, namespace=None,
                          reporter=reporter)
    if not opts.keep_namespace:
        await _delete(kube, opts, api_version="v1", kind="Namespace", name=opts.namespace,
                      namespace=None, reporter=reporter)
    reporter.success(f"uninstall finished{_suffix(opts)}")
