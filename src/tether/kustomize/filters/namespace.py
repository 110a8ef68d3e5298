"""The namespace transformer: put every namespaced object into one namespace.

Rules (kustomize's): ``metadata.namespace`` is set (overwritten) on every object the schema
does not know as cluster-scoped (unknown kinds count as namespaced); ``kind: Namespace`` of
``apiVersion: v1`` is *renamed* to the namespace; RoleBinding/ClusterRoleBinding subjects
named ``default`` get the namespace (other modes: ``allServiceAccounts``, ``none``); the
extra field specs (APIService service, CRD conversion webhook) are set too. The previous id
is remembered so patches and name references can still find the object.

>>> from tether.kustomize.resmap import ResMap
>>> from tether.kustomize.resource import Resource
>>> rm = ResMap([Resource({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})])
>>> NamespaceFilter(namespace="prod", field_specs=())(rm)
>>> rm.resources[0].obj["metadata"]
{'name': 'a', 'namespace': 'prod'}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tether import errors
from tether.kustomize import fieldspec
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.resmap import ResMap

_ROLE_BINDINGS = ("RoleBinding", "ClusterRoleBinding")
_MODES = ("defaultOnly", "", "allServiceAccounts", "none")
_META_NS = FieldSpec(path="metadata/namespace", create=True)


@dataclass(frozen=True)
class NamespaceFilter:
    """Set ``namespace`` on every namespaced object (see module docstring)."""

    namespace: str
    field_specs: tuple[FieldSpec, ...]
    unset_only: bool = False
    role_binding_subjects: str = "defaultOnly"

    def __call__(self, rm: ResMap) -> None:
        if not self.namespace:
            return
        if self.role_binding_subjects not in _MODES:
            raise errors.BuildError(
                f"invalid value {self.role_binding_subjects!r} for setRoleBindingSubjects"
            )
        for res in rm:
            res.store_previous_id()
            self._apply(res.obj, cluster_scoped=res.gvk.cluster_scoped)
        rm.invalidate()
        seen: set[tuple[str, ...]] = set()
        for res in rm:
            key = res.cur_id.key
            if key in seen:
                raise errors.BuildError(
                    f"namespace transformation produces ID conflict: {res.cur_id}"
                )
            seen.add(key)

    def _set(self, parent: Any, key: Any) -> None:
        if not isinstance(parent, dict):
            return
        if self.unset_only and parent.get(key) not in (None, ""):
            return
        parent[key] = self.namespace

    def _apply(self, obj: dict[str, Any], *, cluster_scoped: bool) -> None:
        api_version = obj.get("apiVersion")
        specs = [
            s
            for s in self.field_specs
            if s.path != "metadata/namespace"
            and not (api_version != "v1" and s.path == "metadata/name")
        ]
        if not cluster_scoped:
            fieldspec.walk(obj, _META_NS, self._set, create="scalar")
        if obj.get("kind") in _ROLE_BINDINGS:
            specs = [
                s
                for s in specs
                if not (s.kind in _ROLE_BINDINGS and s.path == "subjects/namespace")
            ]
            self._subjects(obj)
        for spec in specs:
            fieldspec.walk(obj, spec, self._set, create="scalar")

    def _subjects(self, obj: dict[str, Any]) -> None:
        mode = self.role_binding_subjects
        subjects = obj.get("subjects")
        if mode == "none" or not isinstance(subjects, list):
            return
        for subject in subjects:
            if not isinstance(subject, dict):
                continue
            if mode == "allServiceAccounts":
                wanted = subject.get("kind") == "ServiceAccount"
            else:
                wanted = subject.get("name") == "default"
            if wanted:
                self._set(subject, "namespace")
