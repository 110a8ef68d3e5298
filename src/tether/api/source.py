"""``GitRepository`` (``source.toolkit.fluxcd.io/v1``) as a typed, frozen model.

Design: the dataclasses below are the single statement of the API — ``from_dict`` /
``to_dict`` (via ``tether.api.serde``) and the CRD manifest (via ``tether.api.crd``) are
both derived from their type hints, field hints and attribute docstrings, so the
schema a cluster enforces and the objects the reconciler reads cannot drift. Optional
fields are ``None`` when absent so that a Flux YAML round-trips unchanged; the Flux
defaults (``timeout`` 60s, branch ``master``, verify mode ``HEAD``) are exposed as
properties rather than written into objects.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from tether import errors
from tether.api import crd, meta, serde

__all__ = [
    "API_VERSION",
    "CRD",
    "GROUP",
    "KIND",
    "Artifact",
    "GitRepository",
    "GitRepositoryInclude",
    "GitRepositoryRef",
    "GitRepositorySpec",
    "GitRepositoryStatus",
    "GitRepositoryVerification",
    "Reason",
]

GROUP: Final = "source.toolkit.fluxcd.io"
VERSION: Final = "v1"
API_VERSION: Final = f"{GROUP}/{VERSION}"
KIND: Final = "GitRepository"
DEFAULT_TIMEOUT: Final = 60.0
DEFAULT_BRANCH: Final = "master"


class Reason:
    """Condition types and reasons of source-controller (``api/v1/condition_types.go``)."""

    ARTIFACT_IN_STORAGE: Final = "ArtifactInStorage"
    ARTIFACT_OUTDATED: Final = "ArtifactOutdated"
    FETCH_FAILED: Final = "FetchFailed"
    SOURCE_VERIFIED: Final = "SourceVerified"
    INCLUDE_UNAVAILABLE: Final = "IncludeUnavailable"
    STORAGE_OPERATION_FAILED: Final = "StorageOperationFailed"
    NEW_REVISION: Final = "NewRevision"
    INCLUDE_CHANGE: Final = "IncludeChange"
    URL_INVALID: Final = "URLInvalid"
    AUTHENTICATION_FAILED: Final = "AuthenticationFailed"
    GIT_OPERATION_SUCCEEDED: Final = "GitOperationSucceeded"
    GIT_OPERATION_FAILED: Final = "GitOperationFailed"
    ARCHIVE_OPERATION_FAILED: Final = "ArchiveOperationFailed"
    NEW_ARTIFACT: Final = "NewArtifact"
    ARTIFACT_UP_TO_DATE: Final = "ArtifactUpToDate"
    VERIFICATION_ERROR: Final = "VerificationError"


@dataclass(frozen=True)
class GitRepositoryRef:
    """Which Git reference to check out; precedence branch < tag < semver < name < commit."""

    branch: str | None = None
    """The branch to check out; ``master`` when no other field is set."""
    tag: str | None = None
    """The tag to check out; takes precedence over ``branch``."""
    semver: str | None = None
    """A semver range over the tags; the highest matching tag is checked out."""
    name: str | None = None
    """A full reference such as ``refs/pull/420/head``; takes precedence over semver."""
    commit: str | None = None
    """A commit SHA; wins over everything and may be combined with ``branch``."""


@dataclass(frozen=True)
class GitRepositoryVerification:
    """Verify the OpenPGP/SSH signatures of the checked-out commit and/or tag."""

    secret_ref: meta.LocalObjectReference
    """Secret holding trusted public keys (``*.asc`` PGP keyrings, ``*.sshpub`` SSH keys)."""
    mode: Literal["head", "HEAD", "Tag", "TagAndHEAD"] | None = serde.field(
        default=None, schema_default="HEAD")
    """What to verify: the HEAD commit, the tag, or both."""


@dataclass(frozen=True)
class GitRepositoryInclude:
    """Copy another GitRepository's artifact into this one's."""

    repository: meta.LocalObjectReference
    """The GitRepository (same namespace) to include."""
    from_path: str | None = None
    """Path inside the included artifact to copy; the whole artifact by default."""
    to_path: str | None = None
    """Destination path in this artifact; the included repository's name by default."""


@dataclass(frozen=True)
class GitRepositorySpec:
    """The desired state: which repository, which ref, how often, with what credentials."""

    url: str = dataclasses.field(metadata=serde.schema(pattern=r"^(http|https|ssh)://.*$"))
    """Repository URL: ``http``, ``https`` or ``ssh`` (``ssh://git@host:22/repo.git``)."""
    interval: meta.Duration
    """How often to check the remote for a new revision (Go duration)."""
    secret_ref: meta.LocalObjectReference | None = None
    """Secret with auth keys: ``username``/``password``, ``bearerToken``, or ``identity``
    and ``known_hosts`` for SSH."""
    provider: Literal["generic", "aws", "azure", "github"] | None = serde.field(
        default=None, schema_default="generic")
    """The Git provider used for authentication; only ``generic`` is supported."""
    service_account_name: str | None = None
    """Service account for provider workload identity (``aws``/``azure``)."""
    timeout: meta.Duration | None = serde.field(  # noqa: RUF009 - returns a dataclass field
        default=None, pattern=r"^([0-9]+(\.[0-9]+)?(ms|s|m))+$", schema_default="60s")
    """Timeout for Git operations such as cloning (default 60s)."""
    ref: GitRepositoryRef | None = None
    """The Git reference to check out (default branch ``master``)."""
    verify: GitRepositoryVerification | None = None
    """Signature verification of the checked-out commit/tag."""
    proxy_secret_ref: meta.LocalObjectReference | None = None
    """Secret with a proxy ``address`` (and optional ``username``/``password``)."""
    ignore: str | None = None
    """Extra ``.gitignore``-style exclusions; replaces the default exclusion list."""
    sparse_checkout: list[str] | None = None
    """Only these directories end up in the artifact."""
    suspend: bool | None = None
    """Stop reconciling this object; the last artifact stays in place."""
    recurse_submodules: bool | None = None
    """Initialise Git submodules."""
    include: list[GitRepositoryInclude] | None = None
    """Artifacts of other GitRepositories to copy into this one."""

    @property
    def timeout_seconds(self) -> float:
        """The Git operation timeout, defaulted like Flux (60s)."""
        return self.timeout.seconds if self.timeout else DEFAULT_TIMEOUT

    @property
    def effective_ref(self) -> GitRepositoryRef:
        """``ref``, defaulting to branch ``master`` when nothing is set."""
        ref = self.ref or GitRepositoryRef()
        if not any((ref.branch, ref.tag, ref.semver, ref.name, ref.commit)):
            return replace(ref, branch=DEFAULT_BRANCH)
        return ref


