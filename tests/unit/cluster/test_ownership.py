"""Per-object marks (label or annotation, any case) and owner labels."""

from __future__ import annotations

from tether.cluster import ownership


def test_mark_reads_annotations_then_labels_case_insensitively() -> None:
    obj = {"metadata": {"labels": {ownership.PRUNE_KEY: "Disabled"}}}
    assert ownership.mark_is(obj, ownership.PRUNE_KEY, "disabled")
    obj = {"metadata": {"annotations": {ownership.SSA_KEY: "IfNotPresent"},
                        "labels": {ownership.SSA_KEY: "Merge"}}}
    assert ownership.mark(obj, ownership.SSA_KEY) == "IfNotPresent"
    assert not ownership.mark_is(None, ownership.SSA_KEY, "ignore")
    assert not ownership.mark_is({"metadata": {}}, ownership.SSA_KEY, "ignore")


def test_owner_labels_are_added_without_mutating_input() -> None:
    obj = {"kind": "ConfigMap", "metadata": {"name": "c", "labels": {"app": "x"}}}
    out = ownership.with_owner_labels(obj, name="apps", namespace="flux-system")
    assert out["metadata"]["labels"] == {
        "app": "x", ownership.NAME_LABEL: "apps", ownership.NAMESPACE_LABEL: "flux-system"}
    assert obj["metadata"]["labels"] == {"app": "x"}
    assert ownership.is_owned_by(out, name="apps", namespace="flux-system")
    assert not ownership.is_owned_by(out, name="apps", namespace="other")
