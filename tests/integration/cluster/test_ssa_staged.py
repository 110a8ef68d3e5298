"""Staged server-side apply on the real dev cluster: CRD+CR in one set, no-op stability,
drift correction, immutable changes with and without force, ssa marks."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tether import errors
from tether.cluster import ownership, ssa
from tether.cluster.changeset import Action
from tether.cluster.client import KubeClient

pytestmark = pytest.mark.cluster

FAST = ssa.ApplyOptions(wait_timeout=30, wait_interval=0.2)


def _cm(ns: str, name: str, data: dict[str, str], **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ns, **meta}, "data": data}


def _crd(group: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {"group": group, "scope": "Namespaced",
                 "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                 "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
                     "openAPIV3Schema": {"type": "object", "properties": {"spec": {
                         "type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}}]},
    }


@pytest.fixture
async def group(kube: KubeClient) -> AsyncIterator[str]:
    name = f"g{uuid.uuid4().hex[:8]}.tether.test"
    yield name
    await kube.delete("apiextensions.k8s.io/v1", "CustomResourceDefinition", f"widgets.{name}")


async def test_crd_and_custom_resource_in_one_set(kube: KubeClient, namespace: str,
                                                  group: str) -> None:
    widget = {"apiVersion": f"{group}/v1", "kind": "Widget",
              "metadata": {"name": "w1", "namespace": namespace}, "spec": {"size": 3}}
    # The CR comes first in the input: stages, not input order, decide.
    cs = await ssa.apply_all_staged(kube, [widget, _crd(group)], opts=FAST)
    assert cs.lines() == [f"CustomResourceDefinition/widgets.{group} created",
                          f"Widget/{namespace}/w1 created"]
    live = await kube.get(f"{group}/v1", "Widget", "w1", namespace)
    assert live["spec"] == {"size": 3}
    again = await ssa.apply_all_staged(kube, [widget, _crd(group)], opts=FAST)
    assert {e.action for e in again} == {Action.UNCHANGED}


async def test_unchanged_objects_keep_resource_version(kube: KubeClient, namespace: str) -> None:
    objs = [_cm(namespace, f"c{i}", {"i": str(i)}) for i in range(20)]
    first = await ssa.apply_all_staged(kube, objs, opts=FAST)
    assert first.counts() == {Action.CREATED: 20}
    before = {o["metadata"]["name"]: o["metadata"]["resourceVersion"]
              for o in (await kube.list("v1", "ConfigMap", namespace=namespace))[0]}
    second = await ssa.apply_all_staged(kube, objs, opts=FAST)
    assert second.counts() == {Action.UNCHANGED: 20}
    after = {o["metadata"]["name"]: o["metadata"]["resourceVersion"]
             for o in (await kube.list("v1", "ConfigMap", namespace=namespace))[0]}
    assert after == before
    changed = [*objs[:19], _cm(namespace, "c19", {"i": "changed"})]
    third = await ssa.apply_all_staged(kube, changed, opts=FAST)
    assert third.changed()[0].subject == f"ConfigMap/{namespace}/c19"
    assert third.counts() == {Action.UNCHANGED: 19, Action.CONFIGURED: 1}


async def test_drift_is_restored(kube: KubeClient, namespace: str) -> None:
    obj = _cm(namespace, "drift", {"k": "git"}, labels={"team": "a"})
    await ssa.apply_all_staged(kube, [obj], opts=FAST)
    await kube.patch("v1", "ConfigMap", "drift", {"data": {"k": "hand-edited"},
                                                  "metadata": {"labels": {"team": "b"}}},
                     namespace=namespace, field_manager="kubectl-edit")
    cs = await ssa.apply_all_staged(kube, [obj], opts=FAST)
    assert cs.lines() == [f"ConfigMap/{namespace}/drift configured"]
    live = await kube.get("v1", "ConfigMap", "drift", namespace)
    assert live["data"] == {"k": "git"}
    assert live["metadata"]["labels"] == {"team": "a"}
    managers = {e["manager"] for e in live["metadata"]["managedFields"]}
    # kubectl's entry is gone; the server may add ``before-first-apply`` when it rebuilds
    # managed fields (Kubernetes behaviour, the same under Flux).
    assert "kubectl-edit" not in managers
    assert "kustomize-controller" in managers


def _job(ns: str, image: str, **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "once", "namespace": ns, **meta},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
                {"name": "main", "image": image}]}}}}


async def test_immutable_change_fails_without_force(kube: KubeClient, namespace: str) -> None:
    await ssa.apply_all_staged(kube, [_job(namespace, "busybox:1")], opts=FAST)
    with pytest.raises(errors.ApplyError) as info:
        await ssa.apply_all_staged(kube, [_job(namespace, "busybox:2"),
                                          _cm(namespace, "ok", {"a": "b"})], opts=FAST)
    message = str(info.value)
    assert f"Job/{namespace}/once dry-run failed" in message
    assert "immutable" in message
    assert "\n" not in message
    assert isinstance(info.value, ssa.ApplyFailure)
    assert f"ConfigMap/{namespace}/ok" in info.value.changeset.to_map()


async def test_immutable_change_with_force_recreates(kube: KubeClient, namespace: str) -> None:
    await ssa.apply_all_staged(kube, [_job(namespace, "busybox:1")], opts=FAST)
    uid = (await kube.get("batch/v1", "Job", "once", namespace))["metadata"]["uid"]
    marked = _job(namespace, "busybox:2",
                  annotations={ownership.FORCE_KEY: "Enabled"})
    cs = await ssa.apply_all_staged(kube, [marked], opts=FAST)
    assert cs.lines() == [f"Job/{namespace}/once created"]
    live = await kube.get("batch/v1", "Job", "once", namespace)
    assert live["metadata"]["uid"] != uid
    image = live["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "busybox:2"
    # spec.force (the option) does the same for unmarked objects.
    cs = await ssa.apply_all_staged(kube, [_job(namespace, "busybox:3")],
                                    opts=ssa.ApplyOptions(force=True, wait_timeout=30))
    assert cs.lines() == [f"Job/{namespace}/once created"]


async def test_ssa_marks_ignore_and_if_not_present(kube: KubeClient, namespace: str) -> None:
    ignored = _cm(namespace, "ign", {"a": "1"}, annotations={ownership.SSA_KEY: "Ignore"})
    once = _cm(namespace, "once", {"a": "1"}, annotations={ownership.SSA_KEY: "IfNotPresent"})
    cs = await ssa.apply_all_staged(kube, [ignored, once], opts=FAST)
    assert cs.to_map() == {f"ConfigMap/{namespace}/ign": "skipped",
                           f"ConfigMap/{namespace}/once": "created"}
    assert await kube.get_or_none("v1", "ConfigMap", "ign", namespace) is None
    once["data"] = {"a": "2"}
    cs = await ssa.apply_all_staged(kube, [once], opts=FAST)
    assert cs.to_map() == {f"ConfigMap/{namespace}/once": "skipped"}
    assert (await kube.get("v1", "ConfigMap", "once", namespace))["data"] == {"a": "1"}


async def test_errors_aggregate_every_failed_object(kube: KubeClient, namespace: str) -> None:
    bad = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "nons"}},
        {"apiVersion": "nope.example.com/v1", "kind": "Thing",
         "metadata": {"name": "t", "namespace": namespace}},
        _cm(namespace, "fine", {"a": "b"}),
    ]
    with pytest.raises(errors.ApplyError) as info:
        await ssa.apply_all_staged(kube, bad, opts=FAST)
    message = str(info.value)
    assert "ConfigMap/nons: namespace not specified" in message
    assert f"Thing/{namespace}/t" in message
