"""Go durations and the shared meta types."""

from __future__ import annotations

import pytest

from tether import errors
from tether.api import meta


@pytest.mark.parametrize(("text", "seconds"), [
    ("1m30s", 90.0), ("10m0s", 600.0), ("1h", 3600.0), ("500ms", 0.5), ("1.5h", 5400.0),
    ("0", 0.0), ("0s", 0.0), ("2h45m10s", 9910.0), ("100us", 1e-4),
])
def test_parse_duration(text: str, seconds: float) -> None:
    assert meta.parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5", "-1s", "1x", "m", "1m 30s", "9999"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(errors.InvalidSpecError):
        meta.parse_duration(text)


@pytest.mark.parametrize(("seconds", "text"), [
    (90, "1m30s"), (600, "10m0s"), (3600, "1h0m0s"), (0.5, "500ms"), (0, "0s"), (1.5, "1.5s"),
    (86400 + 61, "24h1m1s"),
])
def test_format_duration_is_go_style(seconds: float, text: str) -> None:
    assert meta.format_duration(seconds) == text
    assert meta.parse_duration(text) == pytest.approx(seconds)


def test_duration_keeps_text() -> None:
    duration = meta.Duration("1m")
    assert duration.seconds == 60
    assert duration.encode_scalar() == "1m"
    assert meta.Duration.of(90).text == "1m30s"
