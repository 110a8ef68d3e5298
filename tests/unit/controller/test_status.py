"""Status merge patches: nulls for removals, nothing for no change."""

from __future__ import annotations

from tether.controller import status


def test_merge_patch() -> None:
    old = {"a": 1, "b": {"c": 1, "d": 2}, "gone": True, "list": [1, 2]}
    new = {"a": 1, "b": {"c": 1, "d": 3}, "list": [1], "added": "x"}
    assert status.merge_patch(old, new) == {
        "b": {"d": 3}, "gone": None, "list": [1], "added": "x"}
    assert status.merge_patch(new, new) == {}
