"""GitRepository model: Flux YAML round-trips; bad specs name the field."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tether import errors
from tether.api import source

FLUX_YAML = """
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  interval: 1m0s
  timeout: 60s
  url: https://github.com/stefanprodan/podinfo
  ref:
    semver: ">=6.0.0 <7.0.0"
  secretRef:
    name: https-credentials
  ignore: |
    /*
    !/deploy
  include:
    - repository:
        name: shared
      fromPath: deploy/webapp
      toPath: shared
  verify:
    mode: HEAD
    secretRef:
      name: pgp-public-keys
  recurseSubmodules: true
  sparseCheckout: [deploy]
  proxySecretRef:
    name: proxy
  suspend: false
  provider: generic
status:
  observedGeneration: 3
  conditions:
    - type: Ready
      status: "True"
      observedGeneration: 3
      lastTransitionTime: "2026-01-01T00:00:00Z"
      reason: Succeeded
      message: "stored artifact for revision 'v6.1.0@sha1:0123456789abcdef0123456789abcdef01234567'"
  artifact:
    path: gitrepository/flux-system/podinfo/abc.tar.gz
    url: http://source-controller.flux-system.svc.cluster.local./gitrepository/flux-system/podinfo/abc.tar.gz
    revision: v6.1.0@sha1:0123456789abcdef0123456789abcdef01234567
    digest: sha256:e750c7a46724acaef8f8aa926259af30bbd9face2ae065ae8896ba5ee5ab832b
    lastUpdateTime: "2026-01-01T00:00:00Z"
    size: 91318
  observedIgnore: "/*"
  observedRecurseSubmodules: true
  observedInclude:
    - repository: {name: shared}
  observedSparseCheckout: [deploy]
  sourceVerificationMode: HEAD
  lastHandledReconcileAt: "2026-01-01T00:00:00.000Z"
"""


def _doc() -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(FLUX_YAML, Loader=yaml.CSafeLoader)
    return data


def test_flux_yaml_round_trips() -> None:
    doc = _doc()
    doc["spec"].pop("suspend")  # ``suspend: false`` is omitempty in Flux too
    obj = source.GitRepository.from_dict(doc)
    assert obj.to_dict() == doc
    assert obj.spec.interval.seconds == 60
    assert obj.spec.timeout_seconds == 60
    assert obj.spec.effective_ref.semver == ">=6.0.0 <7.0.0"
    assert obj.status.artifact is not None and obj.status.artifact.size == 91318
    assert obj.name == "podinfo" and obj.namespace == "flux-system"


def test_defaults() -> None:
    obj = source.GitRepository.from_dict({
        "apiVersion": source.API_VERSION, "kind": "GitRepository",
        "metadata": {"name": "x"}, "spec": {"url": "https://e.com/r", "interval": "5m"},
    })
    assert obj.spec.effective_ref.branch == "master"
    assert obj.spec.timeout_seconds == 60
    assert not obj.spec.suspend


@pytest.mark.parametrize(("path", "value", "field"), [
    (("spec", "interval"), "often", "spec.interval"),
    (("spec", "ref"), "main", "spec.ref"),
    (("spec", "suspend"), "yes", "spec.suspend"),
    (("spec", "include"), [{"fromPath": "x"}], "spec.include[0].repository"),
    (("spec", "verify", "mode"), "Always", "spec.verify.mode"),
])
def test_invalid_specs_name_the_field(path: tuple[str, ...], value: Any, field: str) -> None:
    doc = _doc()
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(errors.InvalidSpecError, match=field.replace("[", r"\[")):
        source.GitRepository.from_dict(doc)


def test_missing_required_field() -> None:
    doc = _doc()
    del doc["spec"]["url"]
    with pytest.raises(errors.InvalidSpecError, match=r"spec\.url: is required"):
        source.GitRepository.from_dict(doc)
