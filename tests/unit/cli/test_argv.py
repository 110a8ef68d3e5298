"""Global flags after the sub-command, and Go-duration timeouts."""

from __future__ import annotations

import pytest

from tether import errors
from tether.cli import argv


@pytest.mark.parametrize(("given", "expected"), [
    (["get", "ks", "-n", "apps"], ["-n", "apps", "get", "ks"]),
    (["reconcile", "ks", "x", "--timeout=2m", "--with-source"],
     ["--timeout=2m", "reconcile", "ks", "x", "--with-source"]),
    (["--kubeconfig", "k", "get", "ks", "--context", "c", "-A"],
     ["--kubeconfig", "k", "--context", "c", "get", "ks", "-A"]),
    (["get", "ks", "-napps"], ["-napps", "get", "ks"]),
    (["build", "ks", "x", "--", "-n", "literal"], ["build", "ks", "x", "--", "-n", "literal"]),
    (["get", "ks", "-n"], ["get", "ks", "-n"]),
    (["get", "ks", "--no-header"], ["get", "ks", "--no-header"]),
])
def test_hoist(given: list[str], expected: list[str]) -> None:
    assert argv.hoist_global_flags(given) == expected


@pytest.mark.parametrize(("text", "seconds"), [("300", 300.0), ("2.5", 2.5), ("5m", 300.0),
                                               ("1m30s", 90.0)])
def test_parse_timeout(text: str, seconds: float) -> None:
    assert argv.parse_timeout(text) == seconds


def test_bad_timeout() -> None:
    with pytest.raises(errors.ConfigError, match="invalid --timeout"):
        argv.parse_timeout("soon")
