"""Drift-ignore rules: selector matching and adopting/dropping ignored paths."""

from __future__ import annotations

from typing import Any

from tether.cluster import ignore
from tether.cluster.ignore import IgnoreRule


def _deploy(name: str = "web", replicas: int = 1, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "apps", "labels": labels},
            "spec": {"replicas": replicas, "template": {"metadata": {"annotations": {}}}}}


def test_pointer_parsing() -> None:
    assert ignore.parse_pointer("/metadata/annotations/a~1b~0c") == [
        "metadata", "annotations", "a/b~c"]
    assert ignore.parse_pointer("") == []


def test_selector_matching() -> None:
    obj = _deploy(app="web", tier="front")
    assert ignore.matches_selector(IgnoreRule(paths=()), obj)
    assert ignore.matches_selector(IgnoreRule(paths=(), group="apps", kind="Deployment",
                                              name="w.*", namespace="apps"), obj)
    assert not ignore.matches_selector(IgnoreRule(paths=(), kind="StatefulSet"), obj)
    assert not ignore.matches_selector(IgnoreRule(paths=(), name="we"), obj)  # full match
    assert ignore.matches_selector(IgnoreRule(paths=(), label_selector="app=web,tier"), obj)
    assert not ignore.matches_selector(IgnoreRule(paths=(), label_selector="app!=web"), obj)
    assert not ignore.matches_selector(IgnoreRule(paths=(), label_selector="!tier"), obj)


def test_live_value_is_adopted_and_missing_one_dropped() -> None:
    rule = IgnoreRule(paths=("/spec/replicas", "/spec/paused"), kind="Deployment")
    desired = {**_deploy(replicas=1), "spec": {"replicas": 1, "paused": False}}
    out = ignore.apply_rules(desired, _deploy(replicas=5), [rule])
    assert out["spec"] == {"replicas": 5}
    assert desired["spec"] == {"replicas": 1, "paused": False}
    created = ignore.apply_rules(desired, None, [rule])
    assert created["spec"] == {}


def test_identity_is_never_ignored_and_non_targets_untouched() -> None:
    rule = IgnoreRule(paths=("/metadata/name", "/kind", "/spec/replicas"), kind="Service")
    desired = _deploy()
    assert ignore.apply_rules(desired, None, [rule]) == desired
    everything = IgnoreRule(paths=("/metadata/name",))
    assert ignore.apply_rules(desired, None, [everything])["metadata"]["name"] == "web"
