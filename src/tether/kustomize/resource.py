"""Resources and their identities: ``Gvk``, ``ResId`` and ``Resource``.

Design: a resource is its object (plain dict, the same value YAML loading gives) plus the
build bookkeeping kustomize keeps in ``internal.config.kubernetes.io/*`` annotations
(previous ids, name prefixes/suffixes, generator behaviour, hash request, origin). We keep
that bookkeeping in typed attributes instead, so user-visible annotations are never
polluted and patches cannot clobber it; the final output is identical because kustomize
strips those annotations before printing.

Identity equality follows kustomize: group, version, kind and name must be equal, and the
*effective* namespaces must be equal ("" means "default"; cluster-scoped kinds have none).
``ResId.key`` is that equality as a hashable tuple, so maps can be indexed in O(1).
"""

from __future__ import annotations

import contextvars
import functools
import json
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tether import errors
from tether.kustomize import yamlio

# Kinds that kustomize's built-in (Kubernetes 1.21) schema knows as cluster-scoped, by
# apiVersion. Every other apiVersion/kind, including all custom resources, is namespaced.
_CLUSTER_SCOPED: dict[str, frozenset[str]] = {
    "MutatingWebhookConfiguration": frozenset(
        {"admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1"}
    ),
    "ValidatingWebhookConfiguration": frozenset(
        {"admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1"}
    ),
    "CustomResourceDefinition": frozenset(
        {"apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1"}
    ),
    "APIService": frozenset({"apiregistration.k8s.io/v1", "apiregistration.k8s.io/v1beta1"}),
    "CertificateSigningRequest": frozenset(
        {"certificates.k8s.io/v1", "certificates.k8s.io/v1beta1"}
    ),
    "FlowSchema": frozenset({"flowcontrol.apiserver.k8s.io/v1beta1"}),
    "PriorityLevelConfiguration": frozenset({"flowcontrol.apiserver.k8s.io/v1beta1"}),
    "IngressClass": frozenset({"networking.k8s.io/v1", "networking.k8s.io/v1beta1"}),
    "RuntimeClass": frozenset({"node.k8s.io/v1", "node.k8s.io/v1beta1"}),
    "PodSecurityPolicy": frozenset({"policy/v1beta1"}),
    "ClusterRole": frozenset({"rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1"}),
    "ClusterRoleBinding": frozenset(
        {"rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1"}
    ),
    "PriorityClass": frozenset({"scheduling.k8s.io/v1", "scheduling.k8s.io/v1beta1"}),
    "CSIDriver": frozenset({"storage.k8s.io/v1", "storage.k8s.io/v1beta1"}),
    "CSINode": frozenset({"storage.k8s.io/v1", "storage.k8s.io/v1beta1"}),
    "StorageClass": frozenset({"storage.k8s.io/v1", "storage.k8s.io/v1beta1"}),
    "VolumeAttachment": frozenset({"storage.k8s.io/v1", "storage.k8s.io/v1beta1"}),
    "ComponentStatus": frozenset({"v1"}),
    "Namespace": frozenset({"v1"}),
    "Node": frozenset({"v1"}),
    "NodeProxyOptions": frozenset({"v1"}),
    "PersistentVolume": frozenset({"v1"}),
}

_extra_scopes: contextvars.ContextVar[Mapping[tuple[str, str], bool] | None] = (
    contextvars.ContextVar("tether_kustomize_extra_scopes", default=None)
)
"""Scopes declared by a kustomization's ``openapi`` schema, for the build running in this
context (a ContextVar, so concurrent builds in threads or tasks do not see each other's)."""

TOTALLY_NOT_A_NAMESPACE = "_non_namespaceable_"
DEFAULT_NAMESPACE = "default"


ScopesToken = contextvars.Token[Mapping[tuple[str, str], bool] | None]


def set_extra_scopes(scopes: Mapping[tuple[str, str], bool]) -> ScopesToken:
    """Set the scopes (``(apiVersion, kind) -> namespaced``) from a custom schema."""
    return _extra_scopes.set(dict(scopes) if scopes else None)


def reset_extra_scopes(token: ScopesToken) -> None:
    """Undo ``set_extra_scopes`` (at the end of a build)."""
    _extra_scopes.reset(token)


@functools.lru_cache(maxsize=4096)
def _builtin_cluster_scoped(group: str, version: str, kind: str) -> bool:
    api_version = f"{group}/{version}" if group else version
    return api_version in _CLUSTER_SCOPED.get(kind, ())


