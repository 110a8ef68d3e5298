"""Prune on the real dev cluster: stale owned objects go, opted-out and foreign ones stay."""

from __future__ import annotations

from typing import Any

import pytest

from tether.cluster import inventory, ownership, prune, ssa
from tether.cluster.changeset import Action, ObjectRef
from tether.cluster.client import KubeClient

pytestmark = pytest.mark.cluster

OWNER = {"name": "apps", "namespace": "flux-system"}


def _cm(ns: str, name: str, **meta: Any) -> dict[str, Any]:
    obj = {"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": ns, **meta}, "data": {"a": "b"}}
    return ownership.with_owner_labels(obj, **OWNER)


async def test_prune_deletes_stale_and_spares_opted_out(kube: KubeClient, namespace: str) -> None:
    keep = _cm(namespace, "keep")
    stale = _cm(namespace, "stale")
    sticky = _cm(namespace, "sticky", annotations={ownership.PRUNE_KEY: "disabled"})
    old = inventory.from_changeset(
        await ssa.apply_all_staged(kube, [keep, stale, sticky]))
    foreign = {"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "foreign", "namespace": namespace}}
    await kube.apply(foreign, field_manager="someone-else")
    old = old.merge([ObjectRef.from_object(foreign)])
    new = inventory.from_changeset(await ssa.apply_all_staged(kube, [keep]))
    stale_refs = inventory.diff(old, new)
    assert {r.name for r in stale_refs} == {"stale", "sticky", "foreign"}

    result = await prune.prune(kube, stale_refs, opts=prune.PruneOptions(
        owner_name="apps", owner_namespace="flux-system"))
    assert result.changeset.to_map() == {
        f"ConfigMap/{namespace}/foreign": "skipped",
        f"ConfigMap/{namespace}/stale": "deleted",
        f"ConfigMap/{namespace}/sticky": "skipped",
    }
    assert result.survivors == ()
    result.raise_for_errors()
    live = {o["metadata"]["name"] for o in (await kube.list("v1", "ConfigMap",
                                                            namespace=namespace))[0]}
    assert {"keep", "sticky", "foreign"} <= live
    assert "stale" not in live
    # Pruning again finds nothing to do: already-gone objects produce no entry.
    again = await prune.prune(kube, stale_refs, opts=prune.PruneOptions(
        owner_name="apps", owner_namespace="flux-system"))
    assert again.changeset.with_action(Action.DELETED) == ()


async def test_prune_of_other_owner_is_skipped(kube: KubeClient, namespace: str) -> None:
    theirs = ownership.with_owner_labels(
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "t", "namespace": namespace}},
        name="other", namespace="flux-system")
    await ssa.apply_all_staged(kube, [theirs])
    result = await prune.prune(kube, [ObjectRef.from_object(theirs)], opts=prune.PruneOptions(
        owner_name="apps", owner_namespace="flux-system"))
    assert [str(e) for e in result.changeset] == [f"ConfigMap/{namespace}/t skipped"]
    assert await kube.get_or_none("v1", "ConfigMap", "t", namespace) is not None


async def test_prune_dry_run_deletes_nothing(kube: KubeClient, namespace: str) -> None:
    obj = _cm(namespace, "dry")
    await ssa.apply_all_staged(kube, [obj])
    result = await prune.prune(kube, [ObjectRef.from_object(obj)], opts=prune.PruneOptions(
        owner_name="apps", owner_namespace="flux-system", dry_run=True))
    assert result.changeset.lines() == [f"ConfigMap/{namespace}/dry deleted"]
    assert await kube.get_or_none("v1", "ConfigMap", "dry", namespace) is not None
