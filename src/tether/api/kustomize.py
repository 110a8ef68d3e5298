"""The ``Kustomization`` model, ``kustomize.toolkit.fluxcd.io/v1``, field for field Flux's.

Design: frozen dataclasses whose type hints are the schema (``tether.api.serde``): the same
classes decode objects read from the API server (``InvalidSpecError`` names the bad field,
e.g. ``Kustomization flux-system/apps: spec.interval: is required``), encode them back
unchanged (``to_dict`` round-trips), and generate the CRD (``tether.api.crd``), so model,
validation and CRD cannot drift apart. Defaults that Flux computes (timeout = interval − 30s
with a 30s floor, retryInterval = interval) live in methods, not in the stored spec, so a
round trip never adds fields the user did not write.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Final, Literal

from tether import errors
from tether.api import crd, serde
from tether.api.meta import (
    Condition,
    Duration,
    LocalObjectReference,
    NamespacedObjectKindReference,
)
from tether.api.serde import field

__all__ = [
    "API_VERSION",
    "CRD",
    "FINALIZER",
    "GROUP",
    "KIND",
    "CommonMetadata",
    "CrossNamespaceSourceReference",
    "CustomHealthCheck",
    "Decryption",
    "DependencyReference",
    "HistoryEntry",
    "IgnoreRule",
    "Image",
    "KubeConfigReference",
    "Kustomization",
    "KustomizationSpec",
    "KustomizationStatus",
    "Patch",
    "PostBuild",
    "ResourceInventory",
    "ResourceRef",
    "SecretKeyReference",
    "Selector",
    "SubstituteReference",
]

GROUP: Final = "kustomize.toolkit.fluxcd.io"
VERSION: Final = "v1"
API_VERSION: Final = f"{GROUP}/{VERSION}"
KIND: Final = "Kustomization"
FINALIZER: Final = "finalizers.fluxcd.io"
_DNS_LABEL: Final = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


@dataclass(frozen=True)
class CrossNamespaceSourceReference:
    """The source whose artifact is built (``spec.sourceRef``)."""

    kind: Literal["OCIRepository", "GitRepository", "Bucket", "ExternalArtifact"]
    """Kind of the source."""
    name: str = field(min_length=1)
    """Name of the source."""
    api_version: str | None = None
    """API version of the source."""
    namespace: str | None = None
    """Namespace of the source; defaults to the Kustomization's namespace."""


@dataclass(frozen=True)
class DependencyReference:
    """A Kustomization that must be ready before this one is applied."""

    name: str
    """Name of the dependency."""
    namespace: str | None = None
    """Namespace of the dependency; defaults to the Kustomization's namespace."""
    ready_expr: str | None = None
    """CEL expression (vars ``dep``, ``self``) replacing the built-in readiness check."""


@dataclass(frozen=True)
class CustomHealthCheck:
    """CEL expressions computing the health of one kind of object."""

    api_version: str
    """API version (only the group is matched)."""
    current: str
    """CEL expression: the object is healthy."""
    kind: str | None = None
    """Kind the expressions apply to."""
    in_progress: str | None = None
    """CEL expression: the object is still progressing."""
    failed: str | None = None
    """CEL expression: the object has failed."""


@dataclass(frozen=True)
class CommonMetadata:
    """Labels and annotations set on every applied object (overriding existing keys)."""

    labels: dict[str, str] | None = None
    """Labels to add."""
    annotations: dict[str, str] | None = None
    """Annotations to add."""


@dataclass(frozen=True)
class Selector:
    """Which objects a patch or ignore rule targets (kustomize selector)."""

    group: str | None = None
    """API group."""
    version: str | None = None
    """API version."""
    kind: str | None = None
    """Kind."""
    name: str | None = None
    """Name (a regular expression)."""
    namespace: str | None = None
    """Namespace (a regular expression)."""
    label_selector: str | None = None
    """Label selector expression."""
    annotation_selector: str | None = None
    """Annotation selector expression."""


@dataclass(frozen=True)
class Patch:
    """A strategic-merge or JSON6902 patch applied after the build."""

    patch: str
    """The patch text (YAML or JSON)."""
    target: Selector | None = None
    """Objects the patch applies to."""


@dataclass(frozen=True)
class Image:
    """A kustomize image override."""

    name: str
    """Image name to match."""
    new_name: str | None = None
    """Replacement image name."""
    new_tag: str | None = None
    """Replacement tag."""
    digest: str | None = None
    """Replacement digest (wins over the tag)."""


@dataclass(frozen=True)
class SubstituteReference:
    """A ConfigMap or Secret whose data keys are substitution variables."""

    kind: Literal["ConfigMap", "Secret"]
    """Kind of the object."""
    name: str = field(max_length=253, min_length=1)
    """Name of the object (in the Kustomization's namespace)."""
    optional: bool | None = field(default=None, schema_default=False)
    """Whether a missing object is ignored (false when unset)."""


