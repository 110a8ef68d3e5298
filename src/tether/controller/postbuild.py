"""Post-build variable substitution (``spec.postBuild``), Flux's bash-style ``${var}``.

Design: like Flux, substitution runs on each built object's YAML *text* and the result is
parsed again, so ``replicas: ${REPLICAS}`` becomes an integer and a value may carry YAML. Only
the braced form is expanded (``$var`` is left alone so shell scripts in ConfigMaps survive);
``$${var}`` is an escape for a literal ``${var}``. Supported forms: ``${var}``,
``${var:-default}``/``${var-default}``, ``${var:=default}``/``${var=default}``, ``${#var}``,
``${var:pos}``/``${var:pos:len}``, ``${var/from/to}``/``${var//from/to}``, ``${var#prefix}``,
``${var%suffix}``, ``${var^}``/``${var^^}``/``${var,}``/``${var,,}``. Strict mode (Flux's
default since v1.9) fails on an undefined variable without a default. Objects marked
``kustomize.toolkit.fluxcd.io/substitute: disabled`` are left untouched. Values come from
``substituteFrom`` ConfigMaps/Secrets (later ones override earlier ones, ``optional`` ones may
be missing) and then inline ``substitute`` (which wins); newlines in values are dropped.
Everything here is pure except ``load_sources``, which reads the referenced objects.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from tether import errors
from tether.cluster import ownership
from tether.cluster.changeset import ObjectRef
from tether.cluster.client import KubeClient

__all__ = [
    "SubstituteRef",
    "collect_vars",
    "load_sources",
    "substitute_all",
    "substitute_object",
    "substitute_text",
]

_NAME = re.compile(r"^[_A-Za-z][_A-Za-z0-9]*$")
_HEAD = re.compile(r"^(#?)([_A-Za-z][_A-Za-z0-9]*)")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass(frozen=True)
class SubstituteRef:
    """One ``postBuild.substituteFrom`` entry."""

    kind: str
    name: str
    optional: bool = False


def collect_vars(
    *, sources: Sequence[Mapping[str, str]], inline: Mapping[str, str] | None
) -> dict[str, str]:
    """Merge variable maps: later sources override earlier, inline overrides all.

    Raises BuildError when a name is not a valid variable name.
    """
    merged: dict[str, str] = {}
    for source in [*sources, inline or {}]:
        for key, value in source.items():
            merged[key] = str(value).replace("\n", "")
    for key in merged:
        if not _NAME.match(key):
            raise errors.BuildError(
                f"'{key}' var name is invalid, must match '{_NAME.pattern}'")
    return merged


def _closing_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``${`` whose body starts at ``start``; -1 if none."""
    depth = 1
    i = start
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _slice(value: str, spec: str) -> str:
    pos_text, _, len_text = spec.partition(":")
    try:
        pos = int(pos_text.strip() or "0")
        length = int(len_text) if len_text else None
    except ValueError as exc:
        raise errors.BuildError(f"bad substring expression ':{spec}'") from exc
    if pos < 0:
        pos = max(0, len(value) + pos)
    return value[pos:] if length is None else value[pos:pos + max(0, length)]


def _operate(value: str | None, op: str, var: str, env: Mapping[str, str],
             strict: bool) -> str:
    """Apply one bash parameter operation ``op`` (the text after the name)."""
    for prefix, needs_set in ((":-", True), (":=", True), ("-", False), ("=", False)):
        if op.startswith(prefix):
            use_default = value is None or (needs_set and value == "")
            if use_default:
                return substitute_text(op[len(prefix):], env, strict=strict)
            return value or ""
    if value is None:
        if strict:
            raise errors.BuildError(f'variable not set (strict mode): "{var}"')
        value = ""
    return _transform(value, op, env, strict)


def _transform(value: str, op: str, env: Mapping[str, str], strict: bool) -> str:
    if not op:
        return value
    cases = {"^^": value.upper(), ",,": value.lower(),
             "^": value[:1].upper() + value[1:], ",": value[:1].lower() + value[1:]}
    if op in cases:
        return cases[op]
    if op.startswith(":"):
        return _slice(value, op[1:])
    if op.startswith("/"):
        every = op.startswith("//")
        pattern, _, repl = op[2 if every else 1:].partition("/")
        pattern = substitute_text(pattern, env, strict=strict)
        repl = substitute_text(repl, env, strict=strict)
        return value.replace(pattern, repl) if every else value.replace(pattern, repl, 1)
    if op.startswith("#"):
        prefix = substitute_text(op.lstrip("#"), env, strict=strict)
        return value[len(prefix):] if value.startswith(prefix) else value
    if op.startswith("%"):
        suffix = substitute_text(op.lstrip("%"), env, strict=strict)
        return value[: -len(suffix)] if suffix and value.endswith(suffix) else value
    raise errors.BuildError(f"unsupported substitution operator {op!r} for '{op}'")


