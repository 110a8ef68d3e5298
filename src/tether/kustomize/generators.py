"""ConfigMap and Secret generators, and the name-suffix hash.

A generator entry becomes one object: ``literals`` (``k=v``, one pair of matching outer
quotes removed), ``envs`` (``K=V`` lines; ``#`` comments; a bare ``K`` gives ""), and
``files`` (``[key=]path``; non-UTF-8 content goes to ``binaryData``). A repeated key is an
error. Secret values are base64 (wrapped at 70 columns when long). ``generatorOptions`` merge
into each entry's ``options`` (local labels/annotations win, booleans are OR'd).

The hash is kustomize's: sha256 of a small JSON document (Go ``encoding/json``: sorted
keys, HTML-escaped), first 10 hex digits with ``0 1 3 a e`` remapped. The name inside that
document is always "" (a kustomize lookup quirk we reproduce on purpose). It is applied
once, at the top level, after everything else has changed the object.
"""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any

from tether import errors
from tether.kustomize.loader import Loader
from tether.kustomize.resource import Resource

__all__ = ["GeneratorArgs", "generate", "hash_suffix", "merge_options"]

_ARG_FIELDS = {
    "name",
    "namespace",
    "behavior",
    "literals",
    "files",
    "envs",
    "env",
    "options",
    "type",
}
_OPTION_FIELDS = {"labels", "annotations", "disableNameSuffixHash", "immutable"}
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


@dataclass(frozen=True)
class GeneratorArgs:
    """One configMapGenerator/secretGenerator entry, checked."""

    kind: str
    name: str
    namespace: str
    behavior: str
    literals: tuple[str, ...]
    files: tuple[str, ...]
    envs: tuple[str, ...]
    options: dict[str, Any]
    secret_type: str

    @staticmethod
    def parse(
        kind: str, data: dict[str, Any], *, source: str, strict: bool = True
    ) -> GeneratorArgs:
        """Check one entry; plugin configs (``strict=False``) ignore unknown fields."""
        unknown = set(data) - _ARG_FIELDS - ({"metadata", "apiVersion", "kind"})
        if kind == "ConfigMap":
            unknown |= {"type"} & set(data)
        if unknown and strict:
            raise errors.BuildError(f"{source}: unknown generator field(s) {sorted(unknown)}")
        meta = data.get("metadata") or {}
        behavior = str(data.get("behavior") or "")
        if behavior not in ("", "create", "merge", "replace"):
            raise errors.BuildError(f"{source}: unknown generator behavior '{behavior}'")
        envs = [
            *_strs(data.get("envs"), source),
            *_strs([data["env"]] if data.get("env") else [], source),
        ]
        return GeneratorArgs(
            kind=kind,
            name=str(data.get("name") or meta.get("name") or ""),
            namespace=str(data.get("namespace") or meta.get("namespace") or ""),
            behavior=behavior,
            literals=_strs(data.get("literals"), source),
            files=_strs(data.get("files"), source),
            envs=tuple(envs),
            options=_options(data.get("options"), source=source),
            secret_type=str(data.get("type") or ""),
        )


