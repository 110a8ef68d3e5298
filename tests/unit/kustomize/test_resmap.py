"""resource + resmap: identities and the id-indexed ordered map."""

from __future__ import annotations

import pytest

from tether import errors
from tether.kustomize.resmap import ResMap
from tether.kustomize.resource import Gvk, ResId, Resource


def _cm(name: str, namespace: str = "", **data: str) -> Resource:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return Resource({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data})


def test_default_namespace_is_effectively_empty() -> None:
    assert _cm("a").cur_id.equals(_cm("a", "default").cur_id)
    assert not _cm("a").cur_id.equals(_cm("a", "other").cur_id)


def test_cluster_scoped_kinds_have_no_namespace() -> None:
    ns = ResId(Gvk("", "v1", "Namespace"), "n", "x")
    assert ns.effective_namespace == "_non_namespaceable_"
    assert not ResId(Gvk("example.com", "v1", "Widget"), "w").gvk.cluster_scoped


def test_duplicate_ids_are_rejected() -> None:
    rm = ResMap([_cm("a")])
    with pytest.raises(errors.BuildError, match="already registered"):
        rm.append(_cm("a", "default"))


def test_lookup_by_previous_id() -> None:
    res = _cm("a")
    rm = ResMap([res])
    res.store_previous_id()
    res.set_name("p-a")
    rm.invalidate()
    assert rm.by_any_id(ResId(Gvk("", "v1", "ConfigMap"), "a")) == [res]
    assert rm.by_current_id(ResId(Gvk("", "v1", "ConfigMap"), "p-a")) == [res]


def test_absorb_merge_keeps_position_and_merges_data() -> None:
    rm = ResMap([_cm("a", x="1"), _cm("b")])
    new = _cm("a", y="2")
    new.behavior = "merge"
    rm.absorb(new)
    assert [r.name for r in rm] == ["a", "b"]
    assert rm.resources[0].obj["data"] == {"x": "1", "y": "2"}


def test_absorb_create_over_existing_is_an_error() -> None:
    rm = ResMap([_cm("a")])
    new = _cm("a")
    new.behavior = "create"
    with pytest.raises(errors.BuildError, match="behavior must be merge or replace"):
        rm.absorb(new)


def test_absorb_replace_of_missing_is_an_error() -> None:
    new = _cm("a")
    new.behavior = "replace"
    with pytest.raises(errors.BuildError, match="does not exist"):
        ResMap().absorb(new)