def _expand(body: str, env: Mapping[str, str], strict: bool) -> str:
    """Evaluate the inside of one ``${...}``."""
    match = _HEAD.match(body)
    if not match:
        raise errors.BuildError(f"bad substitution '${{{body}}}'")
    length_of, var = match.group(1), match.group(2)
    value = env.get(var)
    if length_of:
        if value is None and strict:
            raise errors.BuildError(f'variable not set (strict mode): "{var}"')
        return str(len(value or ""))
    return _operate(value, body[match.end():], var, env, strict)


def substitute_text(text: str, env: Mapping[str, str], *, strict: bool) -> str:
    """Expand every ``${...}`` in ``text``; ``$${`` yields a literal ``${``.

    Raises BuildError for an undefined variable in strict mode or a malformed expression.
    """
    if "$" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        j = text.find("$", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        if text.startswith("$${", j):
            out.append("${")
            i = j + 3
        elif text.startswith("${", j):
            end = _closing_brace(text, j + 2)
            if end < 0:
                raise errors.BuildError(f"unterminated substitution in {text[j:j + 40]!r}")
            out.append(_expand(text[j + 2:end], env, strict))
            i = end + 1
        else:
            out.append("$")
            i = j + 1
    return "".join(out)


def substitute_object(
    obj: Mapping[str, Any], env: Mapping[str, str], *, strict: bool
) -> dict[str, Any]:
    """Substitute in one object's YAML text and parse it back (opt-out mark honoured)."""
    if ownership.mark_is(obj, ownership.SUBSTITUTE_KEY, "disabled"):
        return dict(obj)
    text = yaml.dump(dict(obj), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=1 << 30)
    if "$" not in text:
        return dict(obj)
    try:
        result = yaml.load(substitute_text(text, env, strict=strict), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise errors.BuildError(f"substituted YAML is invalid: {exc}") from exc
    if not isinstance(result, dict):
        raise errors.BuildError("substitution did not produce an object")
    return result


def substitute_all(
    objs: Sequence[Mapping[str, Any]],
    env: Mapping[str, str],
    *,
    strict: bool = True,
    always: bool = False,
) -> list[dict[str, Any]]:
    """Substitute in every object; skipped entirely when there are no variables unless
    ``always`` (``substituteStrategy: Always``). Errors name the object (BuildError)."""
    if not env and not always:
        return [dict(o) for o in objs]
    out: list[dict[str, Any]] = []
    for obj in objs:
        try:
            out.append(substitute_object(obj, env, strict=strict))
        except errors.BuildError as exc:
            subject = ObjectRef.from_object(obj).subject
            raise errors.BuildError(
                f"post-build substitution failed for {subject}: {exc}") from exc
    return out


def _decoded(secret: Mapping[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in (secret.get("data") or {}).items():
        try:
            values[key] = base64.b64decode(str(value)).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise errors.BuildError(f"substitute from 'Secret/{secret['metadata']['name']}': "
                                    f"key {key} is not valid base64 UTF-8") from exc
    return values


async def load_sources(
    client: KubeClient, *, namespace: str, refs: Sequence[SubstituteRef]
) -> list[dict[str, str]]:
    """Read the ``substituteFrom`` ConfigMaps/Secrets in order (missing optional ones skip).

    Raises BuildError naming a required object that is missing or unreadable.
    """
    sources: list[dict[str, str]] = []
    for ref in refs:
        if ref.kind not in ("ConfigMap", "Secret"):
            raise errors.BuildError(f"substitute from '{ref.kind}/{ref.name}': "
                                    "kind must be ConfigMap or Secret")
        try:
            obj = await client.get_or_none("v1", ref.kind, ref.name, namespace)
        except errors.ClusterError as exc:
            raise errors.BuildError(
                f"substitute from '{ref.kind}/{ref.name}' error: {exc.one_line()}") from exc
        if obj is None:
            if ref.optional:
                continue
            raise errors.BuildError(
                f"substitute from '{ref.kind}/{ref.name}' error: not found in {namespace}")
        if ref.kind == "Secret":
            sources.append(_decoded(obj))
        else:
            sources.append({k: str(v) for k, v in (obj.get("data") or {}).items()})
    return sources
