"""Masterminds-style semver ranges pick the highest matching tag."""

from __future__ import annotations

import pytest

from tether import errors
from tether.source import semver

TAGS = ["v0.1.0", "v0.2.5", "v1.0.0", "v1.2.3", "v1.9.0", "v2.0.0-rc.1", "v2.0.0", "v2.1.0",
        "latest", "3.0.0-beta.2"]


@pytest.mark.parametrize(("constraint", "expected"), [
    (">=1.0.0 <2.0.0", "v1.9.0"),
    ("^1.2", "v1.9.0"),
    ("~1.2", "v1.2.3"),
    ("~1", "v1.9.0"),
    ("1.x", "v1.9.0"),
    ("*", "v2.1.0"),
    ("^0.1", "v0.1.0"),
    ("^0", "v0.2.5"),
    ("1.0.0 - 1.5", "v1.2.3"),
    (">=2.0.0-rc.0", "3.0.0-beta.2"),
    ("<2.0.0 || >=3.0.0-0", "3.0.0-beta.2"),
    ("!=2.1.0, >=2", "v2.0.0"),
    ("=1.2.3", "v1.2.3"),
    (">1.9", "v2.1.0"),
    ("<=1.2", "v1.2.3"),
    (">=9", None),
])
def test_highest(constraint: str, expected: str | None) -> None:
    assert semver.highest(semver.parse_constraint(constraint), TAGS) == expected


def test_prerelease_ordering() -> None:
    v = semver.parse_version
    assert v("1.0.0-alpha") < v("1.0.0-alpha.1") < v("1.0.0-beta") < v("1.0.0")  # type: ignore[operator]
    assert v("1.0.0-2") < v("1.0.0-10")  # type: ignore[operator]
    assert v("nope") is None


@pytest.mark.parametrize("bad", ["", ">=", "one.two", ">=1.0 <<2"])
def test_invalid_ranges(bad: str) -> None:
    with pytest.raises(errors.InvalidSpecError):
        semver.parse_constraint(bad)
