"""The Flux kinds the CLI drives, described once: API version, names, status accessors.

Design: every verb (get, reconcile, suspend, export, stats …) works on raw API dicts and
asks a :class:`Kind` how to read them — which status field is the revision, what the
success line after a reconcile says. Adding a kind is one entry here, not a branch in
every command. Status is read defensively: a field the controller has not written yet is
an empty string, never a KeyError.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "ALL",
    "GIT_REPOSITORY",
    "KUSTOMIZATION",
    "REQUESTED_AT",
    "Kind",
    "by_name",
    "condition",
    "ready_and_message",
]

REQUESTED_AT: Final = "reconcile.fluxcd.io/requestedAt"
"""The annotation of the reconcile-request handshake."""


def condition(obj: Mapping[str, Any], type_: str) -> Mapping[str, Any] | None:
    """The status condition of ``type_`` (matched case-insensitively), or None."""
    found = None
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if str(cond.get("type", "")).lower() == type_.lower():
            found = cond
    return found


def ready_and_message(obj: Mapping[str, Any]) -> tuple[str, str]:
    """``(Ready status, message)``; Flux's ``False``/``waiting to be reconciled`` when unset."""
    cond = condition(obj, "Ready")
    if cond is None:
        return "False", "waiting to be reconciled"
    return str(cond.get("status", "")), str(cond.get("message", ""))


def _status(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("status") or {}


def _artifact_revision(obj: Mapping[str, Any]) -> str:
    return str((_status(obj).get("artifact") or {}).get("revision", ""))


def _applied_revision(obj: Mapping[str, Any]) -> str:
    return str(_status(obj).get("lastAppliedRevision", ""))


@dataclass(frozen=True)
class Kind:
    """One Flux kind as the CLI sees it."""

    api_version: str
    kind: str
    human: str
    """How Flux names it in suspend/resume/delete lines (``source git``, ``kustomization``)."""
    revision: Callable[[Mapping[str, Any]], str]
    """The revision shown in ``get`` tables."""
    success: str
    """The verb of the success line after a reconcile (``fetched`` / ``applied``)."""
    names: tuple[str, ...]
    """Names accepted on the command line (``trace``, ``events --for``)."""

    @property
    def group(self) -> str:
        """The API group (``source.toolkit.fluxcd.io``)."""
        return self.api_version.split("/", 1)[0]

    def success_line(self, obj: Mapping[str, Any]) -> str:
        """``fetched revision main@sha1:…`` / ``applied revision …``."""
        return f"{self.success} revision {self.revision(obj)}"


GIT_REPOSITORY: Final = Kind(
    api_version="source.toolkit.fluxcd.io/v1",
    kind="GitRepository",
    human="source git",
    revision=_artifact_revision,
    success="fetched",
    names=("gitrepository", "gitrepositories", "gitrepo"),
)
KUSTOMIZATION: Final = Kind(
    api_version="kustomize.toolkit.fluxcd.io/v1",
    kind="Kustomization",
    human="kustomization",
    revision=_applied_revision,
    success="applied",
    names=("kustomization", "kustomizations", "ks"),
)
ALL: Final = (GIT_REPOSITORY, KUSTOMIZATION)


def by_name(name: str) -> Kind | None:
    """The kind for ``GitRepository``, ``gitrepo``, ``ks`` … (case-insensitive), or None."""
    lowered = name.lower()
    for kind in ALL:
        if lowered == kind.kind.lower() or lowered in kind.names:
            return kind
    return None