def is_cluster_scoped(group: str, version: str, *, kind: str) -> bool:
    """Whether the schema certainly knows this type as cluster-scoped."""
    builtin = _builtin_cluster_scoped(group, version, kind)
    extra = _extra_scopes.get()
    if extra and not builtin:
        # kyaml consults its precomputed (built-in) table before a custom schema.
        custom = extra.get((f"{group}/{version}" if group else version, kind))
        if custom is not None:
            return not custom
    return builtin


@dataclass(frozen=True, slots=True)
class Gvk:
    """Group, version and kind; empty strings mean "unset" (and match anything in selectors)."""

    group: str = ""
    version: str = ""
    kind: str = ""

    @staticmethod
    def from_api_version(api_version: str, kind: str) -> Gvk:
        group, sep, version = api_version.partition("/")
        return Gvk(group, version, kind) if sep else Gvk("", api_version, kind)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def cluster_scoped(self) -> bool:
        return is_cluster_scoped(self.group, self.version, kind=self.kind)

    def is_selected(self, selector: Gvk | None) -> bool:
        """kustomize's ``IsSelected``: every non-empty field of the selector must match."""
        if selector is None:
            return True
        return (
            (not selector.group or selector.group == self.group)
            and (not selector.version or selector.version == self.version)
            and (not selector.kind or selector.kind == self.kind)
        )

    def __str__(self) -> str:
        return ".".join(
            [self.kind or "[noKind]", self.version or "[noVer]", self.group or "[noGrp]"]
        )


@dataclass(frozen=True, slots=True)
class ResId:
    """A resource identity: gvk, name and namespace."""

    gvk: Gvk
    name: str = ""
    namespace: str = ""

    @property
    def effective_namespace(self) -> str:
        if self.gvk.cluster_scoped:
            return TOTALLY_NOT_A_NAMESPACE
        if self.namespace in ("", DEFAULT_NAMESPACE):
            return DEFAULT_NAMESPACE
        return self.namespace

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """The equality key (namespace compared effectively)."""
        g = self.gvk
        return (g.group, g.version, g.kind, self.name, self.effective_namespace)

    def gvkn_equals(self, other: ResId) -> bool:
        return self.name == other.name and self.gvk == other.gvk

    def equals(self, other: ResId) -> bool:
        return self.key == other.key

    def __str__(self) -> str:
        return f"{self.gvk}/{self.name or '[noName]'}.{self.namespace or '[noNs]'}"


@dataclass(slots=True)
class Origin:
    """Where a resource (or the transformer that touched it) came from."""

    path: str = ""
    repo: str = ""
    ref: str = ""
    configured_in: str = ""
    configured_by: dict[str, str] = field(default_factory=dict)

    def append(self, path: str) -> Origin:
        """This origin with ``path`` joined (a file or directory below it)."""
        joined = posixpath.normpath(posixpath.join(self.path, path))
        return Origin(path=joined, repo=self.repo, ref=self.ref)

    def copy(self) -> Origin:
        return Origin(self.path, self.repo, self.ref, self.configured_in, dict(self.configured_by))

    def as_lines(self) -> list[str]:
        """The origin as kustomize writes it in the annotation (yaml.v3 block style)."""
        lines: list[str] = []
        if self.path:
            lines.append(f"path: {_v3_scalar(self.path)}")
        if self.repo:
            lines.append(f"repo: {_v3_scalar(self.repo)}")
        if self.ref:
            lines.append(f"ref: {_v3_scalar(self.ref)}")
        if self.configured_in:
            lines.append(f"configuredIn: {_v3_scalar(self.configured_in)}")
        if self.configured_by:
            lines.append("configuredBy:")
            for key in ("apiVersion", "kind", "name", "namespace"):
                if self.configured_by.get(key):
                    lines.append(f"  {key}: {_v3_scalar(self.configured_by[key])}")
        return lines

    def annotation(self) -> str:
        return "".join(line + "\n" for line in self.as_lines())


def transformations_annotation(origins: list[Origin]) -> str:
    """A list of origins as kustomize writes the transformations annotation."""
    out: list[str] = []
    for origin in origins:
        for i, line in enumerate(origin.as_lines()):
            out.append(("- " if i == 0 else "  ") + line + "\n")
    return "".join(out)


def _v3_scalar(text: str) -> str:
    if yamlio.plain_ok_v3(text):
        return text
    return json.dumps(text, ensure_ascii=False)


