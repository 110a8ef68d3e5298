"""Inventory: Flux's status format, from change sets, and the stale-object diff."""

from __future__ import annotations

import pytest

from tether import errors
from tether.cluster import inventory
from tether.cluster.changeset import Action, ChangeSet, ChangeSetEntry, ObjectRef

NS = ObjectRef("", "Namespace", "", "apps", "v1")
CRD = ObjectRef("apiextensions.k8s.io", "CustomResourceDefinition", "", "x.example.com", "v1")
DEPLOY = ObjectRef("apps", "Deployment", "apps", "web", "v1")
SVC = ObjectRef("", "Service", "apps", "web", "v1")


def test_status_round_trip_sorted_by_id() -> None:
    inv = inventory.Inventory.of([SVC, DEPLOY, NS])
    status = inv.to_status()
    assert status == {"entries": [
        {"id": "_apps__Namespace", "v": "v1"},
        {"id": "apps_web__Service", "v": "v1"},
        {"id": "apps_web_apps_Deployment", "v": "v1"},
    ]}
    back = inventory.Inventory.from_status(status)
    assert set(back.refs) == {SVC, DEPLOY, NS}


def test_from_status_rejects_bad_entries() -> None:
    with pytest.raises(errors.InvalidSpecError):
        inventory.Inventory.from_status({"entries": [{"v": "v1"}]})
    assert len(inventory.Inventory.from_status(None)) == 0


def test_from_changeset_drops_deleted_keeps_skipped() -> None:
    cs = ChangeSet.of([ChangeSetEntry(DEPLOY, Action.CREATED),
                       ChangeSetEntry(SVC, Action.SKIPPED),
                       ChangeSetEntry(NS, Action.DELETED)])
    inv = inventory.from_changeset(cs)
    assert inv.refs == (DEPLOY, SVC)


def test_diff_ignores_versions_and_orders_definitions_last() -> None:
    old = inventory.Inventory.of([NS, CRD, DEPLOY, SVC])
    new = inventory.Inventory.of([ObjectRef("apps", "Deployment", "apps", "web", "v2")])
    assert inventory.diff(old, new) == (SVC, NS, CRD)
    assert inventory.diff(new, old) == ()


def test_merge_and_dedupe() -> None:
    inv = inventory.Inventory.of([SVC, SVC]).merge([DEPLOY, SVC])
    assert inv.refs == (SVC, DEPLOY)
    assert DEPLOY in inv
    assert NS not in inv


def test_large_diff_is_linear_enough() -> None:
    refs = [ObjectRef("", "ConfigMap", "ns", f"cm-{i}", "v1") for i in range(20_000)]
    old = inventory.Inventory.of(refs)
    new = inventory.Inventory.of(refs[::2])
    assert len(inventory.diff(old, new)) == 10_000