@dataclass(frozen=True)
class PostBuild:
    """Variable substitution applied to the built objects."""

    substitute: dict[str, str] | None = None
    """Inline variables; they win over ``substituteFrom``."""
    substitute_from: list[SubstituteReference] | None = None
    """ConfigMaps/Secrets providing variables; later ones override earlier ones."""
    substitute_strategy: Literal["WithVariables", "Always"] | None = None
    """``WithVariables`` (default) skips substitution when no variable is defined."""


@dataclass(frozen=True)
class Decryption:
    """How to decrypt SOPS-encrypted inputs."""

    provider: Literal["sops"]
    """Decryption provider."""
    secret_ref: LocalObjectReference | None = None
    """Secret holding the decryption keys."""
    service_account_name: str | None = None
    """Service account used for cloud KMS access."""


@dataclass(frozen=True)
class SecretKeyReference:
    """A key in a Secret of the Kustomization's namespace."""

    name: str
    """Name of the Secret."""
    key: str | None = None
    """Key holding the kubeconfig (``value`` or ``value.yaml`` when unset)."""


@dataclass(frozen=True)
class KubeConfigReference:
    """A kubeconfig for applying to a remote cluster."""

    secret_ref: SecretKeyReference | None = None
    """Secret holding the kubeconfig."""
    config_map_ref: LocalObjectReference | None = None
    """ConfigMap configuring workload-identity access."""


@dataclass(frozen=True)
class IgnoreRule:
    """Fields whose in-cluster drift is ignored."""

    paths: list[str]
    """JSON pointers of the ignored fields."""
    target: Selector | None = None
    """Objects the rule applies to."""


@dataclass(frozen=True)
class KustomizationSpec:
    """What to build and apply, and how (``spec``)."""

    interval: Duration
    """How often to reconcile (and correct drift)."""
    source_ref: CrossNamespaceSourceReference
    """The source providing the artifact."""
    prune: bool
    """Delete objects that were applied before and are no longer in the build."""
    retry_interval: Duration | None = None
    """Interval after a failed reconcile; defaults to ``interval``."""
    timeout: Duration | None = None
    """Budget for build, apply and health checks; defaults to interval − 30s (min 30s)."""
    path: str | None = None
    """Directory in the artifact to build; defaults to its root."""
    deletion_policy: Literal["MirrorPrune", "Delete", "WaitForTermination",
                             "Orphan"] | None = None
    """What happens to applied objects when the Kustomization is deleted."""
    wait: bool | None = None
    """Health-check every applied object (overrides ``healthChecks``)."""
    health_checks: list[NamespacedObjectKindReference] | None = None
    """Objects to health-check."""
    health_check_exprs: list[CustomHealthCheck] | None = None
    """CEL health rules for custom kinds."""
    depends_on: list[DependencyReference] | None = None
    """Kustomizations that must be ready first."""
    suspend: bool | None = None
    """Stop reconciling (drift correction pauses too)."""
    force: bool | None = field(default=None, schema_default=False)
    """Recreate objects whose change hits an immutable field (false when unset)."""
    target_namespace: str | None = field(default=None, min_length=1, max_length=63)
    """Namespace set on every namespaced object."""
    name_prefix: str | None = field(default=None, min_length=1, max_length=200)
    """Prefix added to every object name."""
    name_suffix: str | None = field(default=None, min_length=1, max_length=200)
    """Suffix added to every object name."""
    common_metadata: CommonMetadata | None = None
    """Labels and annotations set on every object."""
    patches: list[Patch] | None = None
    """Patches applied after the build."""
    images: list[Image] | None = None
    """Image overrides."""
    components: list[str] | None = None
    """Local kustomize components (relative paths)."""
    ignore_missing_components: bool | None = None
    """Drop components whose directory does not exist."""
    build_metadata: list[Literal["originAnnotations", "transformerAnnotations"]] | None = None
    """kustomize buildMetadata options."""
    post_build: PostBuild | None = None
    """Variable substitution after the build."""
    decryption: Decryption | None = None
    """SOPS decryption settings."""
    service_account_name: str | None = None
    """Service account to impersonate when applying."""
    kube_config: KubeConfigReference | None = None
    """Apply to a remote cluster."""
    ignore: list[IgnoreRule] | None = None
    """Drift-ignore rules."""

    def timeout_seconds(self) -> float:
        """Flux's GetTimeout: ``timeout``, else interval − 30s; never below 30s."""
        seconds = self.timeout.seconds if self.timeout else self.interval.seconds - 30
        return max(seconds, 30.0)

    def retry_seconds(self) -> float:
        """Requeue delay after a failure: ``retryInterval``, else ``interval``."""
        return (self.retry_interval or self.interval).seconds


