"""kustfile: strict decoding of kustomization.yaml, as kustomize does it."""

from __future__ import annotations

import pytest

from tether import errors
from tether.kustomize.fs import InMemoryFS
from tether.kustomize.kustfile import load_kustomization, parse_kustomization
from tether.kustomize.loader import Loader


def _parse(text: str):  # type: ignore[no-untyped-def]
    return parse_kustomization(text, path="/k", file_name="kustomization.yaml")


def test_legacy_fields_are_folded() -> None:
    k = _parse("resources: [a.yaml]\nbases: [../b]\nimages: [{name: x}]\nimageTags: [{name: z}]\n")
    assert k.resources == ["a.yaml", "../b"]
    assert [i["name"] for i in k.images] == ["x", "z"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo: 1\n", 'unknown field "foo"'),
        ("namePrefix: 1\n", "cannot use number"),
        ("commonLabels: {a: yes}\n", "cannot use bool"),
        ("resources: a.yaml\n", "cannot use string"),
        ("kind: Something\nresources: []\n", "kind should be"),
        ("apiVersion: v2\nresources: []\n", "apiVersion for Kustomization"),
        ("\n", "empty"),
    ],
)
def test_invalid_files(text: str, message: str) -> None:
    with pytest.raises(errors.BuildError, match=message):
        _parse(text)


def test_field_names_are_case_insensitive_like_go_json() -> None:
    assert _parse("NamePrefix: p-\n").text("namePrefix") == "p-"


def test_component_kind() -> None:
    k = _parse("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: []\n")
    assert k.is_component


def test_helm_charts_are_unsupported() -> None:
    with pytest.raises(errors.UnsupportedError):
        _parse("helmCharts: [{name: x}]\n")


def test_file_names_and_duplicates() -> None:
    fs = InMemoryFS({"/a/Kustomization": "namePrefix: x-\n"})
    assert load_kustomization(Loader(fs=fs, root="/a")).file_name == "Kustomization"
    fs.write("/a/kustomization.yaml", "namePrefix: y-\n")
    with pytest.raises(errors.BuildError, match="multiple kustomization files"):
        load_kustomization(Loader(fs=fs, root="/a"))
    with pytest.raises(errors.BuildError, match="unable to find"):
        load_kustomization(Loader(fs=InMemoryFS({"/b/x.yaml": ""}), root="/b"))
