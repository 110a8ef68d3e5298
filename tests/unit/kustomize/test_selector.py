"""selector: Kubernetes label selectors and patch targets."""

from __future__ import annotations

import pytest

from tether.kustomize.resource import Resource
from tether.kustomize.selector import Selector, matches_labels


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web", True),
        ("app==web", True),
        ("app!=web", False),
        ("tier in (front, back)", True),
        ("tier notin (front)", False),
        ("app,!legacy", True),
        ("legacy", False),
        ("app=web,tier=back", False),
    ],
)
def test_label_selectors(selector: str, expected: bool) -> None:
    assert matches_labels(selector, {"app": "web", "tier": "front"}) is expected


def test_name_regex_matches_original_or_current_name() -> None:
    res = Resource({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}})
    res.store_previous_id()
    res.set_name("dev-web")
    assert Selector(name="web").matches(res)
    assert Selector(name="dev-.*").matches(res)
    assert not Selector(name="we").matches(res)
    assert Selector(kind="Serv.*", version="v1").matches(res)
