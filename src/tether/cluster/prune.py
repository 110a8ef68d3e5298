"""Garbage collection of stale objects: delete what we applied before and no longer want.

Design: prune is deliberately timid. It only deletes an object that (a) is still on the
server, (b) carries our owner labels for *this* Kustomization (so an object we never created,
or one adopted by another Kustomization since, is never touched) and (c) has no opt-out mark
(``kustomize.toolkit.fluxcd.io/prune: disabled``, ``/reconcile: disabled``, ``/ssa: Ignore``).
Deletes use a uid precondition, so an object re-created under the same name in the meantime
is not deleted by mistake. The result is a value: a change set (``deleted``/``skipped``) plus
the survivors whose delete failed, which the caller keeps in the inventory to retry next run
(kustomize-controller#1664); ``PruneResult.raise_for_errors`` turns failures into PruneError.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from tether import errors
from tether.cluster import ownership
from tether.cluster.changeset import Action, ChangeSet, ChangeSetEntry, ObjectRef
from tether.cluster.client import KubeClient

__all__ = ["PruneOptions", "PruneResult", "prune"]


@dataclass(frozen=True)
class PruneOptions:
    """Whose objects may be deleted, and how."""

    owner_name: str
    owner_namespace: str
    propagation: str = "Background"
    dry_run: bool = False
    concurrency: int = 16


@dataclass(frozen=True)
class PruneResult:
    """What prune did, the objects it could not delete, and why."""

    changeset: ChangeSet
    survivors: tuple[ObjectRef, ...] = ()
    errors: tuple[str, ...] = ()

    def raise_for_errors(self) -> None:
        """Raise PruneError naming every object that could not be deleted."""
        if self.errors:
            raise errors.PruneError("; ".join(self.errors))


def _opted_out(obj: dict[str, object]) -> bool:
    return (ownership.mark_is(obj, ownership.PRUNE_KEY, "disabled")
            or ownership.mark_is(obj, ownership.RECONCILE_KEY, "disabled")
            or ownership.mark_is(obj, ownership.SSA_KEY, "ignore"))


async def _prune_one(
    client: KubeClient, ref: ObjectRef, opts: PruneOptions
) -> ChangeSetEntry | None:
    """Delete one stale object if it is ours and not opted out; None when already gone."""
    try:
        live = await client.get_or_none(ref.api_version, ref.kind, ref.name,
                                        ref.namespace or None)
    except errors.NotFoundError:
        return None
    if live is None:
        return None
    owned = ownership.is_owned_by(live, name=opts.owner_name, namespace=opts.owner_namespace)
    if not owned or _opted_out(live):
        return ChangeSetEntry(ref, Action.SKIPPED)
    meta = live.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        return ChangeSetEntry(ref, Action.DELETED)
    deleted = await client.delete(ref.api_version, ref.kind, ref.name,
                                  namespace=ref.namespace or None,
                                  propagation=opts.propagation, dry_run=opts.dry_run,
                                  uid=meta.get("uid"))
    return ChangeSetEntry(ref, Action.DELETED) if deleted else None


async def prune(
    client: KubeClient, stale: Sequence[ObjectRef], *, opts: PruneOptions
) -> PruneResult:
    """Delete the ``stale`` objects that are ours; report deletions, skips and survivors.

    Never raises for a failed delete: failures are in ``errors`` and their objects in
    ``survivors``. Namespaced objects are deleted before CRDs and Namespaces.
    """
    gate = asyncio.Semaphore(max(1, opts.concurrency))

    async def one(ref: ObjectRef) -> ChangeSetEntry | str | None:
        async with gate:
            try:
                return await _prune_one(client, ref, opts)
            except errors.GitOpsError as exc:
                return f"{ref.subject} delete failed: {exc.one_line()}"

    last = {"CustomResourceDefinition", "Namespace"}
    first = [r for r in stale if r.kind not in last]
    later = [r for r in stale if r.kind in last]
    results = [*await asyncio.gather(*(one(r) for r in first)),
               *await asyncio.gather(*(one(r) for r in later))]
    refs = [*first, *later]
    entries = [r for r in results if isinstance(r, ChangeSetEntry)]
    failed = [(ref, r) for ref, r in zip(refs, results, strict=True) if isinstance(r, str)]
    return PruneResult(
        changeset=ChangeSet.of(entries),
        survivors=tuple(ref for ref, _ in failed),
        errors=tuple(msg for _, msg in failed),
    )
