"""Small shared pieces of the strategic merge: sentinels, the error type, value helpers.

Job: give the walk (``merge``) and the list logic (``lists``) one vocabulary for kyaml's
node states over plain Python values.

Design decision: kyaml distinguishes a *missing* node (Go nil), a node *tagged null*, and a
null it was told to keep. Python has only ``None``, so a missing field is the :data:`MISSING`
sentinel, a kyaml nil result is :data:`CLEAR`, a kept null is :data:`KEEP_NULL`, and ``None``
is a YAML null. Scalars are compared through :func:`text_of`, the text kyaml would compare
(``80`` and ``"80"`` are the same key, as in kyaml, which compares node values as strings).
"""

from __future__ import annotations

import re
from typing import Any, Final

from tether import errors


class _Sentinel:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


MISSING: Final[Any] = _Sentinel("MISSING")
"""A field or element that is not there (kyaml: a nil node)."""

CLEAR: Final[Any] = _Sentinel("CLEAR")
"""The walk decided to remove the value (kyaml: ``walk.ClearNode``)."""

KEEP_NULL: Final[Any] = _Sentinel("KEEP_NULL")
"""The walk keeps an explicit null of the resource (kyaml: ``MakePersistentNullNode``)."""


class SmpError(errors.BuildError):
    """A strategic merge patch cannot be applied (bad directive, mismatched node kinds)."""


def is_null(value: Any) -> bool:
    """kyaml ``IsMissingOrNull``."""
    return value is None or value is MISSING or value is CLEAR or value is KEEP_NULL


def is_empty_map(value: Any) -> bool:
    """kyaml ``IsEmptyMap``: missing, null, or ``{}``."""
    return is_null(value) or (isinstance(value, dict) and not value)


def text_of(value: Any) -> str:
    """The scalar text kyaml compares (``""`` for null, maps and lists)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return ""


_V3_NON_STRING = re.compile(
    r"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE"
    r"|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF"
    r"|[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)"
    r"|[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_PLAIN_UNSAFE = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`\s]|\s$|: |:$| #|\n|\t")


def written_non_plain(text: str) -> bool:
    """True when a string scalar must have been written quoted or as a block in YAML.

    kyaml copies the *style* of the replaced scalar onto the new one, so a number patched
    over a quoted string comes out as a string. Our loader drops styles; this recovers them
    for every string that could not have been written plain, plus YAML 1.1 booleans
    (``yes``, ``on``...) that Kubernetes users quote by habit; others are taken as plain.
    """
    return text == "" or bool(_V3_NON_STRING.match(text)) or bool(_PLAIN_UNSAFE.search(text))


def raw_text(value: Any) -> str:
    """A node's literal ``Value`` as kyaml compares it: like :func:`text_of`, but a null is
    the text ``null`` (how YAML nulls are usually written; ``~`` and empty are rarer)."""
    return "null" if value is None else text_of(value)


def kind_name(value: Any) -> str:
    """yaml.v3's name for the node kind of a value (for error messages)."""
    if isinstance(value, dict):
        return "MappingNode"
    if isinstance(value, list):
        return "SequenceNode"
    return "ScalarNode"


def clone(value: Any) -> Any:
    """Deep copy of a JSON-like YAML value (dicts, lists, scalars)."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value
