"""images: change the name, tag or digest of container images.

An entry ``{name, newName, newTag, digest, tagSuffix}`` matches images ``name[:tag][@digest]``
(``name`` is used as a regular expression, as in kustomize). Two walks run, like kustomize's:
the ``images`` field specs (pod and pod-template container paths), and a legacy walk that
visits every ``containers``/``initContainers`` list anywhere in the object. CRDs are never
touched.

>>> set_image("nginx:1.0", {"name": "nginx", "newTag": "1.2"})
'nginx:1.2'
>>> set_image("my.reg/app@sha256:abc", {"name": "my.reg/app", "newName": "other"})
'other@sha256:abc'
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from tether import errors
from tether.kustomize import fieldspec
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.resmap import ResMap

_FIELDS = {"name", "newName", "newTag", "digest", "tagSuffix"}


@functools.lru_cache(maxsize=256)
def _pattern(name: str) -> re.Pattern[str]:
    try:
        return re.compile("^" + name + r"(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$")
    except re.error as exc:
        raise errors.BuildError(f"images: invalid image name pattern {name!r}: {exc}") from exc


def split(image: str) -> tuple[str, str, str]:
    """``name[:tag][@digest]`` -> (name, tag, digest); a registry port is not a tag."""
    slash = image.find("/")
    offset = slash if slash > 0 else 0
    search = image[offset:]
    at, colon = search.find("@"), search.find(":")
    if colon < 0 and at < 0:
        return image, "", ""
    if at >= 0 and (at < colon or colon < 0):
        return image[: at + offset], "", image[at + offset + 1 :]
    if at >= 0 and colon >= 0:
        return (
            image[: colon + offset],
            image[colon + offset + 1 : at + offset],
            image[at + offset + 1 :],
        )
    return image[: colon + offset], image[colon + offset + 1 :], ""


def set_image(value: str, entry: dict[str, Any]) -> str:
    """The new image text for ``value`` (unchanged when the entry does not match)."""
    if not _pattern(str(entry.get("name") or "")).match(value):
        return value
    name, tag, digest = split(value)
    new_tag, new_digest = str(entry.get("newTag") or ""), str(entry.get("digest") or "")
    if entry.get("newName"):
        name = str(entry["newName"])
    if new_tag and new_digest:
        tag, digest = new_tag, new_digest
    elif new_tag:
        tag, digest = new_tag, ""
    elif new_digest:
        tag, digest = "", new_digest
    elif entry.get("tagSuffix"):
        tag, digest = tag + str(entry["tagSuffix"]), ""
    if tag:
        name += ":" + tag
    if digest:
        name += "@" + digest
    return name


def check_entry(entry: Any, *, source: str) -> dict[str, Any]:
    """An ``images`` entry with only known fields, all strings."""
    if not isinstance(entry, dict):
        raise errors.BuildError(f"{source}: an images entry must be a mapping")
    unknown = set(entry) - _FIELDS
    if unknown:
        raise errors.BuildError(f"{source}: unknown images field(s) {sorted(unknown)}")
    for key, value in entry.items():
        if value is not None and not isinstance(value, str):
            raise errors.BuildError(
                f"{source}: images field '{key}' must be a string, got {value!r}"
            )
    return entry


@dataclass(frozen=True)
class ImageFilter:
    """Apply one ``images`` entry."""

    entry: dict[str, Any]
    field_specs: tuple[FieldSpec, ...]

    def __call__(self, rm: ResMap) -> None:
        for res in rm:
            if res.kind == "CustomResourceDefinition":
                continue
            self._legacy(res.obj)
            for spec in self.field_specs:
                fieldspec.walk(res.obj, spec, self._set, create=None)

    def _set(self, parent: Any, key: Any) -> None:
        value = parent.get(key)
        if value is None:
            return
        if not isinstance(value, str):
            raise errors.BuildError(f"images: field '{key}' must be a string, got {value!r}")
        parent[key] = set_image(value, self.entry)

    def _legacy(self, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                self._legacy(value)
                if key in ("containers", "initContainers") and isinstance(value, list):
                    for item in value:
                        if isinstance(item, dict) and "image" in item:
                            self._set(item, "image")
        elif isinstance(node, list):
            for item in node:
                self._legacy(item)
