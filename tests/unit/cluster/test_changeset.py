"""Change sets and object references: Flux's naming (subject, inventory id) and actions."""

from __future__ import annotations

import pytest

from tether import errors
from tether.cluster.changeset import Action, ChangeSet, ChangeSetEntry, ObjectRef


def _svc() -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "podinfo", "namespace": "default"}}


def test_ref_from_core_object_has_empty_group() -> None:
    ref = ObjectRef.from_object(_svc())
    assert (ref.group, ref.version, ref.kind) == ("", "v1", "Service")
    assert ref.subject == "Service/default/podinfo"
    assert ref.id == "default_podinfo__Service"
    assert ref.api_version == "v1"


def test_cluster_scoped_id_has_leading_underscore() -> None:
    ref = ObjectRef.from_object({"apiVersion": "v1", "kind": "Namespace",
                                 "metadata": {"name": "cert-manager"}})
    assert ref.id == "_cert-manager__Namespace"
    assert ref.subject == "Namespace/cert-manager"


def test_colon_in_rbac_name_is_encoded_and_decoded() -> None:
    ref = ObjectRef.from_object({"apiVersion": "rbac.authorization.k8s.io/v1",
                                 "kind": "ClusterRole", "metadata": {"name": "system:foo"}})
    assert ref.id == "_system__foo_rbac.authorization.k8s.io_ClusterRole"
    back = ObjectRef.parse_id(ref.id, "v1")
    assert back == ref
    assert back.api_version == "rbac.authorization.k8s.io/v1"


@pytest.mark.parametrize("bad", ["", "a_b", "ns__apps_", "ns___Kind"])
def test_parse_id_rejects_malformed(bad: str) -> None:
    with pytest.raises(errors.InvalidSpecError):
        ObjectRef.parse_id(bad)


def test_changeset_lines_counts_and_map() -> None:
    a = ObjectRef.from_object(_svc())
    b = ObjectRef("apps", "Deployment", "default", "podinfo", "v1")
    cs = ChangeSet.of([ChangeSetEntry(a, Action.UNCHANGED)]) + ChangeSet.of(
        [ChangeSetEntry(b, Action.CREATED)])
    assert len(cs) == 2
    assert cs.lines() == ["Deployment/default/podinfo created"]
    assert cs.lines(include_unchanged=True)[0] == "Service/default/podinfo unchanged"
    assert cs.counts() == {Action.UNCHANGED: 1, Action.CREATED: 1}
    assert cs.to_map() == {"Service/default/podinfo": "unchanged",
                           "Deployment/default/podinfo": "created"}
    assert [e.ref for e in cs.changed()] == [b]
    assert cs.entries[1].object_id == "default_podinfo_apps_Deployment"
