"""Strategic merge: the behaviours users rely on, spelled out (values checked on kustomize)."""

from __future__ import annotations

import copy
import time as _clock  # only to bound the big-list test; the package itself never uses it
from typing import Any

import pytest

from tether.kustomize import smp
from tether.kustomize.smp import Schema, SmpError


def merge(base: dict[str, Any], patch: dict[str, Any], **options: Any) -> dict[str, Any] | None:
    """``smp.merge`` on a private copy of ``base`` (the real one merges in place)."""
    return smp.merge(copy.deepcopy(base), patch, **options)


def _deployment(containers: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    pod: dict[str, Any] = {"containers": containers, **spec}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"spec": pod}},
    }


def _pod_spec(obj: dict[str, Any] | None) -> dict[str, Any]:
    assert obj is not None
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec


def test_containers_merge_by_name_patch_first() -> None:
    base = _deployment([{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}])
    patch = _deployment([{"name": "b", "image": "b:2"}, {"name": "c", "image": "c:1"}])
    out = _pod_spec(merge(base, patch))
    assert out["containers"] == [
        {"name": "b", "image": "b:2"},
        {"name": "c", "image": "c:1"},
        {"name": "a", "image": "a:1"},
    ]


def test_env_and_volumes_merge_by_name() -> None:
    base = _deployment(
        [{"name": "a", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]}],
        volumes=[{"name": "v1", "emptyDir": {}}],
    )
    patch = _deployment(
        [{"name": "a", "env": [{"name": "Y", "value": "3"}]}],
        volumes=[{"name": "v2", "configMap": {"name": "cm"}}],
    )
    out = _pod_spec(merge(base, patch))
    assert out["containers"][0]["env"] == [
        {"name": "Y", "value": "3"},
        {"name": "X", "value": "1"},
    ]
    assert [v["name"] for v in out["volumes"]] == ["v2", "v1"]


def test_container_ports_merge_by_port_and_protocol() -> None:
    tcp = "TCP"
    base = _deployment(
        [
            {
                "name": "a",
                "ports": [
                    {"containerPort": 80, "protocol": tcp},
                    {"containerPort": 81, "protocol": tcp},
                ],
            }
        ]
    )
    patch = _deployment(
        [
            {
                "name": "a",
                "ports": [
                    {"containerPort": 81, "protocol": tcp, "name": "x"},
                    {"containerPort": 90, "protocol": tcp},
                ],
            }
        ]
    )
    ports = _pod_spec(merge(base, patch))["containers"][0]["ports"]
    # several merge keys: a matched element is re-appended in resource order (kyaml quirk)
    assert ports == [
        {"containerPort": 90, "protocol": tcp},
        {"containerPort": 80, "protocol": tcp},
        {"containerPort": 81, "protocol": tcp, "name": "x"},
    ]
    # without protocols the literal path unifies tuples that differ only by empty values
    base = _deployment([{"name": "a", "ports": [{"containerPort": 80}, {"containerPort": 81}]}])
    patch = _deployment([{"name": "a", "ports": [{"containerPort": 80, "name": "http"}]}])
    ports = _pod_spec(merge(base, patch))["containers"][0]["ports"]
    assert ports == [{"containerPort": 80, "name": "http"}, {"containerPort": 81}]


def test_lists_without_merge_strategy_are_replaced() -> None:
    base = _deployment([{"name": "a", "args": ["x", "y"]}], tolerations=[{"key": "k"}])
    patch = _deployment([{"name": "a", "args": ["z"]}], tolerations=[{"key": "j"}])
    out = _pod_spec(merge(base, patch))
    assert out["containers"][0]["args"] == ["z"]
    assert out["tolerations"] == [{"key": "j"}]


def test_custom_resource_lists_are_replaced_but_maps_merge() -> None:
    base = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "labels": {"a": "1"}},
        "spec": {"items": [{"name": "a"}, {"name": "b"}]},
    }
    patch = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "labels": {"b": "2"}},
        "spec": {"items": [{"name": "b", "v": 2}]},
    }
    out = merge(base, patch)
    assert out is not None
    assert out["spec"]["items"] == [{"name": "b", "v": 2}]
    assert out["metadata"]["labels"] == {"a": "1", "b": "2"}


def test_custom_schema_gives_crd_lists_merge_keys() -> None:
    document = {
        "definitions": {
            "com.example.v1.Widget": {
                "x-kubernetes-group-version-kind": [
                    {"group": "example.com", "version": "v1", "kind": "Widget"}
                ],
                "properties": {
                    "spec": {
                        "properties": {
                            "items": {
                                "type": "array",
                                "items": {"type": "object"},
                                "x-kubernetes-patch-strategy": "merge",
                                "x-kubernetes-patch-merge-key": "name",
                            }
                        }
                    }
                },
            }
        }
    }
    base = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"items": [{"name": "a"}, {"name": "b"}]},
    }
    patch = {**base, "spec": {"items": [{"name": "b", "v": 2}]}}
    out = merge(base, patch, schema=Schema.custom(document))
    assert out is not None
    assert out["spec"]["items"] == [{"name": "b", "v": 2}, {"name": "a"}]
    # a custom schema replaces the built-in one, as in kustomize
    dep = _deployment([{"name": "a"}, {"name": "b"}])
    merged = merge(dep, _deployment([{"name": "b", "image": "x"}]), schema=Schema.custom(document))
    assert _pod_spec(merged)["containers"] == [{"name": "b", "image": "x"}]
    extended = Schema.builtin().extended(document)
    merged = merge(dep, _deployment([{"name": "b", "image": "x"}]), schema=extended)
    assert len(_pod_spec(merged)["containers"]) == 2