@dataclass(frozen=True)
class ResourceRef:
    """One inventory entry."""

    id: str
    """Object id ``<namespace>_<name>_<group>_<kind>``."""
    v: str
    """API version of the object."""


@dataclass(frozen=True)
class ResourceInventory:
    """Everything the last successful apply created or configured."""

    entries: list[ResourceRef]
    """The objects."""


@dataclass(frozen=True)
class HistoryEntry:
    """One distinct reconciliation outcome (``status.history[]``)."""

    digest: str
    """sha256 of the built manifests."""
    last_reconciled_duration: str
    """How long the last reconciliation took (a Go duration)."""
    last_reconciled_status: str
    """The Ready reason of the last reconciliation."""
    first_reconciled: str = field(format="date-time")
    """When this digest/status was first seen."""
    last_reconciled: str = field(format="date-time")
    """When it was last seen."""
    total_reconciliations: int = field(minimum=0)
    """How many reconciliations produced this digest/status."""
    metadata: dict[str, str] | None = None
    """Extra data, e.g. ``revision`` and ``originRevision``."""


@dataclass(frozen=True)
class KustomizationStatus:
    """What the controller observed and did (``status``)."""

    observed_generation: int | None = field(default=None, schema_default=-1)
    """The last generation reconciled."""
    conditions: list[Condition] | None = None
    """Ready, Reconciling, Stalled, Healthy."""
    last_applied_revision: str | None = None
    """The last source revision applied successfully."""
    last_applied_origin_revision: str | None = None
    """The origin revision (OCI ``org.opencontainers.image.revision``) last applied."""
    last_attempted_revision: str | None = None
    """The last source revision attempted."""
    last_handled_reconcile_at: str | None = None
    """The last ``reconcile.fluxcd.io/requestedAt`` value handled."""
    inventory: ResourceInventory | None = None
    """The applied objects."""
    history: list[HistoryEntry] | None = None
    """The last reconciliation outcomes, newest first (at most 5)."""


@dataclass(frozen=True)
class Kustomization:
    """A ``kustomize.toolkit.fluxcd.io/v1`` Kustomization."""

    metadata: dict[str, Any]
    """Standard object metadata (kept verbatim)."""
    spec: KustomizationSpec
    """The desired state."""
    status: KustomizationStatus = dataclasses.field(default_factory=KustomizationStatus)
    """The observed state."""
    api_version: str = API_VERSION
    """``kustomize.toolkit.fluxcd.io/v1``."""
    kind: str = KIND
    """``Kustomization``."""

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
        """``metadata.generation`` (0 when unset)."""
        value = self.metadata.get("generation")
        return value if isinstance(value, int) else 0

    @classmethod
    def from_dict(cls, data: Any) -> Kustomization:
        """Decode an object; InvalidSpecError names the object and the bad field."""
        if not isinstance(data, dict):
            raise errors.InvalidSpecError("Kustomization: expected an object")
        meta = data.get("metadata")
        if not isinstance(meta, dict) or not meta.get("name"):
            raise errors.InvalidSpecError("Kustomization: metadata.name is required")
        ns = meta.get("namespace")
        who = f"Kustomization/{ns}/{meta['name']}" if ns else f"Kustomization/{meta['name']}"
        if data.get("apiVersion") != API_VERSION or data.get("kind") != KIND:
            raise errors.InvalidSpecError(
                f"{who}: expected {API_VERSION} {KIND}, got "
                f"{data.get('apiVersion')} {data.get('kind')}")
        try:
            spec = serde.decode(KustomizationSpec, data.get("spec"), path="spec")
            status = serde.decode(KustomizationStatus, data.get("status") or {}, path="status")
        except errors.InvalidSpecError as exc:
            raise errors.InvalidSpecError(f"{who}: {exc}", hint=exc.hint) from None
        return cls(metadata=dict(meta), spec=spec, status=status)

    def to_dict(self) -> dict[str, Any]:
        """The object as JSON (``None`` fields omitted, empty status omitted)."""
        out: dict[str, Any] = {"apiVersion": self.api_version, "kind": self.kind,
                               "metadata": dict(self.metadata),
                               "spec": serde.encode(self.spec)}
        status = serde.encode(self.status)
        if status:
            out["status"] = status
        return out


CRD: Final = crd.CRDSpec(
    group=GROUP,
    kind=KIND,
    plural="kustomizations",
    short_names=("ks",),
    categories=("fluxcd",),
    version=VERSION,
    spec=KustomizationSpec,
    status=KustomizationStatus,
    printer_columns=crd.READY_COLUMNS,
)
"""How ``Kustomization`` is registered: ``crd.manifest(kustomize.CRD)`` is the manifest."""
