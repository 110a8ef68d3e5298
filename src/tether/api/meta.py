"""Shared API vocabulary: conditions, object references, Flux reasons, Go durations.

Design: these types mirror ``fluxcd/pkg/apis/meta`` so that every model (GitRepository,
Kustomization) says the same thing the same way. Durations keep the text the user wrote
(``Duration.text``) next to its parsed value, so ``to_dict`` round-trips ``1m`` as ``1m``
while reconcilers compute with ``Duration.seconds``; :func:`format_duration` renders
seconds the way Go's ``time.Duration.String`` does (``1m30s``, ``10m0s``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Final

from tether import errors
from tether.api import serde

__all__ = [
    "DURATION_PATTERN",
    "Condition",
    "Duration",
    "LocalObjectReference",
    "NamespacedObjectKindReference",
    "NamespacedObjectReference",
    "Reason",
    "format_duration",
    "parse_duration",
]

DURATION_PATTERN: Final = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"
"""The pattern Flux's CRDs put on ``interval`` fields."""

_UNITS: Final = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
                 "h": 3600.0}
_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)")


def parse_duration(text: str) -> float:
    """Parse a Go duration (``1m30s``, ``500ms``, ``1.5h``, ``0``) into seconds.

    Raises ``InvalidSpecError`` for anything Go's ``time.ParseDuration`` would reject,
    and for negative durations (meaningless for intervals and timeouts).
    """
    raw = text.strip()
    if raw in ("0", "+0"):
        return 0.0
    body = raw[1:] if raw[:1] == "+" else raw
    if body.startswith("-"):
        raise errors.InvalidSpecError(f"invalid duration {text!r}: must not be negative")
    pos, total = 0, 0.0
    while pos < len(body):
        match = _PART.match(body, pos)
        if match is None:
            raise errors.InvalidSpecError(
                f"invalid duration {text!r}", hint="use Go syntax such as 30s, 5m, 1h30m"
            )
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos == 0:
        raise errors.InvalidSpecError(f"invalid duration {text!r}")
    return total


def _fraction(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"


def format_duration(seconds: float) -> str:
    """Render seconds as Go's ``time.Duration.String`` does: ``90`` → ``1m30s``."""
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 1e-6:
        return f"{sign}{_fraction(seconds * 1e9, 0)}ns"
    if seconds < 1e-3:
        return f"{sign}{_fraction(seconds * 1e6, 3)}µs"
    if seconds < 1:
        return f"{sign}{_fraction(seconds * 1e3, 6)}ms"
    hours, rest = divmod(seconds, 3600.0)
    minutes, secs = divmod(rest, 60.0)
    text = f"{_fraction(secs, 9)}s"
    if hours or minutes:
        text = f"{int(minutes)}m{text}"
    if hours:
        text = f"{int(hours)}h{text}"
    return sign + text


@dataclass(frozen=True)
class Duration(serde.Scalar):
    """A Go duration as written in a spec; compare and compute with ``seconds``."""

    text: str
    """The duration exactly as written, e.g. ``1m``."""

    @property
    def seconds(self) -> float:
        """The duration in seconds."""
        return parse_duration(self.text)

    @classmethod
    def of(cls, seconds: float) -> Duration:
        """A Duration for ``seconds``, written the Go way."""
        return cls(format_duration(seconds))

    @classmethod
    def decode_scalar(cls, value: object, path: str) -> Duration:
        """Accept a string that parses as a Go duration."""
        if not isinstance(value, str):
            raise errors.InvalidSpecError(f"{path}: expected a duration string, got {value!r}")
        try:
            parse_duration(value)
        except errors.InvalidSpecError as exc:
            raise errors.InvalidSpecError(f"{path}: {exc}", hint=exc.hint) from None
        return cls(value)

    def encode_scalar(self) -> str:
        """The text as written."""
        return self.text

    @classmethod
    def json_schema(cls) -> dict[str, object]:
        """A string with Flux's duration pattern."""
        return {"type": "string", "pattern": DURATION_PATTERN}

    def __str__(self) -> str:
        return self.text


class Reason:
    """Condition reasons shared by every Flux kind (``fluxcd/pkg/apis/meta``)."""

    SUCCEEDED: Final = "Succeeded"
    FAILED: Final = "Failed"
    PROGRESSING: Final = "Progressing"
    PROGRESSING_WITH_RETRY: Final = "ProgressingWithRetry"
    SUSPENDED: Final = "Suspended"
    ARTIFACT_FAILED: Final = "ArtifactFailed"
    DEPENDENCY_NOT_READY: Final = "DependencyNotReady"
    RECONCILIATION_FAILED: Final = "ReconciliationFailed"
    INVALID_SPEC: Final = "InvalidSpec"


@dataclass(frozen=True)
class Condition:
    """One entry of ``status.conditions`` (Kubernetes ``metav1.Condition``)."""

    type: str
    """The condition type, e.g. ``Ready``."""
    status: str = dataclasses.field(metadata=serde.schema(enum=("True", "False", "Unknown")))
    """``True``, ``False`` or ``Unknown``."""
    reason: str = dataclasses.field(
        metadata=serde.schema(pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"))
    """A CamelCase machine-readable reason."""
    message: str = dataclasses.field(metadata=serde.schema(max_length=32768))
    """A human-readable message."""
    last_transition_time: str = dataclasses.field(metadata=serde.schema(format="date-time"))
    """When the status last changed (RFC 3339)."""
    observed_generation: int | None = serde.field(default=None, minimum=0)
    """The ``metadata.generation`` the condition was set for."""


@dataclass(frozen=True)
class LocalObjectReference:
    """A reference to an object in the same namespace."""

    name: str
    """Name of the referent."""


@dataclass(frozen=True)
class NamespacedObjectReference:
    """A reference to an object, optionally in another namespace."""

    name: str
    """Name of the referent."""
    namespace: str | None = None
    """Namespace of the referent; defaults to the referrer's namespace."""


@dataclass(frozen=True)
class NamespacedObjectKindReference:
    """A reference to an object of a given kind, optionally in another namespace."""

    kind: str
    """Kind of the referent."""
    name: str
    """Name of the referent."""
    api_version: str | None = None
    """API version of the referent."""
    namespace: str | None = None
    """Namespace of the referent; defaults to the referrer's namespace."""
