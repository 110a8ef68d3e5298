"""Version parsing for `tether check --pre`."""

from __future__ import annotations

import pytest

from tether import errors
from tether.cli import check


@pytest.mark.parametrize(("text", "expected"), [
    ("v1.36.3", (1, 36, 3)),
    ("v1.30.0-gke.1200", (1, 30, 0)),
    ("1.31.2+k3s1", (1, 31, 2)),
])
def test_parse_version(text: str, expected: tuple[int, int, int]) -> None:
    assert check.parse_version(text) == expected


def test_unparsable_version_is_a_clear_error() -> None:
    with pytest.raises(errors.ClusterError, match="cannot parse Kubernetes version"):
        check.parse_version("v0.0.0-master+$Format:%H$"[:0] + "master")


def test_minimum_is_flux_floor() -> None:
    assert (1, 29, 9) < check.MIN_KUBERNETES <= (1, 36, 3)
