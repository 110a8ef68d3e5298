"""Install manifests: restricted pod security, Flux labels, CRDs from the models, determinism."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tether import errors
from tether.bootstrap import components


def _by_kind(objs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objs if o["kind"] == kind]


def test_crds_are_generated_from_the_models() -> None:
    objs = components.generate(components.InstallOptions())
    names = {o["metadata"]["name"] for o in _by_kind(objs, "CustomResourceDefinition")}
    assert names == {"gitrepositories.source.toolkit.fluxcd.io",
                     "kustomizations.kustomize.toolkit.fluxcd.io"}
    # CRDs come first so that staged apply and kustomize see definitions before use.
    assert [o["kind"] for o in objs[:2]] == ["CustomResourceDefinition"] * 2


def test_every_object_carries_flux_labels() -> None:
    objs = components.generate(components.InstallOptions(namespace="gitops"))
    for obj in objs:
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/part-of"] == "flux", obj["metadata"]["name"]
        assert labels["app.kubernetes.io/instance"] == "gitops"
        assert labels["app.kubernetes.io/version"].startswith("v")


def test_deployment_is_restricted() -> None:
    objs = components.generate(components.InstallOptions(image="example.org/tether:1"))
    (deploy,) = _by_kind(objs, "Deployment")
    pod = deploy["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    ctx = container["securityContext"]
    assert ctx["runAsNonRoot"] is True
    assert ctx["readOnlyRootFilesystem"] is True
    assert ctx["allowPrivilegeEscalation"] is False
    assert ctx["capabilities"] == {"drop": ["ALL"]}
    assert ctx["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["resources"]["limits"] == {"cpu": "1000m", "memory": "1Gi"}
    assert container["image"] == "example.org/tether:1"
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert mounts == {"/data": "data", "/tmp": "tmp"}
    assert all("emptyDir" in v for v in pod["volumes"])
    assert pod["serviceAccountName"] == components.CONTROLLER_NAME


def test_controller_args_match_flux_controllers() -> None:
    (deploy,) = _by_kind(components.generate(components.InstallOptions()), "Deployment")
    args = deploy["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--storage-path=/data" in args
    assert ("--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.cluster.local."
            in args)
    env = {e["name"]: e for e in deploy["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["RUNTIME_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"


def test_artifact_service_targets_the_http_port() -> None:
    objs = components.generate(components.InstallOptions())
    (svc,) = _by_kind(objs, "Service")
    (deploy,) = _by_kind(objs, "Deployment")
    assert svc["metadata"]["name"] == "source-controller"
    assert svc["spec"]["ports"] == [{"name": "http", "port": 80, "protocol": "TCP",
                                     "targetPort": "http"}]
    assert svc["spec"]["selector"].items() <= (
        deploy["spec"]["template"]["metadata"]["labels"].items())
    ports = deploy["spec"]["template"]["spec"]["containers"][0]["ports"]
    assert "http" in {p["name"] for p in ports}


def test_rbac_is_bound_to_the_controller_and_suffixed_by_namespace() -> None:
    objs = components.generate(components.InstallOptions(namespace="ops"))
    bindings = {o["metadata"]["name"]: o for o in _by_kind(objs, "ClusterRoleBinding")}
    assert set(bindings) == {"cluster-reconciler-ops", "crd-controller-ops"}
    assert bindings["cluster-reconciler-ops"]["roleRef"]["name"] == "cluster-admin"
    for binding in bindings.values():
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "tether-controller",
                                        "namespace": "ops"}]
    (role,) = _by_kind(objs, "ClusterRole")
    groups = {g for rule in role["rules"] for g in rule.get("apiGroups", [])}
    assert {"source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io"} <= groups


def test_namespace_object_and_namespaced_objects_agree() -> None:
    objs = components.generate(components.InstallOptions(namespace="ops"))
    (ns,) = _by_kind(objs, "Namespace")
    assert ns["metadata"]["name"] == "ops"
    for obj in objs:
        if obj["kind"] in ("Deployment", "Service", "ServiceAccount"):
            assert obj["metadata"]["namespace"] == "ops"


def test_render_is_deterministic_and_parses_back() -> None:
    opts = components.InstallOptions()
    first = components.render(components.generate(opts), banner=components.header(opts))
    second = components.render(components.generate(opts), banner=components.header(opts))
    assert first == second
    assert first.startswith("# This manifest was generated by tether. DO NOT EDIT.\n")
    docs = [d for d in yaml.safe_load_all(first) if d]
    assert [d["kind"] for d in docs] == [o["kind"] for o in components.generate(opts)]


@pytest.mark.parametrize("comps", [("helm-controller",), ("kustomize-controller",)])
def test_unsupported_or_incomplete_components_are_refused(comps: tuple[str, ...]) -> None:
    with pytest.raises(errors.ConfigError):
        components.generate(components.InstallOptions(components=comps))


def test_dockerfile_matches_the_deployment() -> None:
    """The image runs as the pod's user and its entrypoint takes the Deployment's args."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["tether", "controller", "run"]' in text
    assert "FROM python:3.11-slim" in text
    (deploy,) = _by_kind(components.generate(components.InstallOptions()), "Deployment")
    pod = deploy["spec"]["template"]["spec"]["securityContext"]
    assert f"USER {pod['runAsUser']}:{pod['runAsGroup']}" in text


def test_crds_and_namespace_are_never_pruned() -> None:
    objs = components.generate(components.InstallOptions())
    for obj in objs:
        if obj["kind"] in ("CustomResourceDefinition", "Namespace"):
            assert obj["metadata"]["annotations"] == {
                "kustomize.toolkit.fluxcd.io/prune": "disabled"}


def test_network_policies_like_flux_and_optional() -> None:
    objs = components.generate(components.InstallOptions(namespace="ops"))
    policies = {o["metadata"]["name"]: o for o in _by_kind(objs, "NetworkPolicy")}
    assert set(policies) == {"allow-egress", "allow-scraping"}
    assert policies["allow-egress"]["spec"]["ingress"] == [{"from": [{"podSelector": {}}]}]
    assert policies["allow-scraping"]["spec"]["ingress"][0]["ports"] == [
        {"port": 8080, "protocol": "TCP"}]
    assert all(p["metadata"]["namespace"] == "ops" for p in policies.values())
    bare = components.generate(components.InstallOptions(network_policy=False))
    assert not _by_kind(bare, "NetworkPolicy")
