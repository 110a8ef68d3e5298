"""build and diff against the real dev cluster: server-side dry-run, Flux's lines, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.cli.conftest import Cli

from tether.cli import kinds
from tether.cluster.client import KubeClient

pytestmark = pytest.mark.cluster

MANIFESTS = """apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  color: ${COLOR}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: fresh
data:
  a: b
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  password: hunter2
"""


async def _setup(kube: KubeClient, ns: str, tmp_path: Path) -> Path:
    app = tmp_path / "app"
    app.mkdir()
    (app / "all.yaml").write_text(MANIFESTS)
    await kube.create({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "colors", "namespace": ns}, "data": {"COLOR": "blue"}})
    ks = await kube.create({
        "apiVersion": kinds.KUSTOMIZATION.api_version, "kind": "Kustomization",
        "metadata": {"name": "app", "namespace": ns},
        "spec": {"interval": "10m", "path": "./app", "prune": True, "targetNamespace": ns,
                 "sourceRef": {"kind": "GitRepository", "name": "fleet"},
                 "postBuild": {"substituteFrom": [{"kind": "ConfigMap", "name": "colors"}]}}})
    ks["status"] = {"inventory": {"entries": [
        {"id": f"{ns}_web__ConfigMap", "v": "v1"}, {"id": f"{ns}_old__ConfigMap", "v": "v1"},
        {"id": f"{ns}_creds__Secret", "v": "v1"}]}}
    await kube.replace(ks, subresource="status")
    labels = {"kustomize.toolkit.fluxcd.io/name": "app",
              "kustomize.toolkit.fluxcd.io/namespace": ns}
    for name, data in (("web", {"color": "red"}), ("old", {"x": "y"})):
        await kube.create({"apiVersion": "v1", "kind": "ConfigMap", "data": data,
                           "metadata": {"name": name, "namespace": ns, "labels": labels}})
    await kube.create({"apiVersion": "v1", "kind": "Secret", "stringData": {"password": "old"},
                       "metadata": {"name": "creds", "namespace": ns, "labels": labels}})
    return app


async def test_diff_reports_created_drifted_deleted(cli: Cli, kube: KubeClient,
                                                    tmp_path: Path) -> None:
    ns = cli.namespace
    app = await _setup(kube, ns, tmp_path)
    r = await cli("diff", "kustomization", "app", "--path", str(app))
    assert r.rc == 1, r.err
    assert r.out == (
        f"► ConfigMap/{ns}/web drifted\n\ndata.color\n± value change\n- red\n+ blue\n\n"
        f"► ConfigMap/{ns}/fresh created\n"
        f"► Secret/{ns}/creds drifted\n\n"
        "data.password\n± value change\n- **** (before)\n+ **** (after)\n\n"
        f"► ConfigMap/{ns}/old deleted\n")
    assert "hunter2" not in r.out and "b2xk" not in r.out

    r = await cli("build", "ks", "app", "--path", str(app))
    assert r.rc == 0, r.err
    assert "color: blue" in r.out and "password: '****'" in r.out and "hunter2" not in r.out


async def test_diff_clean_is_exit_0_and_errors_exit_2(cli: Cli, kube: KubeClient,
                                                      tmp_path: Path) -> None:
    ns = cli.namespace
    app = await _setup(kube, ns, tmp_path)
    docs = MANIFESTS.replace("${COLOR}", "red").replace("hunter2", "old").split("---\n")
    (app / "all.yaml").write_text("---\n".join([docs[0], docs[2]]))
    ks = await kube.get(kinds.KUSTOMIZATION.api_version, "Kustomization", "app", ns)
    ks["status"]["inventory"]["entries"] = [e for e in ks["status"]["inventory"]["entries"]
                                            if "_old_" not in e["id"]]
    await kube.replace(ks, subresource="status")
    r = await cli("diff", "ks", "app", "--path", str(app))
    assert (r.rc, r.out) == (0, ""), r.err
    r = await cli("diff", "ks", "missing", "--path", str(app))
    assert r.rc == 2 and r.err.startswith("✗ Kustomization")
    r = await cli("diff", "ks", "app", "--path", str(tmp_path / "nope"))
    assert r.rc == 2 and "invalid resource path" in r.err
