"""dependsOn: cycles named, topological order, Flux's readiness rule on literal objects."""

from __future__ import annotations

from typing import Any

from tether.api.kustomize import Kustomization
from tether.controller import dependencies


def _ks(name: str, *deps: str, source: str = "flux-system") -> Kustomization:
    return Kustomization.from_dict({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "flux-system"},
        "spec": {"interval": "1m", "prune": True,
                 "sourceRef": {"kind": "GitRepository", "name": source},
                 "dependsOn": [{"name": d} for d in deps]},
    })


def _dep_obj(ready: str = "True", generation: int = 2, observed: int = 2,
             revision: str = "main@sha1:a", source: str = "flux-system") -> dict[str, Any]:
    return {"metadata": {"name": "infra", "namespace": "flux-system", "generation": generation},
            "spec": {"sourceRef": {"kind": "GitRepository", "name": source}},
            "status": {"observedGeneration": observed, "lastAppliedRevision": revision,
                       "conditions": [{"type": "Ready", "status": ready}]}}


def test_seed_order_and_no_cycle() -> None:
    items = [_ks("apps", "infra-configs"), _ks("infra-configs", "infra-controllers"),
             _ks("infra-controllers")]
    graph = dependencies.graph_of(items)
    order = dependencies.topological_order(graph)
    assert [n for _, n in order] == ["infra-controllers", "infra-configs", "apps"]
    assert dependencies.find_cycle(graph, ("flux-system", "apps")) is None


def test_cycle_is_found_and_named_from_the_start() -> None:
    graph = dependencies.graph_of([_ks("a", "b"), _ks("b", "c"), _ks("c", "a"), _ks("d", "a")])
    cycle = dependencies.find_cycle(graph, ("flux-system", "b"))
    assert [n for _, n in cycle or []] == ["b", "c", "a", "b"]
    assert dependencies.find_cycle(graph, ("flux-system", "d")) is None
    order = dependencies.topological_order(graph)
    assert len(order) == 4
    self_loop = dependencies.graph_of([_ks("s", "s")])
    assert dependencies.find_cycle(self_loop, ("flux-system", "s")) == [
        ("flux-system", "s"), ("flux-system", "s")]


def test_readiness_rule() -> None:
    ks = _ks("apps", "infra")
    key = ("flux-system", "infra")
    rev = "main@sha1:a"
    assert dependencies.not_ready_reason(ks, key, _dep_obj(), revision=rev) is None
    assert "not found" in (dependencies.not_ready_reason(ks, key, None, revision=rev) or "")
    assert dependencies.not_ready_reason(ks, key, _dep_obj(ready="False"), revision=rev) == (
        "dependency 'flux-system/infra' is not ready")
    stale_gen = _dep_obj(generation=3)
    assert "is not ready" in (dependencies.not_ready_reason(ks, key, stale_gen, revision=rev)
                              or "")
    old = _dep_obj(revision="main@sha1:old")
    assert dependencies.not_ready_reason(ks, key, old, revision=rev) == (
        "dependency 'flux-system/infra' revision is not up to date")
    other_source = _dep_obj(revision="main@sha1:old", source="other")
    assert dependencies.not_ready_reason(ks, key, other_source, revision=rev) is None
