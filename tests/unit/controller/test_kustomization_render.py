"""Rendering helpers: Flux's kustomization.yaml generator, spec overrides, metadata, SOPS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tether import errors
from tether.api.kustomize import Kustomization, KustomizationSpec
from tether.controller import render

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"


def _spec(**extra: Any) -> KustomizationSpec:
    return Kustomization.from_dict({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system"},
        "spec": {"interval": "1m", "prune": True,
                 "sourceRef": {"kind": "GitRepository", "name": "x"}, **extra},
    }).spec


def test_generate_lists_files_and_sub_kustomizations(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(CM.format(name="b"))
    (tmp_path / "a.yml").write_text(CM.format(name="a") + "---\n")
    (tmp_path / "README.md").write_text("not yaml")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "c.yaml").write_text(CM.format(name="c"))
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [d.yaml]\n")
    (tmp_path / "base" / "d.yaml").write_text(CM.format(name="d"))
    kfile = render.generate(tmp_path)
    doc = yaml.safe_load(kfile.read_text())
    assert doc["resources"] == ["./a.yml", "./b.yaml", "./base", "./nested/c.yaml"]


def test_generate_keeps_existing_and_handles_empty(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yml").write_text("resources: []\n")
    assert render.generate(tmp_path).name == "kustomization.yml"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert yaml.safe_load(render.generate(empty).read_text())["namespace"] == "_placeholder"


def test_generate_rejects_non_kubernetes_yaml(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("replicas: 3\n")
    with pytest.raises(errors.BuildError, match="failed to decode Kubernetes YAML from values"):
        render.generate(tmp_path)


def test_overrides_are_merged(tmp_path: Path) -> None:
    (tmp_path / "comp").mkdir()
    spec = _spec(targetNamespace="apps", namePrefix="p-", nameSuffix="-s",
                 patches=[{"patch": "x", "target": {"kind": "Deployment",
                                                    "labelSelector": "app=web"}}],
                 images=[{"name": "nginx", "newTag": "1.27"}, {"name": "redis", "digest": "d"}],
                 components=["comp", "missing"], ignoreMissingComponents=True,
                 buildMetadata=["originAnnotations"])
    kfile = {"resources": ["a.yaml"], "images": [{"name": "nginx", "newName": "mirror/nginx"}],
             "patches": [{"path": "p.yaml"}]}
    out = render.merge_overrides(kfile, spec, directory=tmp_path)
    assert out["namespace"] == "apps"
    assert (out["namePrefix"], out["nameSuffix"]) == ("p-", "-s")
    assert out["patches"] == [{"path": "p.yaml"}, {"patch": "x", "target": {
        "kind": "Deployment", "labelSelector": "app=web"}}]
    assert out["images"] == [{"name": "nginx", "newName": "mirror/nginx", "newTag": "1.27"},
                             {"name": "redis", "digest": "d"}]
    assert out["components"] == ["comp"]
    assert out["buildMetadata"] == ["originAnnotations"]
    assert kfile["images"] == [{"name": "nginx", "newName": "mirror/nginx"}]
    with pytest.raises(errors.BuildError, match="component path 'missing' not found"):
        render.merge_overrides({}, _spec(components=["missing"]), directory=tmp_path)
    with pytest.raises(errors.BuildError, match="must be local"):
        render.merge_overrides({}, _spec(components=["/etc"]), directory=tmp_path)


def test_prepare_rewrites_file_and_reports_missing_path(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(CM.format(name="a"))
    kfile = render.prepare(tmp_path, _spec(targetNamespace="apps"))
    assert yaml.safe_load(kfile.read_text())["namespace"] == "apps"
    with pytest.raises(errors.BuildError, match="kustomization path not found"):
        render.prepare(tmp_path / "nope", _spec())


def test_common_metadata_and_owner_labels() -> None:
    spec = _spec(commonMetadata={"labels": {"team": "a"}, "annotations": {"n": "1"}})
    obj = {"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "c", "labels": {"team": "old", "x": "y"}}}
    (out,) = render.apply_common_metadata([obj], spec, owner=("apps", "flux-system"))
    assert out["metadata"]["labels"] == {
        "team": "a", "x": "y", "kustomize.toolkit.fluxcd.io/name": "apps",
        "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}
    assert out["metadata"]["annotations"] == {"n": "1"}
    assert obj["metadata"]["labels"] == {"team": "old", "x": "y"}


def test_sops_encrypted_input_is_refused() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "a"},
              "data": {"k": "ENC[AES256_GCM,data:...]"}, "sops": {"version": "3.9"}}
    with pytest.raises(errors.UnsupportedError, match="Secret/a/s is SOPS encrypted"):
        render.refuse_encrypted([secret])


def test_substitute_uses_inline_over_sources() -> None:
    spec = _spec(postBuild={"substitute": {"A": "inline"}})
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
           "data": {"a": "${A}", "b": "${B}"}}
    (out,) = render.substitute([obj], spec, sources=[{"A": "cm", "B": "cm"}])
    assert out["data"] == {"a": "inline", "b": "cm"}
    assert render.substitute([obj], _spec(), sources=[]) == [obj]


def test_rewritten_kustomization_keeps_ambiguous_strings(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(CM.format(name="a"))
    objs = render.render(_spec(targetNamespace="y", namePrefix="on-"), root=tmp_path,
                         directory=tmp_path, build=render.native_build,
                         owner=("apps", "flux-system"))
    assert [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in objs] == [("y", "on-a")]
    assert objs[0]["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"] == "apps"
