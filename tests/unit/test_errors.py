"""Every leaf of the error tree carries a known Flux reason; messages stay one line."""

from __future__ import annotations

import inspect

from tether import errors

FLUX_REASONS = {
    "ReconciliationFailed", "InvalidSpec", "ArtifactFailed", "GitOperationFailed",
    "AuthenticationFailed", "VerificationError", "BuildFailed", "PruneFailed",
    "HealthCheckFailed", "DependencyNotReady",
}


def test_every_error_has_a_known_reason() -> None:
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
               if issubclass(c, errors.GitOpsError)]
    assert len(classes) == len(errors.__all__)
    for cls in classes:
        assert cls.reason in FLUX_REASONS, cls


def test_one_line_folds_whitespace_and_appends_hint() -> None:
    err = errors.DevClusterError("etcd exited:\n  bind: in use", hint="free the\nport")
    assert err.one_line() == "etcd exited: bind: in use (hint: free the port)"
