"""commonLabels / labels / commonAnnotations: set key-value pairs in maps found by field specs.

The same filter serves labels and annotations: for each field the specs reach (creating the
map where the spec says ``create``) every pair is set, keys in sorted order, values as
strings.

>>> from tether.kustomize.resmap import ResMap
>>> from tether.kustomize.resource import Resource
>>> rm = ResMap([Resource({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}})])
>>> spec = FieldSpec(path="metadata/labels", create=True)
>>> MapEntriesFilter(entries=(("app", "web"),), field_specs=(spec,))(rm)
>>> rm.resources[0].obj["metadata"]["labels"]
{'app': 'web'}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tether.kustomize import fieldspec
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.resmap import ResMap


@dataclass(frozen=True)
class MapEntriesFilter:
    """Set ``entries`` (sorted key/value pairs) in every map the field specs reach."""

    entries: tuple[tuple[str, str], ...]
    field_specs: tuple[FieldSpec, ...]

    @staticmethod
    def of(values: dict[str, str], field_specs: tuple[FieldSpec, ...]) -> MapEntriesFilter:
        pairs = tuple(sorted((str(k), "" if v is None else str(v)) for k, v in values.items()))
        return MapEntriesFilter(entries=pairs, field_specs=field_specs)

    def __call__(self, rm: ResMap) -> None:
        if not self.entries:
            return
        for res in rm:
            for spec in self.field_specs:
                fieldspec.walk(res.obj, spec, self._set, create="map")

    def _set(self, parent: Any, key: Any) -> None:
        target = parent[key]
        if target is None:
            target = parent[key] = {}
        if isinstance(target, dict):
            for k, v in self.entries:
                target[k] = v
