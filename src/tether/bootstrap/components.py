"""The install manifests: CRDs, namespace, RBAC, the controller Deployment and its Service.

Job: produce, as plain dicts, everything ``tether install`` applies and ``tether bootstrap``
commits as ``gotk-components.yaml``. Design decision: one generator, pure data in → data out
(no cluster, no I/O), so the same objects are printed by ``--export``, committed to Git and
applied — byte-for-byte the same YAML (:func:`render` is deterministic). Where Flux runs four
controller images, Tether runs one: a single Deployment ``tether-controller`` executing
``tether controller run`` (GitRepository and Kustomization reconcilers plus the artifact
server), fronted by the Service ``source-controller`` so that ``status.artifact.url`` has
Flux's in-cluster shape. Pod security follows Flux (restricted PSS): non-root, read-only root
filesystem, all capabilities dropped, seccomp ``RuntimeDefault``, resource limits, and
``emptyDir`` volumes for ``/data`` (artifacts) and ``/tmp``. CRDs come from the typed models
(``tether.api.crd``), never from a hand-written copy. Cluster-scoped RBAC names carry the
namespace as a suffix (``cluster-reconciler-<ns>``), as Flux does, so two installs in two
namespaces do not fight over one binding. The CRDs and the Namespace are marked
``kustomize.toolkit.fluxcd.io/prune: disabled``: once bootstrap hands them to the
``flux-system`` Kustomization, deleting that Kustomization must not cascade into deleting
every GitRepository and Kustomization in the cluster; ``tether uninstall`` removes them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import yaml

from tether import __version__, errors
from tether.api import crd, kustomize, source

__all__ = [
    "ARTIFACT_SERVICE",
    "COMPONENTS",
    "CONTROLLER_NAME",
    "DEFAULT_IMAGE",
    "InstallOptions",
    "deployment_refs",
    "generate",
    "header",
    "render",
]

Obj = dict[str, Any]

CONTROLLER_NAME: Final = "tether-controller"
"""The one Deployment (and ServiceAccount) that runs every reconciler."""
ARTIFACT_SERVICE: Final = "source-controller"
"""The Service in front of the artifact server; Flux's name, so artifact URLs look the same."""
DEFAULT_IMAGE: Final = f"ghcr.io/tether-gitops/tether:v{__version__}"
COMPONENTS: Final = ("source-controller", "kustomize-controller")
"""Flux components Tether provides; both run inside the one controller process."""

_HTTP_PORT: Final = 9090
_METRICS_PORT: Final = 8080
_HEALTH_PORT: Final = 9440
_KEEP: Final = {"kustomize.toolkit.fluxcd.io/prune": "disabled"}
"""On the CRDs and the Namespace: never garbage-collected by the ``flux-system``
Kustomization (deleting a CRD deletes every object of its kind); uninstall removes them."""
_TOOLKIT_GROUPS: Final = ("source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io")


@dataclass(frozen=True)
class InstallOptions:
    """What to install and where."""

    namespace: str = "flux-system"
    image: str = DEFAULT_IMAGE
    components: tuple[str, ...] = COMPONENTS
    version: str = f"v{__version__}"
    log_level: str = "info"
    network_policy: bool = True
    """Flux's ``allow-egress`` and ``allow-scraping`` NetworkPolicies."""
    extra_args: tuple[str, ...] = field(default_factory=tuple)
    """Appended to the controller's arguments (``tether controller run ...``)."""

    def validate(self) -> None:
        """Raise ConfigError for an unknown component or an empty image/namespace."""
        unknown = [c for c in self.components if c not in COMPONENTS]
        if unknown:
            raise errors.ConfigError(
                f"unsupported component(s) {', '.join(unknown)}",
                hint=f"Tether provides {', '.join(COMPONENTS)}",
            )
        if "source-controller" not in self.components:
            raise errors.ConfigError("component source-controller is required",
                                     hint="the Kustomization reconciler needs its artifacts")
        if not self.image.strip():
            raise errors.ConfigError("--image must not be empty")
        if not self.namespace.strip():
            raise errors.ConfigError("--namespace must not be empty")


