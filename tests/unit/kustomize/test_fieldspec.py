"""fieldspec: path splitting and the walker's create rules."""

from __future__ import annotations

from typing import Any

import pytest

from tether import errors
from tether.kustomize.fieldspec import FieldSpec, split_path, walk


def _set(parent: Any, key: Any) -> None:
    parent[key] = "X"


def test_split_path_with_escaped_slash() -> None:
    assert split_path("metadata/annotations/a\\/b") == ("metadata", "annotations", "a/b")


def test_walk_creates_only_when_allowed() -> None:
    obj: dict[str, Any] = {"kind": "Pod"}
    walk(obj, FieldSpec(path="spec/x", create=False), _set, create="scalar")
    assert obj == {"kind": "Pod"}
    walk(obj, FieldSpec(path="spec/x", create=True), _set, create="scalar")
    assert obj["spec"] == {"x": "X"}


def test_walk_visits_every_list_element() -> None:
    obj = {"kind": "Pod", "spec": {"containers": [{"image": "a"}, {"image": "b"}]}}
    walk(obj, FieldSpec(path="spec/containers/image"), _set, create=None)
    assert [c["image"] for c in obj["spec"]["containers"]] == ["X", "X"]


def test_walk_filters_by_gvk() -> None:
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {}}
    walk(obj, FieldSpec(group="batch", path="spec/x", create=True), _set, create="scalar")
    assert obj["spec"] == {}


def test_scalar_in_the_middle_is_an_error() -> None:
    obj = {"kind": "Pod", "spec": "oops"}
    with pytest.raises(errors.BuildError, match="expected sequence or mapping"):
        walk(obj, FieldSpec(path="spec/x", create=True), _set, create="scalar")
