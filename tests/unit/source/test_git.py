"""Revisions in Flux's format."""

from __future__ import annotations

import pytest

from tether.source import git

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(("ref", "expected"), [
    ("main", f"main@sha1:{SHA}"),
    ("v1.0.0", f"v1.0.0@sha1:{SHA}"),
    ("refs/heads/main", f"refs/heads/main@sha1:{SHA}"),
    (None, f"sha1:{SHA}"),
])
def test_format_revision(ref: str | None, expected: str) -> None:
    assert git.format_revision(ref, SHA) == expected
    assert git.sha_of_revision(expected) == SHA


def test_sha256_objects_and_legacy_revisions() -> None:
    long = "a" * 64
    assert git.format_revision("main", long) == f"main@sha256:{long}"
    assert git.sha_of_revision(f"main/{SHA}") == SHA


def test_resolved_revision() -> None:
    assert git.Resolved("refs/heads/main", "main", SHA).revision == f"main@sha1:{SHA}"
    assert git.Resolved(SHA, None, None, pinned=SHA).revision == f"sha1:{SHA}"
    assert git.Resolved("refs/heads/x", "x", None).revision is None
