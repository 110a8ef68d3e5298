"""The informer against a real API server: events, indexes, relist after 410 Gone."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.helpers import eventually

from tether.cluster import client
from tether.controller import informer

pytestmark = pytest.mark.cluster


def _cm(name: str, namespace: str, owner: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace, "labels": {"owner": owner}},
            "data": {"k": "v"}}


async def test_events_index_and_relist(kube: client.KubeClient, namespace: str) -> None:
    await kube.create(_cm("before", namespace, "x"))
    inf = informer.Informer(kube, api_version="v1", kind="ConfigMap", namespace=namespace,
                            watch_timeout=5)
    inf.add_index("owner", lambda o: [((o.get("metadata") or {}).get("labels") or {})
                                      .get("owner", "")])
    seen: list[tuple[str, str]] = []
    inf.add_handler(lambda event, obj, old: seen.append((event, informer.key_of(obj))))
    task = asyncio.create_task(inf.run())
    try:
        await asyncio.wait_for(inf.synced.wait(), 10)
        assert ("ADDED", f"{namespace}/before") in seen
        await kube.create(_cm("during", namespace, "y"))
        await kube.patch("v1", "ConfigMap", "before", {"data": {"k": "w"}}, namespace=namespace)
        await kube.delete("v1", "ConfigMap", "during", namespace=namespace)

        async def all_seen() -> bool:
            return {("ADDED", f"{namespace}/during"), ("MODIFIED", f"{namespace}/before"),
                    ("DELETED", f"{namespace}/during")} <= set(seen)
        await eventually(all_seen, timeout=10, what="watch events")
        assert [informer.key_of(o) for o in inf.by_index("owner", "x")] == [
            f"{namespace}/before"]
        assert inf.by_index("owner", "y") == []
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_expired_resource_version_forces_a_relist(
    kube: client.KubeClient, namespace: str
) -> None:
    inf = informer.Informer(kube, api_version="v1", kind="ConfigMap", namespace=namespace,
                            watch_timeout=5)
    await inf._relist()
    inf.resource_version = "1"  # long compacted away: the server answers 410 Gone
    assert await inf._watch() is True
    relists = inf.relists
    task = asyncio.create_task(inf.run())
    try:
        await kube.create(_cm("after", namespace, "z"))
        await eventually(lambda: _async(f"{namespace}/after" in inf.cache), timeout=10,
                         what="object seen after relist")
        assert inf.relists >= relists
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _async(value: bool) -> bool:
    return value
