"""namePrefix / nameSuffix: add a prefix or suffix to names.

Only the fields of the ``namePrefix``/``nameSuffix`` field specs change (by default
``metadata/name``); CustomResourceDefinitions, APIServices and Namespaces are skipped
because their names are meaningful to the API server. The resource remembers the
prefix/suffix and its previous id, which the name-reference fix-up uses later to pick the
right referral among same-named candidates.

>>> from tether.kustomize.resmap import ResMap
>>> from tether.kustomize.resource import Resource
>>> rm = ResMap([Resource({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}})])
>>> AffixFilter(prefix="dev-", field_specs=(FieldSpec(path="metadata/name"),))(rm)
>>> rm.resources[0].name
'dev-web'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tether.kustomize import fieldspec
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.resmap import ResMap
from tether.kustomize.resource import Gvk

_SKIP = (
    Gvk(kind="CustomResourceDefinition"),
    Gvk(group="apiregistration.k8s.io", kind="APIService"),
    Gvk(kind="Namespace"),
)


@dataclass(frozen=True)
class AffixFilter:
    """Prefix and/or suffix names (one of the two is usually empty)."""

    field_specs: tuple[FieldSpec, ...]
    prefix: str = ""
    suffix: str = ""

    def __call__(self, rm: ResMap) -> None:
        for res in rm:
            org = res.org_id()
            if any(org.gvk.is_selected(skip) for skip in _SKIP):
                continue
            for spec in self.field_specs:
                if not org.gvk.is_selected(Gvk(spec.group, spec.version, spec.kind)):
                    continue
                if spec.path == "metadata/name":
                    if self.prefix:
                        res.prefixes.append(self.prefix)
                    if self.suffix:
                        res.suffixes.append(self.suffix)
                    if self.prefix or self.suffix:
                        res.store_previous_id()
                fieldspec.walk(res.obj, spec, self._set, create="scalar")
        rm.invalidate()

    def _set(self, parent: Any, key: Any) -> None:
        value = parent[key]
        text = "" if value is None else value if isinstance(value, str) else str(value)
        parent[key] = f"{self.prefix}{text}{self.suffix}"
