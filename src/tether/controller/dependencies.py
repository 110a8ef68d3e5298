"""``dependsOn``: the dependency graph between Kustomizations and the readiness check.

Design: the graph part is pure — keys are ``(namespace, name)``, ``find_cycle`` returns the
cycle a Kustomization sits on (so it can be marked Stalled *naming* the cycle, where Flux just
never becomes ready) and ``topological_order`` gives the order in which to enqueue
Kustomizations when a shared source changes. The readiness rule is Flux's
``checkDependencies``: a dependency is ready when it exists, its ``Ready`` condition is True
for its latest generation, and — when it builds from the same source — it has applied the
revision we are about to apply. ``check`` reads the dependencies straight from the API server
(no cache, as Flux does) and raises ``DependencyNotReadyError`` naming the first one that is
not ready. CEL ``readyExpr`` is not evaluated yet; it is refused as an invalid spec.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tether import conditions, errors
from tether.api import kustomize as api
from tether.api.kustomize import Kustomization
from tether.cluster.client import KubeClient

__all__ = [
    "Key",
    "check",
    "dependency_keys",
    "find_cycle",
    "graph_of",
    "not_ready_reason",
    "topological_order",
]

Key = tuple[str, str]
"""``(namespace, name)`` of a Kustomization."""


def dependency_keys(ks: Kustomization) -> list[Key]:
    """The keys this Kustomization depends on (namespace defaults to its own)."""
    return [(dep.namespace or ks.namespace, dep.name) for dep in ks.spec.depends_on or []]


def find_cycle(graph: Mapping[Key, Sequence[Key]], start: Key) -> list[Key] | None:
    """The dependency cycle through ``start`` as a path ``[start, ..., start]``, or None."""
    stack: list[tuple[Key, list[Key]]] = [(start, [start])]
    seen: set[Key] = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def topological_order(graph: Mapping[Key, Sequence[Key]]) -> list[Key]:
    """Keys ordered so dependencies come first; keys on cycles come last, sorted."""
    nodes = sorted(set(graph) | {d for deps in graph.values() for d in deps})
    pending = {n: {d for d in graph.get(n, ()) if d != n} for n in nodes}
    users: dict[Key, list[Key]] = {n: [] for n in nodes}
    for node, deps in pending.items():
        for dep in deps:
            users[dep].append(node)
    ready = deque(n for n in nodes if not pending[n])
    queued = set(ready)
    order: list[Key] = []
    while ready:
        node = ready.popleft()
        order.append(node)
        for user in sorted(users[node]):
            pending[user].discard(node)
            if not pending[user] and user not in queued:
                queued.add(user)
                ready.append(user)
    return order + [n for n in nodes if n not in queued]


def _same_source(ks: Kustomization, dep: Mapping[str, Any]) -> bool:
    ref = (dep.get("spec") or {}).get("sourceRef") or {}
    dep_ns = (dep.get("metadata") or {}).get("namespace", "")
    mine = ks.spec.source_ref
    return (ref.get("kind") == mine.kind and ref.get("name") == mine.name
            and (ref.get("namespace") or dep_ns) == (mine.namespace or ks.namespace))


def not_ready_reason(
    ks: Kustomization, key: Key, dep: Mapping[str, Any] | None, *, revision: str | None
) -> str | None:
    """Why dependency ``key`` is not ready (Flux's wording), or None when it is ready."""
    label = f"{key[0]}/{key[1]}"
    if dep is None:
        return f"unable to get '{label}' dependency: not found"
    status = dep.get("status") or {}
    generation = (dep.get("metadata") or {}).get("generation")
    if status.get("observedGeneration") != generation or not conditions.is_true(
            status, conditions.READY):
        return f"dependency '{label}' is not ready"
    if revision and _same_source(ks, dep) and status.get("lastAppliedRevision") != revision:
        return f"dependency '{label}' revision is not up to date"
    return None


async def check(client: KubeClient, ks: Kustomization, *, revision: str | None) -> None:
    """Raise DependencyNotReadyError unless every dependency is ready.

    Raises InvalidSpecError for a ``readyExpr`` (CEL is not supported yet).
    """
    for index, dep in enumerate(ks.spec.depends_on or []):
        if dep.ready_expr:
            raise errors.InvalidSpecError(
                f"spec.dependsOn[{index}].readyExpr: CEL expressions are not supported yet")
    for key in dependency_keys(ks):
        obj = await client.get_or_none(api.API_VERSION, api.KIND, key[1], key[0])
        reason = not_ready_reason(ks, key, obj, revision=revision)
        if reason:
            raise errors.DependencyNotReadyError(reason)


def graph_of(items: Iterable[Kustomization]) -> dict[Key, list[Key]]:
    """The dependency graph of a set of Kustomizations."""
    return {(ks.namespace, ks.name): dependency_keys(ks) for ks in items}
