"""The pure parts of staged apply: stage split, drift comparison, managed-field cleanup."""

from __future__ import annotations

from typing import Any

from tether.cluster import ssa


def _o(api: str, kind: str, name: str, ns: str | None = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if ns:
        meta["namespace"] = ns
    return {"apiVersion": api, "kind": kind, "metadata": meta, **extra}


def test_stages_put_definitions_then_classes_then_custom_then_rest() -> None:
    objs = [
        _o("apps/v1", "Deployment", "d", "a"),
        _o("example.com/v1", "Widget", "w", "a"),
        _o("storage.k8s.io/v1", "StorageClass", "fast"),
        _o("v1", "Namespace", "a"),
        _o("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com"),
        _o("rbac.authorization.k8s.io/v1", "ClusterRole", "r"),
        _o("v1", "ConfigMap", "c", "a"),
    ]
    out = ssa.stages(objs, custom_kinds=frozenset({"Widget"}))
    kinds = [[o["kind"] for o in stage] for stage in out]
    assert kinds == [
        ["CustomResourceDefinition", "Namespace", "ClusterRole"],
        ["StorageClass"],
        ["Widget"],
        ["ConfigMap", "Deployment"],
    ]


def test_drift_ignores_server_metadata_and_status() -> None:
    live = _o("v1", "ConfigMap", "c", "a", data={"k": "v"}, status={"x": 1})
    live["metadata"].update(resourceVersion="5", uid="u", managedFields=[{"manager": "m"}],
                            labels={"l": "1"})
    dry = _o("v1", "ConfigMap", "c", "a", data={"k": "v"})
    dry["metadata"].update(resourceVersion="5", labels={"l": "1"})
    assert not ssa.has_drifted(live, dry)
    assert ssa.has_drifted(live, {**dry, "data": {"k": "w"}})
    relabelled = _o("v1", "ConfigMap", "c", "a", data={"k": "v"})
    relabelled["metadata"]["labels"] = {"l": "2"}
    assert ssa.has_drifted(live, relabelled)


def test_cleanup_patch_removes_kubectl_managers_and_last_applied() -> None:
    live = _o("v1", "ConfigMap", "c", "a")
    live["metadata"]["managedFields"] = [
        {"manager": "kustomize-controller", "operation": "Apply"},
        {"manager": "kubectl-edit", "operation": "Update"},
        {"manager": "kubectl-client-side-apply", "operation": "Update"},
        {"manager": "kube-controller-manager", "operation": "Update", "subresource": "status"},
    ]
    live["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": "{}"}
    patch = ssa.cleanup_patch(live, ssa.ApplyOptions())
    assert patch[0]["path"] == "/metadata/managedFields"
    assert [e["manager"] for e in patch[0]["value"]] == [
        "kustomize-controller", "kube-controller-manager"]
    assert patch[1] == {"op": "remove", "path":
                        "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"}


def test_cleanup_patch_empty_when_nothing_to_clean() -> None:
    live = _o("v1", "ConfigMap", "c", "a")
    live["metadata"]["managedFields"] = [{"manager": "kustomize-controller",
                                          "operation": "Apply"}]
    assert ssa.cleanup_patch(live, ssa.ApplyOptions()) == []
