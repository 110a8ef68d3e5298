"""Reading ``kustomization.yaml``: find the file, check every field, normalise legacy ones.

kustomize decodes the file strictly (unknown fields are errors; a number where a string is
expected is an error) and then "fixes" it: ``bases`` join ``resources``, ``imageTags`` join
``images``, a generator's ``env`` joins its ``envs``. We do the same and keep the result as
a frozen ``Kustomization`` whose fields are already the right Python types, so later stages
never re-validate.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from tether import errors
from tether.kustomize import kustschema, yamlio
from tether.kustomize.loader import Loader

__all__ = ["KUSTOMIZATION_FILE_NAMES", "Kustomization", "load_kustomization"]

KUSTOMIZATION_FILE_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

_STR = "str"
_STRS = "list[str]"
_MAP = "map[str]str"
_DICTS = "list[dict]"
_DICT = "dict"
_ANY = "any"

_FIELDS: dict[str, str] = {
    "apiVersion": _STR,
    "kind": _STR,
    "metadata": _DICT,
    "openapi": _MAP,
    "namePrefix": _STR,
    "nameSuffix": _STR,
    "namespace": _STR,
    "commonLabels": _MAP,
    "labels": _DICTS,
    "commonAnnotations": _MAP,
    "patchesStrategicMerge": _STRS,
    "patchesJson6902": _DICTS,
    "patches": _DICTS,
    "images": _DICTS,
    "imageTags": _DICTS,
    "replacements": _DICTS,
    "replicas": _DICTS,
    "vars": _DICTS,
    "sortOptions": _DICT,
    "resources": _STRS,
    "components": _STRS,
    "crds": _STRS,
    "bases": _STRS,
    "configMapGenerator": _DICTS,
    "secretGenerator": _DICTS,
    "helmGlobals": _DICT,
    "helmCharts": _DICTS,
    "helmChartInflationGenerator": _DICTS,
    "generatorOptions": _DICT,
    "configurations": _STRS,
    "generators": _STRS,
    "transformers": _STRS,
    "validators": _STRS,
    "buildMetadata": _STRS,
}
_LOWER = {name.lower(): name for name in _FIELDS}

KUSTOMIZATION_VERSION = "kustomize.config.k8s.io/v1beta1"
COMPONENT_VERSION = "kustomize.config.k8s.io/v1alpha1"


@dataclass(frozen=True)
class Kustomization:
    """A checked kustomization file; lists/maps are plain Python values."""

    path: str
    file_name: str
    kind: str
    raw: dict[str, Any] = field(repr=False)

    def strs(self, name: str) -> list[str]:
        return list(self.raw.get(name) or [])

    def smap(self, name: str) -> dict[str, str]:
        return dict(self.raw.get(name) or {})

    def dicts(self, name: str) -> list[dict[str, Any]]:
        return list(self.raw.get(name) or [])

    def text(self, name: str) -> str:
        return str(self.raw.get(name) or "")

    def mapping(self, name: str) -> dict[str, Any] | None:
        value = self.raw.get(name)
        return value if isinstance(value, dict) else None

    @property
    def resources(self) -> list[str]:
        return self.strs("resources") + self.strs("bases")

    @property
    def images(self) -> list[dict[str, Any]]:
        return self.dicts("images") + self.dicts("imageTags")

    @property
    def is_component(self) -> bool:
        return self.kind == "Component"


_CONTAINER = {_STRS: list, _DICTS: list, _MAP: dict, _DICT: dict}
_ITEM = {_STRS: str, _DICTS: dict, _MAP: str}


def _check(name: str, value: Any, *, kind: str, source: str) -> Any:
    """The value of one field, type-checked like kustomize's strict JSON decoding."""

    def bad(what: Any) -> errors.BuildError:
        return errors.BuildError(
            f"{source}: invalid Kustomization: field '{name}': cannot use "
            f"{kustschema.json_type_name(what)} as {kind}"
        )

    if value is None or kind == _ANY:
        return value
    if kind == _STR:
        if not isinstance(value, str):
            raise bad(value)
        return value
    if not isinstance(value, _CONTAINER[kind]):
        raise bad(value)
    item_type = _ITEM.get(kind)
    if item_type is not None:
        items = value.values() if isinstance(value, dict) else value
        for item in items:
            if not (item is None and kind == _MAP) and not isinstance(item, item_type):
                raise bad(item)
    if kind == _MAP:
        return {k: ("" if v is None else v) for k, v in value.items()}
    return value


def parse_kustomization(content: bytes | str, *, path: str, file_name: str) -> Kustomization:
    """Parse and check one kustomization file (``path`` is its directory)."""
    source = posixpath.join(path, file_name)
    data = yamlio.load_one(content, source=source, allow_duplicates=True, yaml11=True)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise errors.BuildError(f"{source}: invalid Kustomization: not a mapping")
    raw: dict[str, Any] = {}
    for key, value in data.items():
        name = _LOWER.get(str(key).lower())
        if name is None:
            raise errors.BuildError(f'{source}: invalid Kustomization: unknown field "{key}"')
        raw[name] = _check(name, value, kind=_FIELDS[name], source=source)
        kustschema.check(name, value, source=source)
    kind = raw.get("kind") or "Kustomization"
    _enforce(raw, kind=kind, source=source)
    if not {k for k, v in raw.items() if v is not None} - {"apiVersion", "kind"}:
        raise errors.BuildError(f"{source}: kustomization.yaml is empty")
    return Kustomization(path=path, file_name=file_name, kind=kind, raw=raw)


def _enforce(raw: dict[str, Any], *, kind: str, source: str) -> None:
    problems: list[str] = []
    if kind not in ("Kustomization", "Component"):
        problems.append("kind should be Kustomization or Component")
    wanted = COMPONENT_VERSION if kind == "Component" else KUSTOMIZATION_VERSION
    if raw.get("apiVersion") and raw["apiVersion"] != wanted:
        problems.append(f"apiVersion for {kind} should be {wanted}")
    if problems:
        raise errors.BuildError(
            f"Failed to read kustomization file under {posixpath.dirname(source)}: "
            + "; ".join(problems)
        )
    for name in ("helmCharts", "helmChartInflationGenerator", "helmGlobals"):
        if raw.get(name):
            raise errors.UnsupportedError(
                f"{source}: field '{name}' is not supported (Helm charts are disabled, as in Flux)"
            )


def load_kustomization(loader: Loader) -> Kustomization:
    """Find and parse the kustomization file in the loader's root directory."""
    found: list[tuple[str, bytes]] = []
    for name in KUSTOMIZATION_FILE_NAMES:
        full = posixpath.join(loader.root, name)
        if loader.fs.is_file(full):
            found.append((name, loader.load(name)))
    if not found:
        raise errors.BuildError(
            f"unable to find one of 'kustomization.yaml', 'kustomization.yml' or "
            f"'Kustomization' in directory '{loader.root}'"
        )
    if len(found) > 1:
        raise errors.BuildError(f"Found multiple kustomization files under: {loader.root}")
    name, content = found[0]
    return parse_kustomization(content, path=loader.root, file_name=name)
