"""build (offline, as the controller renders) and diff rendering on literal objects."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tether import errors
from tether.cli import build, diff, rendering

KS = """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/prod
  prune: true
  targetNamespace: team
  sourceRef: {kind: GitRepository, name: flux-system}
  postBuild:
    substitute: {ENV: prod}
"""


def _tree(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    base, prod = tmp_path / "apps" / "base", tmp_path / "apps" / "prod"
    base.mkdir(parents=True)
    prod.mkdir()
    (base / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  env: ${ENV:=dev}\n"
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n"
        "stringData:\n  password: hunter2\n")
    (base / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (prod / "kustomization.yaml").write_text("resources: [../base]\nnamePrefix: prod-\n")
    (tmp_path / "ks.yaml").write_text(KS)
    return prod


def test_offline_build_renders_like_the_controller_and_masks(tmp_path: Path) -> None:
    prod = _tree(tmp_path)
    before = (prod / "kustomization.yaml").read_text()
    objs = asyncio.run(build.build_objects(None, name="apps", namespace="flux-system",
                                           path=prod, kustomization_file=tmp_path / "ks.yaml"))
    assert [(o["kind"], o["metadata"]["name"], o["metadata"]["namespace"]) for o in objs] == [
        ("ConfigMap", "prod-web", "team"), ("Secret", "prod-creds", "team")]
    assert objs[0]["data"] == {"env": "prod"}
    assert objs[1]["stringData"] == {"password": rendering.MASK}
    assert objs[0]["metadata"]["labels"] == {"kustomize.toolkit.fluxcd.io/name": "apps",
                                             "kustomize.toolkit.fluxcd.io/namespace":
                                             "flux-system"}
    assert (prod / "kustomization.yaml").read_text() == before


def test_offline_build_needs_a_kustomization_file(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigError, match="--kustomization-file"):
        asyncio.run(build.build_objects(None, name="apps", namespace="ns", path=tmp_path,
                                        kustomization_file=None))
    (tmp_path / "ks.yaml").write_text(KS)
    with pytest.raises(errors.ConfigError, match="no Kustomization named 'other'"):
        rendering.load_kustomization_file(tmp_path / "ks.yaml", name="other", namespace="ns")


def test_changes_match_list_items_by_name() -> None:
    old = {"spec": {"ports": [{"name": "http", "port": 9899}], "type": "ClusterIP"}}
    new = {"spec": {"ports": [{"name": "http", "port": 9898}], "type": "ClusterIP"},
           "metadata": {"labels": {"a": "b"}}}
    assert list(diff.changes(old, new)) == [("metadata", None, {"labels": {"a": "b"}}),
                                            ("spec.ports.http.port", 9899, 9898)]


def test_render_changes_like_flux_and_never_prints_secret_values() -> None:
    live = {"kind": "Service", "metadata": {"name": "x", "resourceVersion": "1"},
            "spec": {"ports": [{"name": "http", "port": 9899}]}}
    dry = {"kind": "Service", "metadata": {"name": "x", "resourceVersion": "2"},
           "spec": {"ports": [{"name": "http", "port": 9898}]}}
    assert diff.render_changes(live, dry, secret=False) == (
        "spec.ports.http.port\n± value change\n- 9899\n+ 9898\n")
    text = diff.render_changes({"data": {"password": "aHVudGVyMg=="}},
                               {"data": {"password": "c2VjcmV0"}}, secret=True)
    assert text == "data.password\n± value change\n- **** (before)\n+ **** (after)\n"
    assert "aHVudGVyMg" not in text


def test_mask_secrets_only_touches_core_secrets() -> None:
    objs = [{"apiVersion": "v1", "kind": "Secret", "data": {"a": "eA=="}},
            {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "x"}}]
    assert rendering.mask_secrets(objs) == [
        {"apiVersion": "v1", "kind": "Secret", "data": {"a": "****"}}, objs[1]]


def test_diff_errors_exit_2() -> None:
    assert diff.DiffError("x").exit_code == 2