def labels(opts: InstallOptions, component: str | None = None) -> dict[str, str]:
    """Flux's install labels, plus the component name when given."""
    out = {
        "app.kubernetes.io/instance": opts.namespace,
        "app.kubernetes.io/part-of": "flux",
        "app.kubernetes.io/version": opts.version,
    }
    if component:
        out["app.kubernetes.io/component"] = component
    return out


def _meta(name: str, opts: InstallOptions, *, namespaced: bool = True,
          component: str | None = None) -> Obj:
    meta: Obj = {"name": name, "labels": labels(opts, component)}
    if namespaced:
        meta["namespace"] = opts.namespace
    return meta


def _crds(opts: InstallOptions) -> list[Obj]:
    out = []
    for spec in (source.CRD, kustomize.CRD):
        manifest = copy.deepcopy(crd.manifest(spec))
        meta = manifest.setdefault("metadata", {})
        meta["labels"] = {**(meta.get("labels") or {}), **labels(opts)}
        meta["labels"]["app.kubernetes.io/part-of"] = "flux"
        meta["annotations"] = {**(meta.get("annotations") or {}), **_KEEP}
        out.append(manifest)
    return out


def _namespace(opts: InstallOptions) -> Obj:
    meta = _meta(opts.namespace, opts, namespaced=False)
    # Flux's namespace is labelled for the restricted Pod Security Standard.
    meta["labels"]["pod-security.kubernetes.io/warn"] = "restricted"
    meta["labels"]["pod-security.kubernetes.io/warn-version"] = "latest"
    meta["annotations"] = dict(_KEEP)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def _rbac(opts: InstallOptions) -> list[Obj]:
    suffix = f"-{opts.namespace}"
    subject = [{"kind": "ServiceAccount", "name": CONTROLLER_NAME,
                "namespace": opts.namespace}]
    rules: list[Obj] = [
        {"apiGroups": [g], "resources": ["*"], "verbs": ["*"]} for g in _TOOLKIT_GROUPS
    ]
    rules += [
        {"apiGroups": [""], "resources": ["namespaces", "secrets", "configmaps",
                                          "serviceaccounts"],
         "verbs": ["get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
         "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
    ]
    rbac = "rbac.authorization.k8s.io/v1"
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": _meta(CONTROLLER_NAME, opts, component=CONTROLLER_NAME)},
        {"apiVersion": rbac, "kind": "ClusterRole",
         "metadata": _meta(f"crd-controller{suffix}", opts, namespaced=False),
         "rules": rules},
        {"apiVersion": rbac, "kind": "ClusterRoleBinding",
         "metadata": _meta(f"crd-controller{suffix}", opts, namespaced=False),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": f"crd-controller{suffix}"},
         "subjects": subject},
        # The Kustomization reconciler applies arbitrary objects, as Flux's
        # kustomize-controller does: cluster-admin, narrowed per tenant by impersonation.
        {"apiVersion": rbac, "kind": "ClusterRoleBinding",
         "metadata": _meta(f"cluster-reconciler{suffix}", opts, namespaced=False),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": "cluster-admin"},
         "subjects": subject},
    ]


def _container(opts: InstallOptions) -> Obj:
    # The image's entrypoint is ``tether controller run``; these are its flags.
    args = [
        "--watch-all-namespaces",
        "--enable-leader-election",
        f"--log-level={opts.log_level}",
        "--log-encoding=json",
        "--storage-path=/data",
        f"--storage-adv-addr={ARTIFACT_SERVICE}.$(RUNTIME_NAMESPACE).svc.cluster.local.",
        f"--storage-addr=:{_HTTP_PORT}",
        f"--metrics-addr=:{_METRICS_PORT}",
        f"--health-addr=:{_HEALTH_PORT}",
        *opts.extra_args,
    ]
    return {
        "name": "manager",
        "image": opts.image,
        "imagePullPolicy": "IfNotPresent",
        "args": args,
        "env": [
            {"name": "RUNTIME_NAMESPACE",
             "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": "HOME", "value": "/tmp"},
        ],
        "ports": [
            {"containerPort": _HTTP_PORT, "name": "http", "protocol": "TCP"},
            {"containerPort": _METRICS_PORT, "name": "http-prom", "protocol": "TCP"},
            {"containerPort": _HEALTH_PORT, "name": "healthz", "protocol": "TCP"},
        ],
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "healthz"}},
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": "healthz"}},
        "resources": {"limits": {"cpu": "1000m", "memory": "1Gi"},
                      "requests": {"cpu": "100m", "memory": "128Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [{"name": "data", "mountPath": "/data"},
                         {"name": "tmp", "mountPath": "/tmp"}],
    }