class Resource:
    """One object being built, plus kustomize's bookkeeping about it."""

    __slots__ = (
        "allow_kind_change",
        "allow_name_change",
        "behavior",
        "needs_hash",
        "obj",
        "origin",
        "prefixes",
        "prev",
        "ref_by",
        "ref_var_names",
        "suffixes",
        "transformations",
    )

    def __init__(self, obj: dict[str, Any]) -> None:
        self.obj = obj
        self.prev: list[tuple[str, str, str]] = []  # (kind, name, effective namespace)
        self.prefixes: list[str] = []
        self.suffixes: list[str] = []
        self.behavior = ""
        self.needs_hash = False
        self.origin: Origin | None = None
        self.transformations: list[Origin] = []
        self.allow_name_change = False
        self.allow_kind_change = False
        self.ref_by: list[ResId] = []
        self.ref_var_names: list[str] = []

    # --- plain accessors -------------------------------------------------------------
    @property
    def kind(self) -> str:
        return str(self.obj.get("kind") or "")

    @property
    def api_version(self) -> str:
        return str(self.obj.get("apiVersion") or "")

    @property
    def meta(self) -> dict[str, Any]:
        meta = self.obj.get("metadata")
        if not isinstance(meta, dict):
            meta = {}
            self.obj["metadata"] = meta
        return meta

    @property
    def name(self) -> str:
        meta = self.obj.get("metadata")
        return str(meta.get("name") or "") if isinstance(meta, dict) else ""

    @property
    def namespace(self) -> str:
        meta = self.obj.get("metadata")
        return str(meta.get("namespace") or "") if isinstance(meta, dict) else ""

    def set_name(self, name: str) -> None:
        self.meta["name"] = name

    def set_namespace(self, namespace: str) -> None:
        self.meta["namespace"] = namespace

    @property
    def gvk(self) -> Gvk:
        return Gvk.from_api_version(self.api_version, self.kind)

    @property
    def cur_id(self) -> ResId:
        return ResId(self.gvk, self.name, self.namespace)

    def labels(self) -> dict[str, Any]:
        value = self.meta.get("labels")
        return value if isinstance(value, dict) else {}

    def annotations(self) -> dict[str, Any]:
        value = self.meta.get("annotations")
        return value if isinstance(value, dict) else {}

    # --- bookkeeping -----------------------------------------------------------------
    def store_previous_id(self) -> None:
        """Remember the current id before a transformer changes name, namespace or kind."""
        cur = self.cur_id
        self.prev.append((cur.gvk.kind, cur.name, cur.effective_namespace))

    def prev_ids(self) -> list[ResId]:
        """Previous ids; like kustomize, they carry the *current* group and version."""
        if not self.prev:
            return []
        gvk = self.gvk
        return [ResId(Gvk(gvk.group, gvk.version, kind), name, ns) for kind, name, ns in self.prev]

    def org_id(self) -> ResId:
        prev = self.prev_ids()
        return prev[0] if prev else self.cur_id

    def all_ids(self) -> list[ResId]:
        return [*self.prev_ids(), self.cur_id]

    def copy(self) -> Resource:
        other = Resource(yamlio.clone(self.obj))
        other.copy_bookkeeping_from(self)
        return other

    def copy_bookkeeping_from(self, other: Resource) -> None:
        self.prev = list(other.prev)
        self.prefixes = list(other.prefixes)
        self.suffixes = list(other.suffixes)
        self.behavior = other.behavior
        self.needs_hash = other.needs_hash
        self.origin = other.origin.copy() if other.origin else None
        self.transformations = [o.copy() for o in other.transformations]
        self.allow_name_change = other.allow_name_change
        self.allow_kind_change = other.allow_kind_change
        self.ref_by = list(other.ref_by)
        self.ref_var_names = list(other.ref_var_names)

    def has_bookkeeping(self) -> bool:
        """Whether kustomize would have written internal annotations on this object."""
        return bool(
            self.prev
            or self.prefixes
            or self.suffixes
            or self.behavior
            or self.needs_hash
            or self.origin
            or self.transformations
            or self.ref_by
        )

    def __repr__(self) -> str:
        return f"Resource({self.cur_id})"


def from_object(obj: Any, *, source: str) -> Resource:
    """Wrap a loaded YAML object, checking it looks like a Kubernetes object."""
    if not isinstance(obj, dict):
        raise errors.BuildError(f"{source}: a resource must be a YAML mapping")
    return Resource(obj)