@dataclass(frozen=True)
class Artifact:
    """A versioned tarball in the controller's storage, served over HTTP."""

    path: str
    """Path relative to the storage root: ``gitrepository/<ns>/<name>/<file>.tar.gz``."""
    url: str
    """HTTP address of the tarball."""
    revision: str
    """Source revision in Flux's format, e.g. ``main@sha1:<hex>``."""
    last_update_time: str = dataclasses.field(metadata=serde.schema(format="date-time"))
    """When the artifact was last updated (RFC 3339)."""
    digest: str | None = serde.field(
        default=None, pattern=r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
    """``sha256:<hex>`` of the tarball."""
    size: int | None = None
    """Size of the tarball in bytes."""
    metadata: dict[str, str] | None = None
    """Free-form metadata about the artifact."""


@dataclass(frozen=True)
class GitRepositoryStatus:
    """The observed state: the stored artifact, conditions, and the config that built it."""

    observed_generation: int | None = serde.field(default=None, schema_default=-1)
    """The last generation that reached Ready or Stalled."""
    conditions: list[meta.Condition] | None = None
    """Ready, Reconciling, Stalled, ArtifactInStorage, FetchFailed, SourceVerified..."""
    artifact: Artifact | None = None
    """The last successfully stored artifact."""
    included_artifacts: list[Artifact] | None = None
    """Artifacts of the ``include`` entries used to build ``artifact``."""
    observed_ignore: str | None = None
    """The ``spec.ignore`` used to build ``artifact``."""
    observed_recurse_submodules: bool | None = None
    """The ``spec.recurseSubmodules`` used to build ``artifact``."""
    observed_include: list[GitRepositoryInclude] | None = None
    """The ``spec.include`` used to build ``artifact``."""
    observed_sparse_checkout: list[str] | None = None
    """The ``spec.sparseCheckout`` used to build ``artifact``."""
    source_verification_mode: str | None = None
    """Which Git objects were verified for ``artifact``."""
    last_handled_reconcile_at: str | None = None
    """The last ``reconcile.fluxcd.io/requestedAt`` annotation value acted on."""


@dataclass(frozen=True)
class GitRepository:
    """A whole GitRepository object."""

    metadata: dict[str, Any]
    """Standard object metadata (kept as JSON)."""
    spec: GitRepositorySpec
    """Desired state."""
    status: GitRepositoryStatus = GitRepositoryStatus()
    """Observed state."""
    api_version: str = API_VERSION
    """``source.toolkit.fluxcd.io/v1``."""
    kind: str = KIND
    """``GitRepository``."""

    @property
    def name(self) -> str:
        """``metadata.name``."""
        return str(self.metadata.get("name", ""))

    @property
    def namespace(self) -> str:
        """``metadata.namespace``."""
        return str(self.metadata.get("namespace", ""))

    @property
    def generation(self) -> int:
        """``metadata.generation`` (0 before the server sets it)."""
        return int(self.metadata.get("generation") or 0)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GitRepository:
        """Parse a GitRepository; ``InvalidSpecError`` names the offending field."""
        name = (data.get("metadata") or {}).get("name", "?")
        obj = serde.decode(cls, data, path=f"GitRepository/{name}")
        if obj.api_version != API_VERSION or obj.kind != KIND:
            raise errors.InvalidSpecError(
                f"GitRepository/{name}: expected {API_VERSION} {KIND}, "
                f"got {obj.api_version} {obj.kind}"
            )
        return obj

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``apiVersion``, ``kind``, ``metadata``, ``spec``, ``status``)."""
        out = serde.encode(self)
        if not out.get("status"):
            out.pop("status", None)
        return {"apiVersion": out.pop("apiVersion"), "kind": out.pop("kind"), **out}


CRD: Final = crd.CRDSpec(
    group=GROUP,
    kind=KIND,
    plural="gitrepositories",
    short_names=("gitrepo",),
    categories=("fluxcd",),
    version=VERSION,
    spec=GitRepositorySpec,
    status=GitRepositoryStatus,
    printer_columns=(
        crd.PrinterColumn(name="URL", type="string", json_path=".spec.url"),
        *crd.READY_COLUMNS,
    ),
)
"""How ``GitRepository`` is registered: ``crd.manifest(source.CRD)`` is the manifest."""
