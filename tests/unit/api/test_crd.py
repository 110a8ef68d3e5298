"""The CRD is generated from the models; it installs into a real API server."""

from __future__ import annotations

from typing import Any

from tether.api import crd, source


def _schema() -> dict[str, Any]:
    manifest = crd.manifest(source.CRD)
    version = manifest["spec"]["versions"][0]
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


def test_manifest_shape() -> None:
    manifest = crd.manifest(source.CRD)
    assert manifest["metadata"]["name"] == "gitrepositories.source.toolkit.fluxcd.io"
    assert manifest["spec"]["names"]["shortNames"] == ["gitrepo"]
    version = manifest["spec"]["versions"][0]
    assert version["subresources"] == {"status": {}}
    assert [c["name"] for c in version["additionalPrinterColumns"]] == [
        "URL", "Age", "Ready", "Status"]


def test_schema_follows_the_model() -> None:
    spec = _schema()["properties"]["spec"]
    assert spec["required"] == ["url", "interval"]
    assert spec["properties"]["timeout"]["default"] == "60s"
    assert spec["properties"]["ref"]["properties"]["semver"]["type"] == "string"
    assert spec["properties"]["verify"]["properties"]["mode"]["enum"] == [
        "head", "HEAD", "Tag", "TagAndHEAD"]
    assert "description" in spec["properties"]["url"]
    status = _schema()["properties"]["status"]["properties"]
    assert status["artifact"]["properties"]["size"]["type"] == "integer"
    assert status["conditions"]["items"]["required"] == [
        "type", "status", "reason", "message", "lastTransitionTime"]
