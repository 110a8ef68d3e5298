"""The Kustomization model: every field round-trips, errors name the field, Flux defaults."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tether import errors
from tether.api import crd, kustomize
from tether.api.kustomize import Kustomization

FULL: dict[str, Any] = {
    "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
    "kind": "Kustomization",
    "metadata": {"name": "apps", "namespace": "flux-system", "generation": 3},
    "spec": {
        "interval": "10m0s", "retryInterval": "1m", "timeout": "5m",
        "sourceRef": {"kind": "GitRepository", "name": "flux-system",
                      "namespace": "flux-system", "apiVersion": "source.toolkit.fluxcd.io/v1"},
        "path": "./apps/staging", "prune": True, "deletionPolicy": "WaitForTermination",
        "wait": True,
        "healthChecks": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                          "namespace": "apps"}],
        "healthCheckExprs": [{"apiVersion": "example.com/v1", "kind": "Widget",
                              "current": "status.ready == true", "inProgress": "true",
                              "failed": "false"}],
        "dependsOn": [{"name": "infra-configs"},
                      {"name": "infra", "namespace": "other", "readyExpr": "dep.ok"}],
        "suspend": False, "force": True, "targetNamespace": "apps",
        "namePrefix": "p-", "nameSuffix": "-s",
        "commonMetadata": {"labels": {"team": "a"}, "annotations": {"note": "x"}},
        "patches": [{"patch": "- op: add\n  path: /x\n  value: 1\n",
                     "target": {"kind": "Deployment", "labelSelector": "app=web"}}],
        "images": [{"name": "nginx", "newName": "ghcr.io/nginx", "newTag": "1.27",
                    "digest": "sha256:abc"}],
        "components": ["../components/a"], "ignoreMissingComponents": True,
        "buildMetadata": ["originAnnotations"],
        "postBuild": {"substitute": {"ENV": "staging"},
                      "substituteFrom": [{"kind": "ConfigMap", "name": "vars"},
                                         {"kind": "Secret", "name": "s", "optional": True}],
                      "substituteStrategy": "Always"},
        "decryption": {"provider": "sops", "secretRef": {"name": "sops-age"}},
        "serviceAccountName": "deployer",
        "kubeConfig": {"secretRef": {"name": "remote", "key": "value.yaml"}},
        "ignore": [{"paths": ["/spec/replicas"], "target": {"kind": "Deployment"}}],
    },
    "status": {
        "observedGeneration": 3,
        "conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded",
                        "message": "Applied revision: main@sha1:abc",
                        "lastTransitionTime": "2026-11-23T20:00:00Z",
                        "observedGeneration": 3}],
        "lastAppliedRevision": "main@sha1:abc", "lastAttemptedRevision": "main@sha1:abc",
        "lastAppliedOriginRevision": "v1.0.0",
        "lastHandledReconcileAt": "2026-11-23T19:59:00.000000000Z",
        "inventory": {"entries": [{"id": "apps_web_apps_Deployment", "v": "v1"}]},
        "history": [{"digest": "sha256:1", "firstReconciled": "2026-11-23T19:00:00Z",
                     "lastReconciled": "2026-11-23T20:00:00Z",
                     "lastReconciledDuration": "1.2s",
                     "lastReconciledStatus": "ReconciliationSucceeded",
                     "totalReconciliations": 4, "metadata": {"revision": "main@sha1:abc"}}],
    },
}


def test_full_object_round_trips() -> None:
    ks = Kustomization.from_dict(copy.deepcopy(FULL))
    assert ks.to_dict() == FULL
    assert ks.name == "apps" and ks.namespace == "flux-system" and ks.generation == 3
    assert ks.spec.post_build is not None
    assert ks.spec.post_build.substitute_from is not None
    assert ks.spec.post_build.substitute_from[1].optional is True
    assert ks.spec.timeout_seconds() == 300
    assert ks.spec.retry_seconds() == 60


def test_minimal_seed_object_round_trips_without_added_fields() -> None:
    seed = {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "infra-controllers", "namespace": "flux-system"},
            "spec": {"interval": "1h", "retryInterval": "1m", "timeout": "5m",
                     "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
                     "path": "./infrastructure/controllers", "prune": True, "wait": True}}
    ks = Kustomization.from_dict(copy.deepcopy(seed))
    assert ks.to_dict() == seed
    assert not ks.spec.force


@pytest.mark.parametrize(("interval", "timeout", "expected"), [
    ("10m", None, 570.0), ("45s", None, 30.0), ("1h", "5m", 300.0), ("1h", "10s", 30.0)])
def test_flux_timeout_defaults(interval: str, timeout: str | None, expected: float) -> None:
    spec: dict[str, Any] = {"interval": interval, "prune": False,
                            "sourceRef": {"kind": "GitRepository", "name": "x"}}
    if timeout:
        spec["timeout"] = timeout
    obj = {**FULL, "spec": spec, "status": {}}
    assert Kustomization.from_dict(obj).spec.timeout_seconds() == expected


@pytest.mark.parametrize(("mutate", "needle"), [
    (lambda s: s.pop("interval"), "Kustomization/flux-system/apps: spec.interval: is required"),
    (lambda s: s.update(interval="soon"), "spec.interval"),
    (lambda s: s.update(prune="yes"), "spec.prune: expected a boolean"),
    (lambda s: s["sourceRef"].update(kind="HelmRepository"), "spec.sourceRef.kind"),
    (lambda s: s.update(deletionPolicy="Never"), "spec.deletionPolicy"),
    (lambda s: s["postBuild"]["substituteFrom"][0].pop("name"),
     "spec.postBuild.substituteFrom[0].name: is required"),
    (lambda s: s["dependsOn"].append({}), "spec.dependsOn[2].name: is required"),
])
def test_invalid_spec_names_the_field(mutate: Any, needle: str) -> None:
    obj = copy.deepcopy(FULL)
    mutate(obj["spec"])
    with pytest.raises(errors.InvalidSpecError) as info:
        Kustomization.from_dict(obj)
    assert needle in str(info.value)


def test_wrong_kind_and_missing_name() -> None:
    with pytest.raises(errors.InvalidSpecError, match=r"expected kustomize\.toolkit"):
        Kustomization.from_dict({**FULL, "apiVersion": "kustomize.toolkit.fluxcd.io/v1beta2"})
    with pytest.raises(errors.InvalidSpecError, match=r"metadata\.name"):
        Kustomization.from_dict({**FULL, "metadata": {}})


def test_crd_is_generated_from_the_model() -> None:
    manifest = crd.manifest(kustomize.CRD)
    assert manifest["metadata"]["name"] == "kustomizations.kustomize.toolkit.fluxcd.io"
    assert manifest["spec"]["names"]["shortNames"] == ["ks"]
    version = manifest["spec"]["versions"][0]
    assert [c["name"] for c in version["additionalPrinterColumns"]] == ["Age", "Ready", "Status"]
    spec = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
    assert set(spec["required"]) == {"interval", "sourceRef", "prune"}
    for key in ("interval", "retryInterval", "timeout", "sourceRef", "path", "prune", "wait",
                "healthChecks", "healthCheckExprs", "dependsOn", "suspend", "force",
                "targetNamespace", "namePrefix", "nameSuffix", "commonMetadata", "patches",
                "images", "components", "postBuild", "decryption", "serviceAccountName",
                "kubeConfig", "deletionPolicy"):
        assert key in spec["properties"], key
    status = version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
    for key in ("inventory", "history", "lastAppliedRevision", "lastAttemptedRevision",
                "lastHandledReconcileAt", "observedGeneration", "conditions"):
        assert key in status, key
