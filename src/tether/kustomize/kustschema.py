"""The nested shapes of kustomization fields, checked as strictly as Go's JSON decoding.

kustomize decodes kustomization.yaml with ``DisallowUnknownFields`` into typed structs, so a
misspelled nested key (``patches: [{paht: x}]``) or a wrong type (``newTag: 1.2``,
``annotations: {x: yes}``) fails the build. ``check(field, value)`` does the same walk over
a small table of shapes; entries whose structure is free-form (replacements, plugin configs)
are checked by their own parsers.
"""

from __future__ import annotations

from typing import Any

from tether import errors

__all__ = ["check"]

Shape = Any
STR, BOOL, INT, STRS, SMAP, ANY = "string", "bool", "int", "[]string", "map[string]string", "any"

_SELECTOR: dict[str, Shape] = {
    k: STR
    for k in (
        "group",
        "version",
        "kind",
        "name",
        "namespace",
        "labelSelector",
        "annotationSelector",
    )
}
_FIELDSPEC: dict[str, Shape] = {
    "group": STR,
    "version": STR,
    "kind": STR,
    "path": STR,
    "create": BOOL,
}
_OPTIONS: dict[str, Shape] = {
    "labels": SMAP,
    "annotations": SMAP,
    "disableNameSuffixHash": BOOL,
    "immutable": BOOL,
}
_GENERATOR: dict[str, Shape] = {
    "name": STR,
    "namespace": STR,
    "behavior": STR,
    "literals": STRS,
    "files": STRS,
    "envs": STRS,
    "env": STR,
    "options": _OPTIONS,
}
_SHAPES: dict[str, Shape] = {
    "metadata": {"name": STR, "namespace": STR, "labels": SMAP, "annotations": SMAP},
    "generatorOptions": _OPTIONS,
    "configMapGenerator": [_GENERATOR],
    "secretGenerator": [{**_GENERATOR, "type": STR}],
    "labels": [
        {"pairs": SMAP, "includeSelectors": BOOL, "includeTemplates": BOOL, "fields": [_FIELDSPEC]}
    ],
    "images": [{k: STR for k in ("name", "newName", "newTag", "digest", "tagSuffix")}],
    "imageTags": [{k: STR for k in ("name", "newName", "newTag", "digest", "tagSuffix")}],
    "replicas": [{"name": STR, "count": INT}],
    "patches": [
        {
            "path": STR,
            "patch": STR,
            "target": _SELECTOR,
            "options": {"allowNameChange": BOOL, "allowKindChange": BOOL},
        }
    ],
    "patchesJson6902": [{"path": STR, "patch": STR, "target": _SELECTOR}],
    "sortOptions": {"order": STR, "legacySortOptions": {"orderFirst": STRS, "orderLast": STRS}},
    "vars": [
        {
            "name": STR,
            "fieldref": {"fieldPath": STR},
            "objref": {
                k: STR for k in ("group", "version", "kind", "name", "namespace", "apiVersion")
            },
        }
    ],
}


def json_type_name(value: Any) -> str:
    """The JSON type word Go's decoder names in its errors (bool, number, array...)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def _fail(path: str, value: Any, shape: str) -> errors.BuildError:
    return errors.BuildError(
        f"invalid Kustomization: json: cannot unmarshal {json_type_name(value)} into field "
        f"{path} of type {shape}"
    )


def _walk(value: Any, shape: Shape, *, path: str) -> None:
    if value is None or shape == ANY:
        return
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            raise _fail(path, value, "object")
        lowered = {k.lower(): k for k in shape}
        for key, item in value.items():
            name = lowered.get(str(key).lower())
            if name is None:
                raise errors.BuildError(f'invalid Kustomization: json: unknown field "{key}"')
            _walk(item, shape[name], path=f"{path}.{name}")
    elif isinstance(shape, list):
        if not isinstance(value, list):
            raise _fail(path, value, "array")
        for item in value:
            _walk(item, shape[0], path=path)
    else:
        _scalar(value, shape, path=path)


def _scalar(value: Any, shape: str, *, path: str) -> None:
    if shape == STR and not isinstance(value, str):
        raise _fail(path, value, "string")
    if shape == BOOL and not isinstance(value, bool):
        raise _fail(path, value, "bool")
    if shape == INT and (isinstance(value, bool) or not isinstance(value, int)):
        raise _fail(path, value, "int64")
    if shape == STRS:
        _walk(value, [STR], path=path)
    if shape == SMAP:
        if not isinstance(value, dict):
            raise _fail(path, value, "object")
        for item in value.values():
            if item is not None and not isinstance(item, str):
                raise _fail(path, item, "string")


def check(field: str, value: Any, *, source: str) -> None:
    """Raise BuildError (naming ``source``) when ``value`` does not fit ``field``'s shape."""
    shape = _SHAPES.get(field)
    if shape is None:
        return
    try:
        _walk(value, shape, path=field)
    except errors.BuildError as exc:
        raise errors.BuildError(f"{source}: {exc}") from None
