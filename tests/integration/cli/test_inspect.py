"""tree, trace, events and stats on the real dev cluster, compared with Flux's shapes."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import pytest
from tests.integration.cli.conftest import REVISION, Cli

from tether.cli import kinds
from tether.cluster.client import KubeClient

pytestmark = pytest.mark.cluster

KS = kinds.KUSTOMIZATION
GIT = kinds.GIT_REPOSITORY


async def _with_status(kube: KubeClient, obj: dict[str, Any], status: dict[str, Any]) -> None:
    live = await kube.create(obj)
    live["status"] = status
    await kube.replace(live, subresource="status")


def _ready(message: str, status: str = "True") -> list[dict[str, Any]]:
    return [{"type": "Ready", "status": status, "reason": "Succeeded", "message": message,
             "lastTransitionTime": "2026-01-01T00:00:00Z"}]


async def _fleet(kube: KubeClient, ns: str) -> None:
    """GitRepository fleet; Kustomization parent → ConfigMap web + Kustomization child →
    ConfigMap db; the ConfigMaps carry Flux's owner labels."""
    await _with_status(kube, {
        "apiVersion": GIT.api_version, "kind": GIT.kind,
        "metadata": {"name": "fleet", "namespace": ns},
        "spec": {"url": "https://example.com/fleet.git", "interval": "1m",
                 "ref": {"branch": "main"}}},
        {"artifact": {"revision": REVISION, "size": 3 * 1024, "path": "p", "url": "http://x",
                      "digest": "sha256:" + "0" * 64, "lastUpdateTime": "2026-01-01T00:00:00Z"},
         "conditions": _ready(f"stored artifact for revision '{REVISION}'")})
    for name, entries, path in (
        ("parent", [f"{ns}_web__ConfigMap", f"{ns}_child_kustomize.toolkit.fluxcd.io_"
                    "Kustomization"], "./clusters"),
        ("child", [f"{ns}_db__ConfigMap"], "./apps"),
    ):
        await _with_status(kube, {
            "apiVersion": KS.api_version, "kind": KS.kind,
            "metadata": {"name": name, "namespace": ns},
            "spec": {"interval": "10m", "path": path, "prune": True,
                     "sourceRef": {"kind": "GitRepository", "name": "fleet"}}},
            {"lastAppliedRevision": REVISION, "conditions": _ready(f"Applied revision: {REVISION}"),
             "inventory": {"entries": [{"id": e, "v": "v1"} for e in entries]}})
    for cm, owner in (("web", "parent"), ("db", "child")):
        await kube.create({"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": cm, "namespace": ns, "labels": {
                               "kustomize.toolkit.fluxcd.io/name": owner,
                               "kustomize.toolkit.fluxcd.io/namespace": ns}}})


async def test_tree_expands_nested_kustomizations(cli: Cli, kube: KubeClient) -> None:
    ns = cli.namespace
    await _fleet(kube, ns)
    r = await cli("tree", "kustomization", "parent")
    assert r.rc == 0, r.err
    assert r.out == (f"Kustomization/{ns}/parent\n"
                     f"├── ConfigMap/{ns}/web\n"
                     f"└── Kustomization/{ns}/child\n"
                     f"    └── ConfigMap/{ns}/db\n")
    r = await cli("tree", "ks", "parent", "--compact", "-o", "json")
    data = json.loads(r.out)
    assert [c["resource"]["Name"] for c in data["resources"]] == ["child"]
    r = await cli("tree", "ks", "missing")
    assert r.rc == 1 and r.err.startswith("✗ get Kustomization/")


async def test_trace_names_kustomization_and_source(cli: Cli, kube: KubeClient) -> None:
    ns = cli.namespace
    await _fleet(kube, ns)
    r = await cli("trace", "configmap/db")
    assert r.rc == 0, r.err
    lines = r.out.splitlines()
    assert lines[:3] == ["Object:          ConfigMap/db", f"Namespace:       {ns}",
                         "Status:          Managed by Flux"]
    assert "Kustomization:   child" in lines and "Path:            ./apps" in lines
    assert "GitRepository:   fleet" in lines and "Branch:          main" in lines
    assert (await cli("trace", "cm", "web")).out.count("---") == 2
    await kube.create({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "loose", "namespace": ns}})
    r = await cli("trace", "ConfigMap/loose")
    assert r.rc == 1 and "not managed by Flux" in r.err


async def test_events_and_stats(cli: Cli, kube: KubeClient) -> None:
    ns = cli.namespace
    await _fleet(kube, ns)
    for kind, name, reason, type_ in (("Kustomization", "child", "ReconciliationSucceeded",
                                       "Normal"),
                                      ("GitRepository", "fleet", "GitOperationFailed",
                                       "Warning")):
        api = KS.api_version if kind == "Kustomization" else GIT.api_version
        await kube.create({"apiVersion": "v1", "kind": "Event",
                           "metadata": {"name": f"{name}.1", "namespace": ns},
                           "involvedObject": {"kind": kind, "name": name, "namespace": ns,
                                              "apiVersion": api},
                           "reason": reason, "type": type_, "message": f"{reason} msg",
                           "lastTimestamp": "2026-01-01T00:00:00Z"})
    r = await cli("events")
    assert r.rc == 0, r.err
    head, *rows = r.out.splitlines()
    assert head.split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert {row.split("\t")[3].strip() for row in rows} == {"Kustomization/child",
                                                            "GitRepository/fleet"}
    r = await cli("events", "--for", "Kustomization/child", "--types", "Warning")
    assert [row.split("\t")[3].strip() for row in r.out.splitlines()[1:]] == [
        "GitRepository/fleet"]
    r = await cli("stats")
    assert r.out.splitlines()[0].split() == ["RECONCILERS", "RUNNING", "FAILING", "SUSPENDED",
                                             "STORAGE"]
    cells = {line.split("\t")[0].strip(): [c.strip() for c in line.split("\t")[1:5]]
             for line in r.out.splitlines()[1:]}
    assert cells == {"GitRepository": ["1", "0", "0", "3.0 KiB"],
                     "Kustomization": ["2", "0", "0", "-"]}


async def test_events_watch_prints_new_events(cli: Cli, kube: KubeClient) -> None:
    ns = cli.namespace
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tether", "--kubeconfig", cli.kubeconfig, "-n", ns,
        "events", "--watch", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    try:
        header = await asyncio.wait_for(proc.stdout.readline(), 20)
        assert header.decode().split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
        # The header is printed after the list; the watch resumes from the list's version.
        await kube.create({"apiVersion": "v1", "kind": "Event",
                           "metadata": {"name": "apps.2", "namespace": ns},
                           "involvedObject": {"kind": "Kustomization", "name": "apps",
                                              "namespace": ns, "apiVersion": KS.api_version},
                           "reason": "Progressing", "type": "Normal",
                           "message": "ConfigMap/x created",
                           "lastTimestamp": "2026-01-01T00:00:00Z"})
        row = await asyncio.wait_for(proc.stdout.readline(), 20)
        assert [c.strip() for c in row.decode().split("\t")[1:4]] == [
            "Normal", "Progressing", "Kustomization/apps"]
    finally:
        proc.terminate()
        await proc.wait()
