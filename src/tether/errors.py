"""One error tree for all of Tether; each leaf carries the Flux reason it maps to.

Why one tree: the reconcilers turn any failure into a status condition in a single
``except GitOpsError`` — the reason and whether to retry travel with the error, so no
phase repeats condition-setting code. The CLI catches the same root once and prints
``str(err)`` as one line (never a traceback) with the error's ``exit_code``.

    GitOpsError                       reason=ReconciliationFailed  exit 1
    ├── ConfigError                   (bad flags, kubeconfig, settings)      exit 2
    ├── InvalidSpecError              reason=InvalidSpec (bad object spec)   not retryable
    ├── ClusterError                  (API server unreachable / API error)
    │   ├── NotFoundError
    │   └── ConflictError
    ├── DevClusterError               (local control plane: build / start / stop)
    ├── SourceError                   reason=ArtifactFailed
    │   ├── FetchError                reason=GitOperationFailed
    │   ├── AuthError                 reason=AuthenticationFailed
    │   ├── ArtifactError             reason=ArtifactFailed (digest mismatch, unsafe archive)
    │   ├── IncludeUnavailableError   reason=ArtifactFailed (spec.include has no artifact)
    │   └── VerificationError         reason=VerificationError
    ├── BuildError                    reason=BuildFailed (kustomize build / substitution)
    │   └── UnsupportedError          (helmCharts, plugins, SOPS until decryption exists)
    ├── ApplyError                    reason=ReconciliationFailed
    ├── PruneError                    reason=PruneFailed
    ├── HealthCheckError              reason=HealthCheckFailed
    └── DependencyNotReadyError       reason=DependencyNotReady
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "ApplyError",
    "ArtifactError",
    "AuthError",
    "BuildError",
    "ClusterError",
    "ConfigError",
    "ConflictError",
    "DependencyNotReadyError",
    "DevClusterError",
    "FetchError",
    "GitOpsError",
    "HealthCheckError",
    "IncludeUnavailableError",
    "InvalidSpecError",
    "NotFoundError",
    "PruneError",
    "SourceError",
    "UnsupportedError",
    "VerificationError",
]


class GitOpsError(Exception):
    """Root of every error Tether raises on purpose.

    ``str(err)`` is a complete one-line message fit for a user; ``hint`` (optional)
    says what to do about it.
    """

    reason: ClassVar[str] = "ReconciliationFailed"
    retryable: ClassVar[bool] = True
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def one_line(self) -> str:
        """The message, with the hint appended, on a single line."""
        text = " ".join(str(self).split())
        if self.hint:
            text = f"{text} (hint: {' '.join(self.hint.split())})"
        return text


class ConfigError(GitOpsError):
    """Bad flags, settings, or a kubeconfig that cannot be used."""

    exit_code: ClassVar[int] = 2
    retryable: ClassVar[bool] = False


class InvalidSpecError(GitOpsError):
    """An object's spec cannot be parsed; the message names the object and field."""

    reason: ClassVar[str] = "InvalidSpec"
    retryable: ClassVar[bool] = False


class ClusterError(GitOpsError):
    """The Kubernetes API server refused or could not be reached."""

    def __init__(self, message: str, *, status: int = 0, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class NotFoundError(ClusterError):
    """The object (or its API) does not exist (HTTP 404)."""


class ConflictError(ClusterError):
    """Optimistic-concurrency or field-manager conflict (HTTP 409)."""


class DevClusterError(GitOpsError):
    """The local development control plane could not be built, started or stopped."""


class SourceError(GitOpsError):
    """The source (git) could not produce an artifact."""

    reason: ClassVar[str] = "ArtifactFailed"


class FetchError(SourceError):
    """A git operation (ls-remote, fetch, checkout) failed."""

    reason: ClassVar[str] = "GitOperationFailed"


class AuthError(SourceError):
    """Credentials were missing, malformed or rejected."""

    reason: ClassVar[str] = "AuthenticationFailed"


class ArtifactError(SourceError):
    """An artifact is unsafe or does not match its digest."""

    reason: ClassVar[str] = "ArtifactFailed"


class IncludeUnavailableError(SourceError):
    """A GitRepository named in ``spec.include`` is missing or has no usable artifact.

    Reported on the ``IncludeUnavailable`` condition.
    """


class VerificationError(SourceError):
    """Commit or tag signature verification failed or is not possible.

    Retried (with backoff): the next revision pushed may be properly signed.
    """

    reason: ClassVar[str] = "VerificationError"


class BuildError(GitOpsError):
    """kustomize build (or post-build substitution) failed."""

    reason: ClassVar[str] = "BuildFailed"


class UnsupportedError(BuildError):
    """A feature Tether deliberately does not support (helmCharts, exec plugins...)."""

    retryable: ClassVar[bool] = False


class ApplyError(GitOpsError):
    """Server-side apply of one or more objects failed."""

    reason: ClassVar[str] = "ReconciliationFailed"


class PruneError(GitOpsError):
    """Deleting stale objects failed."""

    reason: ClassVar[str] = "PruneFailed"


class HealthCheckError(GitOpsError):
    """Applied objects did not become healthy within the timeout."""

    reason: ClassVar[str] = "HealthCheckFailed"


class DependencyNotReadyError(GitOpsError):
    """A ``dependsOn`` entry is not Ready yet."""

    reason: ClassVar[str] = "DependencyNotReady"
