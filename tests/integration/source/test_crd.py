"""The generated GitRepository CRD installs into the real API server; Flux YAML round-trips."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from tests.helpers import eventually
from tests.unit.api.test_source import FLUX_YAML

from tether.api import source
from tether.cluster import client
from tether.controller import crds

pytestmark = pytest.mark.cluster


async def test_crd_installs_and_flux_yaml_round_trips(
    kube: client.KubeClient, namespace: str
) -> None:
    await crds.install(kube, [source.CRD])
    doc: dict[str, Any] = yaml.load(FLUX_YAML, Loader=yaml.CSafeLoader)
    doc["metadata"]["namespace"] = namespace
    status = doc.pop("status")
    await kube.create(doc)
    doc["status"] = status
    await kube.replace({**doc, "metadata": (await kube.get(
        source.API_VERSION, source.KIND, "podinfo", namespace))["metadata"]},
        subresource="status")

    async def stored() -> dict[str, Any] | None:
        obj = await kube.get(source.API_VERSION, source.KIND, "podinfo", namespace)
        return obj if obj.get("status") else None

    obj = await eventually(stored, timeout=10, what="status stored")
    parsed = source.GitRepository.from_dict(obj)
    assert parsed.spec == source.GitRepository.from_dict(doc).spec
    assert parsed.status == source.GitRepository.from_dict(doc).status