def _strs(value: Any, source: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise errors.BuildError(f"{source}: expected a list of strings, got {value!r}")
    return tuple(value)


def _options(value: Any, *, source: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.BuildError(f"{source}: generator options must be a mapping")
    unknown = set(value) - _OPTION_FIELDS
    if unknown:
        raise errors.BuildError(f"{source}: unknown generator option(s) {sorted(unknown)}")
    return dict(value)


def merge_options(local: dict[str, Any], global_: dict[str, Any] | None) -> dict[str, Any]:
    """kustomize's MergeGlobalOptionsIntoLocal."""
    if not global_:
        return local
    merged = dict(local)
    for key in ("labels", "annotations"):
        if global_.get(key):
            merged[key] = {**global_[key], **(local.get(key) or {})}
    for key in ("disableNameSuffixHash", "immutable"):
        if global_.get(key):
            merged[key] = True
    return merged


def _remove_quotes(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _literal_pairs(args: GeneratorArgs) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for literal in args.literals:
        key, sep, value = literal.partition("=")
        if not sep or not key:
            raise errors.BuildError(f"invalid literal source {literal}, expected key=value")
        pairs.append((key, _remove_quotes(value)))
    return pairs


def _env_pairs(loader: Loader, path: str) -> list[tuple[str, str]]:
    content = loader.load(path)
    pairs: list[tuple[str, str]] = []
    for number, raw in enumerate(content.split(b"\n")):
        raw = raw.removesuffix(b"\r") if raw.endswith(b"\r") else raw
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise errors.BuildError(f"{path}: line {number} has invalid utf8 bytes") from None
        if number == 0:
            line = line.removeprefix("\ufeff")
        line = line.lstrip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not _ENV_NAME.match(key):
            raise errors.BuildError(f"{path}: '{key}' is not a valid environment variable name")
        pairs.append((key, value if sep else ""))
    return pairs


def _file_pairs(loader: Loader, source: str) -> tuple[str, bytes]:
    count = source.count("=")
    if count == 0:
        return posixpath.basename(source), loader.load(source)
    key, _, path = source.partition("=")
    if count > 1:
        raise errors.BuildError(f"source {source!r} key name or file path contains '='")
    if not key:
        raise errors.BuildError(f"missing key name for file path {path!r} in source {source!r}")
    if not path:
        raise errors.BuildError(f"missing file path for key name {key!r} in source {source!r}")
    return key, loader.load(path)


def _data(args: GeneratorArgs, loader: Loader) -> dict[str, str | bytes]:
    pairs: list[tuple[str, str | bytes]] = []
    for path in args.envs:
        pairs.extend(_env_pairs(loader, path))
    pairs.extend(_literal_pairs(args))
    pairs.extend(_file_pairs(loader, source) for source in args.files)
    data: dict[str, str | bytes] = {}
    for key, value in pairs:
        if not _KEY.match(key):
            raise errors.BuildError(
                f"{args.kind.lower()} {args.name}: invalid key {key!r}: a valid config key "
                "must consist of alphanumeric characters, '-', '_' or '.'"
            )
        if key in data:
            raise errors.BuildError(f"configmap {args.name} illegally repeats the key `{key}`")
        data[key] = value
    return data


def _b64(raw: bytes) -> str:
    encoded = base64.b64encode(raw).decode()
    if len(encoded) < 70:
        return encoded
    return "".join(encoded[i : i + 70] + "\n" for i in range(0, len(encoded), 70))


def generate(args: GeneratorArgs, loader: Loader) -> Resource:
    """The object one generator entry makes, with its hash/behaviour bookkeeping."""
    if not args.name:
        raise errors.BuildError(f"a {args.kind.lower()} must have a name")
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": args.kind, "metadata": {"name": args.name}}
    if args.namespace:
        obj["metadata"]["namespace"] = args.namespace
    data = _data(args, loader)
    if args.kind == "Secret":
        obj["type"] = args.secret_type or "Opaque"
        obj["data"] = {
            k: _b64(v if isinstance(v, bytes) else v.encode()) for k, v in sorted(data.items())
        }
    else:
        _configmap_data(obj, data)
    opts = args.options
    if opts.get("labels"):
        obj["metadata"]["labels"] = {k: str(v) for k, v in opts["labels"].items()}
    if opts.get("annotations"):
        obj["metadata"]["annotations"] = {k: str(v) for k, v in opts["annotations"].items()}
    if opts.get("immutable"):
        obj["immutable"] = True
    res = Resource(obj)
    res.needs_hash = not opts.get("disableNameSuffixHash")
    res.behavior = args.behavior or "create"
    return res


def _configmap_data(obj: dict[str, Any], data: dict[str, str | bytes]) -> None:
    for key in sorted(data):
        value = data[key]
        if isinstance(value, bytes):
            try:
                text = value.decode("utf-8")
            except UnicodeDecodeError:
                obj.setdefault("binaryData", {})[key] = _b64(value)
                continue
            value = text
        obj.setdefault("data", {})[key] = value


def _go_json(value: Any) -> str:
    """Go ``encoding/json`` output: sorted keys, compact, HTML-escaped."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _field(obj: dict[str, Any], key: str) -> Any:
    value = obj.get(key)
    if key not in obj:
        return ""
    if isinstance(value, dict | list):
        return value
    return "null" if value is None else str(value) if not isinstance(value, str) else value


def hash_suffix(obj: dict[str, Any]) -> str:
    """The 10-character suffix kustomize appends to a generated object's name."""
    kind = obj.get("kind")
    if kind == "ConfigMap":
        doc: dict[str, Any] = {"kind": "ConfigMap", "name": "", "data": _field(obj, "data")}
        if isinstance(obj.get("binaryData"), dict):
            doc["binaryData"] = obj["binaryData"]
    elif kind == "Secret":
        doc = {
            "kind": "Secret",
            "type": _field(obj, "type"),
            "name": "",
            "data": _field(obj, "data"),
        }
        if isinstance(obj.get("stringData"), dict):
            doc["stringData"] = obj["stringData"]
    else:
        doc = obj
    digest = hashlib.sha256(_go_json(doc).encode()).hexdigest()[:10]
    return digest.translate(str.maketrans("013ae", "ghkmt"))