def test_patch_delete_directives() -> None:
    base = _deployment([{"name": "a"}, {"name": "b"}], volumes=[{"name": "v"}])
    patch = _deployment([{"name": "a", "$patch": "delete"}], volumes=[{"$patch": "delete"}])
    out = _pod_spec(merge(base, patch))
    assert out["containers"] == [{"name": "b"}]
    assert "volumes" not in out
    whole = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}
    assert merge(base, {**whole, "$patch": "delete"}) is None


def test_patch_replace_directives() -> None:
    base = _deployment([{"name": "a"}, {"name": "b"}])
    patch = _deployment([{"$patch": "replace"}, {"name": "c"}])
    assert _pod_spec(merge(base, patch))["containers"] == [{"name": "c"}]
    base["metadata"]["labels"] = {"x": "1", "y": "2"}
    patch = _deployment([])
    patch["metadata"]["labels"] = {"$patch": "replace", "z": "3"}
    out = merge(base, patch)
    assert out is not None
    assert out["metadata"]["labels"] == {"z": "3"}


def test_null_removes_a_field_and_kept_nulls_survive() -> None:
    base = _deployment([{"name": "a", "image": "a"}])
    base["metadata"]["creationTimestamp"] = None
    base["spec"]["replicas"] = 3
    patch = _deployment([{"name": "a", "image": None}])
    patch["spec"]["replicas"] = None
    out = merge(base, patch)
    assert out is not None
    assert "replicas" not in out["spec"]
    assert _pod_spec(out)["containers"] == [{"name": "a"}]
    assert out["metadata"] == {"name": "web", "creationTimestamp": None}


def test_primitive_list_with_merge_strategy_is_a_union() -> None:
    base = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "finalizers": ["f1"]},
    }
    patch = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "finalizers": ["f2"]},
    }
    out = merge(base, patch)
    assert out is not None
    assert out["metadata"]["finalizers"] == ["f2", "f1"]


def test_kubectl_only_directives_are_plain_fields() -> None:
    base = _deployment([{"name": "a"}])
    patch = _deployment([{"name": "a"}])
    patch["spec"]["template"]["spec"]["$setElementOrder/containers"] = [{"name": "a"}]
    out = _pod_spec(merge(base, patch))
    assert out["$setElementOrder/containers"] == [{"name": "a"}]


def test_base_is_merged_in_place_and_patch_untouched() -> None:
    base = _deployment([{"name": "a", "image": "a"}, {"name": "b"}])
    patch = _deployment([{"name": "a", "$patch": "delete"}])
    before = repr(patch)
    out = smp.merge(base, patch)
    assert out is base
    assert _pod_spec(base)["containers"] == [{"name": "b"}]
    assert repr(patch) == before
    replace = {**_deployment([]), "$patch": "replace"}
    kept = _deployment([{"name": "a"}])
    assert smp.merge(kept, replace) == _deployment([{"name": "a"}])


def test_root_schema_from_explicit_type() -> None:
    base = {"metadata": {"name": "x"}, "spec": {"containers": [{"name": "a"}]}}
    patch = {"spec": {"containers": [{"name": "b"}]}}
    assert merge(base, patch, api_version="v1", kind="Pod") == {
        "metadata": {"name": "x"},
        "spec": {"containers": [{"name": "b"}, {"name": "a"}]},
    }
    assert merge(base, patch)["spec"]["containers"] == [{"name": "b"}]  # type: ignore[index]


def test_errors() -> None:
    base = _deployment([{"name": "a"}])
    bad = _deployment([{"name": "a"}])
    bad["spec"]["template"]["$patch"] = "bogus"
    with pytest.raises(SmpError, match="unknown patch strategy 'bogus'"):
        merge(base, bad)
    bad = _deployment([{"name": "a"}])
    bad["spec"]["template"] = "scalar"
    with pytest.raises(SmpError, match="wrong node kind"):
        merge(base, bad)


def test_big_lists_merge_in_linear_time() -> None:
    def sized(n: int) -> float:
        env = [{"name": f"V{i}", "value": str(i)} for i in range(n)]
        patch_env = [{"name": f"V{i}", "value": "x"} for i in range(0, n, 2)]
        best = float("inf")
        for _ in range(3):
            base = _deployment([{"name": "a", "env": env}])
            patch = _deployment([{"name": "a", "env": patch_env}])
            start = _clock.perf_counter()
            out = _pod_spec(smp.merge(base, patch))
            best = min(best, _clock.perf_counter() - start)
            assert len(out["containers"][0]["env"]) == n
        return best

    small, big = sized(2_000), sized(16_000)
    assert big < small * 8 * 3  # 8x the data must stay far from quadratic (64x)
