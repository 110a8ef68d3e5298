"""Typed models ↔ JSON: one generic decoder/encoder driven by dataclass type hints.

Design: every API model is a frozen dataclass whose *type hints are the schema*. The same
walk over ``dataclasses.fields`` + ``typing.get_type_hints`` drives :func:`decode` (JSON →
model, raising ``InvalidSpecError`` that names the field path, e.g. ``spec.ref.semver``),
:func:`encode` (model → JSON, omitting ``None``) and ``tether.api.crd`` (model → OpenAPI v3).
Validation hints that a type cannot express (pattern, enum, bounds, default) ride on
:func:`field` metadata. JSON names are the camelCase of the Python name unless
``field(json=...)`` says otherwise. Supported hints: ``str``, ``int``, ``float``, ``bool``,
``Literal[...]``, ``X | None``, ``list[X]``, ``dict[str, X]``, nested dataclasses,
:class:`Scalar` subclasses (e.g. ``Duration``) and ``Any`` (kept verbatim).
"""

from __future__ import annotations

import abc
import ast
import dataclasses
import functools
import inspect
import itertools
import textwrap
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, Union

from tether import errors

__all__ = [
    "FieldInfo",
    "Scalar",
    "attribute_docs",
    "decode",
    "encode",
    "field",
    "field_info",
    "hints",
    "json_name",
    "schema",
    "unwrap_optional",
]

T = TypeVar("T")
_MISSING: Any = dataclasses.MISSING


class Scalar(abc.ABC):
    """A model type stored as one JSON scalar (subclasses implement the three hooks)."""

    @classmethod
    @abc.abstractmethod
    def decode_scalar(cls, value: object, path: str) -> Any:
        """Build the value from JSON; raise InvalidSpecError naming ``path``."""

    @abc.abstractmethod
    def encode_scalar(self) -> Any:
        """The JSON form."""

    @classmethod
    @abc.abstractmethod
    def json_schema(cls) -> dict[str, object]:
        """The OpenAPI v3 schema of the JSON form."""


@dataclasses.dataclass(frozen=True)
class FieldInfo:
    """Schema hints for one field (see :func:`field`)."""

    json: str | None = None
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    format: str | None = None
    schema_default: Any = None
    preserve_unknown: bool = False


def schema(
    *,
    json: str | None = None,
    pattern: str | None = None,
    enum: tuple[str, ...] | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    format: str | None = None,
    schema_default: Any = None,
    preserve_unknown: bool = False,
) -> dict[str, Any]:
    """Field metadata with schema hints, for a *required* field (no default)::

        url: str = dataclasses.field(metadata=serde.schema(pattern="^https?://"))

    (mypy's dataclass plugin only treats ``dataclasses.field`` calls as default-less.)
    """
    return {"tether": FieldInfo(
        json=json, pattern=pattern, enum=enum, minimum=minimum, maximum=maximum,
        min_length=min_length, max_length=max_length, format=format,
        schema_default=schema_default, preserve_unknown=preserve_unknown)}


def field(
    *,
    default: Any = _MISSING,
    json: str | None = None,
    pattern: str | None = None,
    enum: tuple[str, ...] | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    format: str | None = None,
    schema_default: Any = None,
    preserve_unknown: bool = False,
) -> Any:
    """A dataclass field carrying schema hints (see :func:`schema`); no ``default`` = required.

    For a required field followed by fields without defaults, prefer
    ``dataclasses.field(metadata=serde.schema(...))``: mypy cannot tell this call has no default.

    ``schema_default`` is the default the CRD declares (the API server fills it in).
    """
    return dataclasses.field(default=default, metadata=schema(
        json=json, pattern=pattern, enum=enum, minimum=minimum, maximum=maximum,
        min_length=min_length, max_length=max_length, format=format,
        schema_default=schema_default, preserve_unknown=preserve_unknown))


def field_info(f: dataclasses.Field[Any]) -> FieldInfo:
    """The hints of a field (empty hints when declared without :func:`field`)."""
    info = f.metadata.get("tether")
    return info if isinstance(info, FieldInfo) else FieldInfo()


def json_name(f: dataclasses.Field[Any]) -> str:
    """The JSON key of a field: explicit, else camelCase of the Python name."""
    explicit = field_info(f).json
    if explicit:
        return explicit
    head, *rest = f.name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def unwrap_optional(hint: Any) -> tuple[Any, bool]:
    """``X | None`` → (X, True); anything else → (hint, False)."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) != len(typing.get_args(hint)):
            inner = args[0] if len(args) == 1 else Union[tuple(args)]  # noqa: UP007
            return inner, True
    return hint, False


@functools.cache
def hints(cls: type) -> dict[str, Any]:
    """Resolved type hints of a dataclass (cached per class)."""
    return typing.get_type_hints(cls)


@functools.cache
def attribute_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings (the string literal under each field) of a dataclass."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for node, nxt in itertools.pairwise(body):
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                    and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant)
                    and isinstance(nxt.value.value, str)):
                docs[node.target.id] = inspect.cleandoc(nxt.value.value)
    return docs


# ---------------------------------------------------------------------------- decode
def _fail(path: str, message: str) -> errors.InvalidSpecError:
    return errors.InvalidSpecError(f"{path}: {message}")


def _decode_primitive(hint: Any, value: Any, path: str) -> Any:
    if hint is bool:
        if not isinstance(value, bool):
            raise _fail(path, f"expected a boolean, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(path, f"expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(path, f"expected a number, got {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise _fail(path, f"expected a string, got {value!r}")
    return value


def _decode_value(hint: Any, value: Any, path: str) -> Any:
    hint, optional = unwrap_optional(hint)
    if value is None:
        if optional:
            return None
        raise _fail(path, "must not be null")
    origin = typing.get_origin(hint)
    if hint is Any:
        return value
    if origin is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            raise _fail(path, f"must be one of {', '.join(map(str, allowed))}; got {value!r}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise _fail(path, f"expected a list, got {type(value).__name__}")
        (item,) = typing.get_args(hint)
        return [_decode_value(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, Mapping):
            raise _fail(path, f"expected an object, got {type(value).__name__}")
        _, item = typing.get_args(hint)
        return {str(k): _decode_value(item, v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, Scalar):
        return hint.decode_scalar(value, path)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return decode(hint, value, path=path)
    if hint in (str, int, float, bool):
        return _decode_primitive(hint, value, path)
    raise TypeError(f"unsupported model type {hint!r} at {path}")


def decode(cls: type[T], data: Any, *, path: str) -> T:
    """Build dataclass ``cls`` from JSON ``data``; InvalidSpecError names the bad field.

    Unknown keys are ignored (the API server prunes them against the CRD schema anyway).
    """
    if not isinstance(data, Mapping):
        raise _fail(path, f"expected an object, got {type(data).__name__}")
    types_ = hints(cls)  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        key = json_name(f)
        sub = f"{path}.{key}"
        if key in data:
            kwargs[f.name] = _decode_value(types_[f.name], data[key], sub)
        elif f.default is _MISSING and f.default_factory is _MISSING:
            raise _fail(sub, "is required")
    return cls(**kwargs)


# ---------------------------------------------------------------------------- encode
def _encode_value(value: Any) -> Any:
    if isinstance(value, Scalar):
        return value.encode_scalar()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return encode(value)
    if isinstance(value, list | tuple):
        return [_encode_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode_value(v) for k, v in value.items()}
    return value


def encode(obj: Any) -> dict[str, Any]:
    """The JSON form of a model instance; ``None`` fields are omitted."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if value is None:
            continue
        out[json_name(f)] = _encode_value(value)
    return out
