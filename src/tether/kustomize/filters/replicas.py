"""replicas: set ``spec.replicas`` of the workloads with a given name.

The name is matched against any id the object has had (so a base name still matches after
a prefix). Matching nothing is an error, as in kustomize.

>>> from tether.kustomize.resmap import ResMap
>>> from tether.kustomize.resource import Resource
>>> rm = ResMap([Resource({"apiVersion": "apps/v1", "kind": "Deployment",
...                         "metadata": {"name": "web"}})])
>>> spec = FieldSpec(kind="Deployment", path="spec/replicas", create=True)
>>> ReplicaFilter(name="web", count=3, field_specs=(spec,))(rm)
>>> rm.resources[0].obj["spec"]
{'replicas': 3}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tether import errors
from tether.kustomize import fieldspec
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.resmap import ResMap
from tether.kustomize.resource import Gvk


@dataclass(frozen=True)
class ReplicaFilter:
    """Set the replica count of workloads named ``name``."""

    name: str
    count: int
    field_specs: tuple[FieldSpec, ...]

    def __call__(self, rm: ResMap) -> None:
        found = False
        for spec in self.field_specs:
            selector = Gvk(spec.group, spec.version, spec.kind)
            for res in rm:
                if any(i.name == self.name and i.gvk.is_selected(selector) for i in res.all_ids()):
                    found = True
                    fieldspec.walk(res.obj, spec, self._set, create="scalar")
        if not found:
            gvks = [str(Gvk(s.group, s.version, s.kind)) for s in self.field_specs]
            raise errors.BuildError(
                f"resource with name {self.name} does not match a config with the "
                f"following GVK {gvks}"
            )

    def _set(self, parent: Any, key: Any) -> None:
        parent[key] = self.count