def _deployment(opts: InstallOptions) -> Obj:
    selector = {"app": CONTROLLER_NAME}
    pod_labels = {**selector, **labels(opts, CONTROLLER_NAME)}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {**_meta(CONTROLLER_NAME, opts, component=CONTROLLER_NAME),
                     "annotations": {"tether.io/components": ",".join(opts.components)}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": selector},
            # One writer of /data at a time: never two pods during a rollout (the Lease
            # already keeps a second replica from reconciling; this keeps it from starting).
            "strategy": {"type": "Recreate"},
            "template": {
                "metadata": {
                    "labels": pod_labels,
                    "annotations": {"prometheus.io/scrape": "true",
                                    "prometheus.io/port": str(_METRICS_PORT)},
                },
                "spec": {
                    "serviceAccountName": CONTROLLER_NAME,
                    "terminationGracePeriodSeconds": 10,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 65534,
                        "runAsGroup": 65534,
                        "fsGroup": 1337,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [_container(opts)],
                    "volumes": [{"name": "data", "emptyDir": {}},
                                {"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }


def _service(opts: InstallOptions) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(ARTIFACT_SERVICE, opts, component=ARTIFACT_SERVICE),
        "spec": {
            "type": "ClusterIP",
            "selector": {"app": CONTROLLER_NAME},
            "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}],
        },
    }


def _network_policies(opts: InstallOptions) -> list[Obj]:
    """Flux's policies: pods of the namespace talk among themselves and egress anywhere;
    metrics can be scraped from any namespace. Nothing else reaches the controller."""
    api = "networking.k8s.io/v1"
    return [
        {"apiVersion": api, "kind": "NetworkPolicy",
         "metadata": _meta("allow-egress", opts),
         "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
                  "ingress": [{"from": [{"podSelector": {}}]}], "egress": [{}]}},
        {"apiVersion": api, "kind": "NetworkPolicy",
         "metadata": _meta("allow-scraping", opts),
         "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                  "ingress": [{"from": [{"namespaceSelector": {}}],
                               "ports": [{"port": _METRICS_PORT, "protocol": "TCP"}]}]}},
    ]


def generate(opts: InstallOptions) -> list[Obj]:
    """Every object of an install, in apply order (CRDs, Namespace, RBAC, workload)."""
    opts.validate()
    policies = _network_policies(opts) if opts.network_policy else []
    return [*_crds(opts), _namespace(opts), *_rbac(opts), *policies, _service(opts),
            _deployment(opts)]


def deployment_refs(objs: Iterable[Obj]) -> list[tuple[str, str]]:
    """(namespace, name) of every Deployment among ``objs`` (what "healthy" means)."""
    return [(o["metadata"]["namespace"], o["metadata"]["name"])
            for o in objs if o.get("kind") == "Deployment"]


def header(opts: InstallOptions) -> str:
    """The DO-NOT-EDIT banner of generated files (Flux's shape, our name)."""
    return (
        "# This manifest was generated by tether. DO NOT EDIT.\n"
        f"# Tether Version: {opts.version}\n"
        f"# Components: {','.join(opts.components)}\n"
    )


def render(objs: Sequence[Obj], *, banner: str = "") -> str:
    """Multi-document YAML, ``---`` before each object; deterministic for equal input."""
    parts = [banner] if banner else []
    for obj in objs:
        parts.append("---\n" + yaml.safe_dump(obj, sort_keys=False, default_flow_style=False))
    return "".join(parts)
