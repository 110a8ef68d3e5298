"""filters: one small test per transformer (full behaviour is in the golden builds)."""

from __future__ import annotations

from typing import Any

import pytest

from tether import errors
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.filters.affix import AffixFilter
from tether.kustomize.filters.images import ImageFilter, set_image, split
from tether.kustomize.filters.labels import MapEntriesFilter
from tether.kustomize.filters.nameref import NameRefFilter
from tether.kustomize.filters.namespace import NamespaceFilter
from tether.kustomize.filters.paths import matches, split_path
from tether.kustomize.filters.replicas import ReplicaFilter
from tether.kustomize.filters.vars import expand
from tether.kustomize.resmap import ResMap
from tether.kustomize.resource import Resource
from tether.kustomize.tconfig import default_config

NAME = (FieldSpec(path="metadata/name"),)


def _obj(kind: str, name: str, api_version: str = "v1", **extra: Any) -> Resource:
    return Resource({"apiVersion": api_version, "kind": kind, "metadata": {"name": name}, **extra})


def test_namespace_sets_renames_and_skips_cluster_scoped() -> None:
    rm = ResMap(
        [
            _obj("ConfigMap", "c"),
            _obj("Namespace", "old"),
            _obj("ClusterRole", "r", "rbac.authorization.k8s.io/v1"),
        ]
    )
    NamespaceFilter(namespace="prod", field_specs=default_config().namespace)(rm)
    cm, ns, role = rm.resources
    assert cm.namespace == "prod"
    assert ns.name == "prod" and "namespace" not in ns.obj["metadata"]
    assert "namespace" not in role.obj["metadata"]


def test_namespace_conflict_is_an_error() -> None:
    a, b = _obj("ConfigMap", "c"), _obj("ConfigMap", "c")
    b.set_namespace("other")
    with pytest.raises(errors.BuildError, match="ID conflict"):
        NamespaceFilter(namespace="prod", field_specs=())(ResMap([a, b]))


def test_affix_skips_namespaces_and_crds() -> None:
    rm = ResMap(
        [
            _obj("Service", "s"),
            _obj("Namespace", "n"),
            _obj("CustomResourceDefinition", "x", "apiextensions.k8s.io/v1"),
        ]
    )
    AffixFilter(field_specs=NAME, prefix="p-")(rm)
    AffixFilter(field_specs=NAME, suffix="-s")(rm)
    assert [r.name for r in rm] == ["p-s-s", "n", "x"]
    assert rm.resources[0].prefixes == ["p-"] and rm.resources[0].suffixes == ["-s"]


def test_labels_are_strings_in_sorted_order() -> None:
    rm = ResMap([_obj("Pod", "p")])
    MapEntriesFilter.of({"b": "2", "a": "1"}, (FieldSpec(path="metadata/labels", create=True),))(rm)
    assert list(rm.resources[0].labels().items()) == [("a", "1"), ("b", "2")]


def test_image_split_and_set() -> None:
    assert split("reg:5000/app:1.0@sha256:x") == ("reg:5000/app", "1.0", "sha256:x")
    assert set_image("nginx", {"name": "nginx", "newTag": "1", "digest": "sha256:d"}) == (
        "nginx:1@sha256:d"
    )
    assert set_image("nginx-other", {"name": "nginx", "newTag": "1"}) == "nginx-other"


def test_image_filter_legacy_walk_reaches_custom_kinds() -> None:
    res = _obj("Thing", "t", "x/v1", spec={"a": {"containers": [{"image": "app:1"}]}})
    ImageFilter(entry={"name": "app", "newTag": "2"}, field_specs=())(ResMap([res]))
    assert res.obj["spec"]["a"]["containers"][0]["image"] == "app:2"


def test_replicas_error_when_nothing_matches() -> None:
    spec = (FieldSpec(kind="Deployment", path="spec/replicas", create=True),)
    with pytest.raises(errors.BuildError, match="does not match"):
        ReplicaFilter(name="nope", count=2, field_specs=spec)(ResMap([_obj("Service", "s")]))


def test_nameref_follows_a_renamed_config_map() -> None:
    cm = _obj("ConfigMap", "cfg")
    pod = _obj("Pod", "p", spec={"volumes": [{"configMap": {"name": "cfg"}}]})
    rm = ResMap([cm, pod])
    AffixFilter(field_specs=NAME, prefix="x-")(rm)
    NameRefFilter(backrefs=default_config().name_reference)(rm)
    assert pod.obj["spec"]["volumes"][0]["configMap"]["name"] == "x-cfg"


def test_replacement_paths() -> None:
    assert split_path("a.[name=x.y].b") == ["a", "[name=x.y]", "b"]
    obj: dict[str, Any] = {"a": [{"name": "x", "v": 1}, {"name": "y"}]}
    hits = matches(obj, ["a", "[name=y]", "v"], create=True, leaf="s")
    assert [(p is obj["a"][1], k) for p, k in hits] == [(True, "v")]


def test_vars_expand() -> None:
    assert expand("$$(A) $(A) $(B)", {"A": "x"}) == "$(A) x $(B)"
    assert expand("$(N)", {"N": 3}) == 3
