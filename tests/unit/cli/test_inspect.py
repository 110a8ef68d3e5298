"""tree, trace, stats and events rendering on literal objects (Flux's shapes)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tether.cli import events, kinds, stats, trace, tree
from tether.cluster.changeset import ObjectRef


def ref(subject: str, group: str = "") -> ObjectRef:
    parts = subject.split("/")
    kind, name = parts[0], parts[-1]
    namespace = parts[1] if len(parts) == 3 else ""
    return ObjectRef(group=group, kind=kind, namespace=namespace, name=name)


def test_tree_ascii_matches_flux_golden_shape() -> None:
    infra = tree.Node(ref("Kustomization/flux-system/infrastructure",
                          "kustomize.toolkit.fluxcd.io"),
                      [tree.Node(ref("Namespace/cert-manager")),
                       tree.Node(ref("HelmRepository/cert-manager/cert-manager"))])
    root = tree.Node(ref("Kustomization/flux-system/flux-system"), [
        tree.Node(ref("Namespace/flux-system")),
        tree.Node(ref("Deployment/flux-system/kustomize-controller", "apps")),
        infra,
        tree.Node(ref("GitRepository/flux-system/flux-system")),
    ])
    assert tree.render_ascii(root) == (
        "Kustomization/flux-system/flux-system\n"
        "├── Namespace/flux-system\n"
        "├── Deployment/flux-system/kustomize-controller\n"
        "├── Kustomization/flux-system/infrastructure\n"
        "│   ├── Namespace/cert-manager\n"
        "│   └── HelmRepository/cert-manager/cert-manager\n"
        "└── GitRepository/flux-system/flux-system\n"
    )
    data = tree.to_data(root)
    assert data["resource"] == {"Namespace": "flux-system", "Name": "flux-system",
                                "GroupKind": {"Group": "", "Kind": "Kustomization"}}
    assert "resources" not in data["resources"][0]


def test_trace_report_blocks() -> None:
    obj = {"kind": "Deployment", "metadata": {"name": "web", "namespace": "apps"}}
    ks = {"metadata": {"name": "apps", "namespace": "flux-system"},
          "spec": {"path": "./apps", "targetNamespace": "apps"},
          "status": {"lastAppliedRevision": "main@sha1:abc", "conditions": [
              {"type": "Ready", "status": "True", "message": "Applied revision: main@sha1:abc",
               "lastTransitionTime": "2026-01-01T00:00:00Z"}]}}
    src = {"kind": "GitRepository", "metadata": {"name": "fleet", "namespace": "flux-system"},
           "spec": {"url": "https://h/r", "ref": {"branch": "main"}},
           "status": {"artifact": {"revision": "main@sha1:abc"}, "conditions": [
               {"type": "Ready", "status": "False", "message": "auth failed",
                "lastTransitionTime": "2026-01-02T00:00:00Z"}]}}
    assert trace.render(obj, ks, src) == (
        "Object:          Deployment/web\n"
        "Namespace:       apps\n"
        "Status:          Managed by Flux\n"
        "---\n"
        "Kustomization:   apps\n"
        "Namespace:       flux-system\n"
        "Target:          apps\n"
        "Path:            ./apps\n"
        "Revision:        main@sha1:abc\n"
        "Status:          Last reconciled at 2026-01-01T00:00:00Z\n"
        "Message:         Applied revision: main@sha1:abc\n"
        "---\n"
        "GitRepository:   fleet\n"
        "Namespace:       flux-system\n"
        "URL:             https://h/r\n"
        "Branch:          main\n"
        "Revision:        main@sha1:abc\n"
        "Status:          Last reconciliation failed at 2026-01-02T00:00:00Z\n"
        "Message:         auth failed\n"
    )


@pytest.mark.parametrize(("size", "text"), [
    (0, "-"), (512, "512 B"), (2048, "2.0 KiB"), (int(1.9 * 1024 * 1024), "1.9 MiB")])
def test_format_size(size: int, text: str) -> None:
    assert stats.format_size(size) == text


def test_stats_row_counts() -> None:
    objs = [
        {"spec": {}, "status": {"artifact": {"size": 1024}, "conditions": [
            {"type": "Ready", "status": "True"}]}},
        {"spec": {"suspend": True}, "status": {}},
        {"spec": {}, "status": {"artifact": {"size": 1024}, "conditions": [
            {"type": "Ready", "status": "False"}]}},
    ]
    assert stats.row(kinds.GIT_REPOSITORY, objs) == ["GitRepository", "2", "1", "1", "2.0 KiB"]


@pytest.mark.parametrize(("seconds", "text"), [
    (5, "5s"), (119, "119s"), (150, "2m30s"), (600, "10m"), (7200, "120m"),
    (4 * 3600 + 60, "4h1m"), (30 * 3600, "30h"), (3 * 86400, "3d"), (-5, "<invalid>")])
def test_human_duration(seconds: float, text: str) -> None:
    assert events.human_duration(seconds) == text


def test_event_rows_keep_flux_objects_sorted_by_last_seen() -> None:
    now = datetime(2026, 1, 1, 0, 10, tzinfo=UTC)
    evs = [
        {"type": "Normal", "reason": "ReconciliationSucceeded", "message": "done\nin 1s",
         "lastTimestamp": "2026-01-01T00:09:00Z", "metadata": {"namespace": "flux-system"},
         "involvedObject": {"kind": "Kustomization", "name": "apps",
                            "apiVersion": "kustomize.toolkit.fluxcd.io/v1"}},
        {"type": "Warning", "reason": "GitOperationFailed", "message": "auth",
         "lastTimestamp": "2026-01-01T00:00:00Z", "metadata": {"namespace": "flux-system"},
         "involvedObject": {"kind": "GitRepository", "name": "fleet",
                            "apiVersion": "source.toolkit.fluxcd.io/v1"}},
        {"type": "Normal", "reason": "Scheduled", "message": "pod",
         "lastTimestamp": "2026-01-01T00:05:00Z", "metadata": {"namespace": "flux-system"},
         "involvedObject": {"kind": "Pod", "name": "x", "apiVersion": "v1"}},
    ]
    assert events.rows(evs, now=now, all_namespaces=False) == [
        ["10m", "Warning", "GitOperationFailed", "GitRepository/fleet", "auth"],
        ["60s", "Normal", "ReconciliationSucceeded", "Kustomization/apps", "done in 1s"],
    ]
    only = events.rows(evs, now=now, all_namespaces=True, types={"Warning"})
    assert only == [["flux-system", "10m", "Warning", "GitOperationFailed",
                     "GitRepository/fleet", "auth"]]
    pods = events.rows(evs, now=now, all_namespaces=False, targets={("Pod", "x")})
    assert [r[3] for r in pods] == ["Pod/x"]
