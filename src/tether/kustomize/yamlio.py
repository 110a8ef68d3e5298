"""YAML in and out, the way kustomize v5.8.1 reads and writes it.

Reading: kustomize parses with yaml.v3, whose implicit types are YAML 1.2-like (``yes`` and
``on`` stay strings, ``010`` is octal 8, ``1_000`` is an int). We parse with libyaml through
PyYAML's ``CParser`` and our own resolver/constructor that reproduce those rules, and we
bound the input: a size cap, a cap on the *expanded* node count (so an alias bomb fails
fast instead of exhausting memory), and only the safe core tags (never ``!!python/*``).

Writing: kustomize turns each object into JSON and then into YAML with yaml.v2, a port of
libyaml. We therefore drive libyaml's own emitter (PyYAML's ``CEmitter``) with events we
build ourselves, choosing each scalar's style the way yaml.v2's encoder does (plain unless
the text would resolve to a non-string under YAML 1.1, then double quotes; literal blocks for
text with newlines) and ordering map keys with yaml.v2's "natural" comparator. The emitter
then applies the same fallbacks (single quotes, folding at 80 columns, escapes) as Go's.
"""

from __future__ import annotations

import decimal
import functools
import math
import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml import events as ev
from yaml import nodes
from yaml.cyaml import CParser as _CParser  # type: ignore[attr-defined]

from tether import errors

MAX_INPUT_BYTES = 32 * 1024 * 1024
"""Largest YAML input accepted (per file or inline string)."""

MAX_EXPANDED_NODES = 2_000_000
"""Largest node count of one document once aliases are expanded (alias bombs fail)."""

# --------------------------------------------------------------------------- reading

_V3_INT = re.compile(r"^[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)$")
_V3_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_V3_SPECIAL_FLOAT = re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


class _V3Resolver(yaml.resolver.BaseResolver):
    """Implicit tags as yaml.v3 resolves plain scalars."""

    yaml_implicit_resolvers = {}  # noqa: RUF012 (PyYAML's own class-level registry)


def _add(tag: str, pattern: str, *, first: str | list[str]) -> None:
    _V3Resolver.add_implicit_resolver(tag, re.compile(pattern), list(first))


_add("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", first="tTfF")
_add("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", first=["~", "n", "N", ""])
_add(
    "tag:yaml.org,2002:int",
    r"^[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)$",
    first="-+0123456789",
)
_add(
    "tag:yaml.org,2002:float",
    r"^(?:[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
    first="-+0123456789.",
)
_add("tag:yaml.org,2002:merge", r"^<<$", first="<")


def _int_or_none(text: str) -> int | None:
    plain = text.replace("_", "")
    sign = -1 if plain.startswith("-") else 1
    body = plain.lstrip("+-")
    try:
        if body[:2] in ("0x", "0X", "0o", "0O", "0b", "0B"):
            return sign * int(body, 0)
        if len(body) > 1 and body.startswith("0"):
            return sign * int(body, 8)
        return sign * int(body, 10)
    except ValueError:
        return None


class _V3Constructor(yaml.constructor.SafeConstructor):
    """Builds plain dict/list/str/int/float/bool/None values; mapping keys keep their text."""

    allow_duplicates = False
    root_node: Any = None
    bad_key: str | None = None

    def construct_v3_int(self, node: nodes.ScalarNode) -> Any:
        value = _int_or_none(node.value)
        if value is not None and -(2**63) <= value < 2**64:
            return value
        return self.construct_v3_float(node)

    def construct_v3_float(self, node: nodes.ScalarNode) -> Any:
        text = node.value.replace("_", "")
        lowered = text.lower()
        if lowered.endswith("inf"):
            return -math.inf if lowered.startswith("-") else math.inf
        if lowered.endswith("nan"):
            return math.nan
        try:
            return float(text)
        except ValueError:
            return node.value

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, nodes.MappingNode):
            self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, nodes.ScalarNode):
                key: Any = key_node.value
                if key_node.tag != "tag:yaml.org,2002:str" and node is not self.root_node:
                    # yaml.v3 decodes such a nested map as map[interface{}]interface{},
                    # which kustomize cannot turn into JSON.
                    self.bad_key = key_node.value
            else:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a scalar", key_node.start_mark
                )
            if key in mapping and not self.allow_duplicates:
                raise yaml.constructor.ConstructorError(
                    None, None, f"mapping key {key!r} already defined", key_node.start_mark
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


_V3Constructor.add_constructor(  # type: ignore[type-var]
    "tag:yaml.org,2002:int", _V3Constructor.construct_v3_int
)
_V3Constructor.add_constructor(  # type: ignore[type-var]
    "tag:yaml.org,2002:float", _V3Constructor.construct_v3_float
)
_TIMESTAMP = re.compile(
    r"^(?P<date>[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})"
    r"(?:[Tt ](?P<h>[0-9]{1,2}):(?P<m>[0-9]{1,2}):(?P<s>[0-9]{1,2})(?:\.(?P<frac>[0-9]+))?"
    r"(?P<tz>Z|[-+][0-9]{2}:[0-9]{2})?)?$"
)


def _construct_timestamp(_: Any, node: nodes.ScalarNode) -> str:
    """An unquoted timestamp as Go's ``time.Time`` marshals to JSON (RFC 3339)."""
    match = _TIMESTAMP.match(node.value)
    if not match:
        return str(node.value)
    year, month, day = (int(p) for p in match["date"].split("-"))
    text = f"{year:04d}-{month:02d}-{day:02d}T"
    hms = (int(match["h"] or 0), int(match["m"] or 0), int(match["s"] or 0))
    text += "{:02d}:{:02d}:{:02d}".format(*hms)
    frac = (match["frac"] or "")[:9].rstrip("0")
    if frac:
        text += "." + frac
    return text + (match["tz"] or "Z")


_add(
    "tag:yaml.org,2002:timestamp",
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?"
    r"(?:Z|[-+][0-9]{2}:[0-9]{2})?)?$",
    first="0123456789",
)
_V3Constructor.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


class _Loader(_CParser, _V3Constructor, _V3Resolver):
    def __init__(self, stream: str) -> None:
        _CParser.__init__(self, stream)
        _V3Constructor.__init__(self)
        _V3Resolver.__init__(self)


class _V2Resolver(_V3Resolver):
    """yaml.v3's rules plus YAML 1.1 booleans (``y``, ``yes``, ``on``...), as yaml.v2 reads."""

    yaml_implicit_resolvers = {  # noqa: RUF012 (PyYAML's own class-level registry)
        k: list(v) for k, v in _V3Resolver.yaml_implicit_resolvers.items()
    }


_V2Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$"),
    list("yYnNoO"),
)


class _V2BoolConstructor(_V3Constructor):
    def construct_v2_bool(self, node: nodes.ScalarNode) -> bool:
        return node.value.lower() in ("y", "yes", "on", "true")


_V2BoolConstructor.add_constructor(  # type: ignore[type-var]
    "tag:yaml.org,2002:bool", _V2BoolConstructor.construct_v2_bool
)


class _V2Loader(_CParser, _V2BoolConstructor, _V2Resolver):
    def __init__(self, stream: str) -> None:
        _CParser.__init__(self, stream)
        _V2BoolConstructor.__init__(self)
        _V2Resolver.__init__(self)


def _expanded_size(root: nodes.Node) -> tuple[int, bool]:
    """Node count with aliases expanded (memoised), and whether any alias was seen."""
    sizes: dict[int, int] = {}
    seen_twice = False

    def size(node: nodes.Node) -> int:
        nonlocal seen_twice
        key = id(node)
        if key in sizes:
            seen_twice = True
            return sizes[key]
        sizes[key] = 1  # guards recursion through self-referencing aliases
        total = 1
        if isinstance(node, nodes.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, nodes.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        sizes[key] = total
        if total > MAX_EXPANDED_NODES:
            raise errors.BuildError(
                f"YAML document expands to more than {MAX_EXPANDED_NODES} nodes "
                "(alias expansion bomb?)"
            )
        return total

    return size(root), seen_twice


def clone(value: Any) -> Any:
    """A deep copy of plain YAML data, faster than ``copy.deepcopy`` and without sharing."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def load_all(
    text: str | bytes,
    *,
    source: str,
    allow_duplicates: bool = False,
    yaml11: bool = False,
    string_keys: bool = False,
) -> list[Any]:
    """Parse every document of ``text``; raise BuildError naming ``source`` on bad input.

    ``allow_duplicates``: a repeated mapping key keeps its last value (kustomization files
    are decoded that way by kustomize); otherwise it is an error, as in yaml.v3.
    ``yaml11``: also read YAML 1.1 booleans (kustomization files go through yaml.v2).
    ``string_keys``: a nested mapping key that is not a string (``1:``, ``true:``) is an
    error, as kustomize fails to convert such a resource to JSON.
    """
    if len(text) > MAX_INPUT_BYTES:
        raise errors.BuildError(f"{source}: input larger than {MAX_INPUT_BYTES} bytes")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise errors.BuildError(f"{source}: not UTF-8 text: {exc}") from exc
    loader = _V2Loader(text) if yaml11 else _Loader(text)
    loader.allow_duplicates = allow_duplicates
    docs: list[Any] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            _, aliased = _expanded_size(node)
            loader.root_node = node
            data = loader.construct_document(node)
            if string_keys and loader.bad_key is not None:
                raise errors.BuildError(
                    f"{source}: json: unsupported type: map[interface {{}}]interface {{}} "
                    f"(non-string key {loader.bad_key!r})"
                )
            docs.append(clone(data) if aliased else data)
    except yaml.YAMLError as exc:
        raise errors.BuildError(f"{source}: invalid YAML: {_one_line(exc)}") from exc
    except RecursionError as exc:
        raise errors.BuildError(f"{source}: YAML nested too deeply") from exc
    finally:
        loader.dispose()
    return docs


def load_one(
    text: str | bytes, *, source: str, allow_duplicates: bool = False, yaml11: bool = False
) -> Any:
    """Parse a single-document YAML text (an empty text gives None)."""
    docs = load_all(text, source=source, allow_duplicates=allow_duplicates, yaml11=yaml11)
    if len(docs) > 1:
        raise errors.BuildError(f"{source}: expected one YAML document, found {len(docs)}")
    return docs[0] if docs else None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


# --------------------------------------------------------------------------- writing

_V2_BOOL_NULL = frozenset(
    [
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "true",
        "True",
        "TRUE",
        "on",
        "On",
        "ON",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "false",
        "False",
        "FALSE",
        "off",
        "Off",
        "OFF",
        "~",
        "null",
        "Null",
        "NULL",
        ".nan",
        ".NaN",
        ".NAN",
        ".inf",
        ".Inf",
        ".INF",
        "+.inf",
        "+.Inf",
        "+.INF",
        "-.inf",
        "-.Inf",
        "-.INF",
    ]
)
_V2_INT = re.compile(r"^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$")
_V2_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_V2_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_V2_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:(?:[Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2}))"
    r"|(?: [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?))?$"
)
_V2_FLOAT_START = frozenset("0123456789+-.")


@functools.lru_cache(maxsize=65536)
def _v2_needs_quotes(text: str) -> bool:
    """Would yaml.v2 read this plain text back as something other than a string?"""
    if text == "" or text in _V2_BOOL_NULL:
        return True
    if text[0] not in _V2_FLOAT_START:
        return False
    if text[0] == ".":
        return bool(_V2_FLOAT.match(text))
    plain = text.replace("_", "")
    if _V2_TIMESTAMP.match(text) and _valid_date(text):
        return True
    return bool(_V2_INT.match(plain) or _V2_FLOAT.match(plain) or _V2_BASE60.match(text))


def _valid_date(text: str) -> bool:
    year, month, rest = text.split("-", 2)
    day = int(re.match(r"[0-9]+", rest).group(0))  # type: ignore[union-attr]
    return 1 <= int(month) <= 12 and 1 <= day <= 31 and bool(year)


def _v2_less(a: str, b: str) -> bool:
    """yaml.v2's ``keyList.Less`` for two string keys (digit runs compare by value)."""
    for i in range(min(len(a), len(b))):
        ca, cb = a[i], b[i]
        if ca == cb:
            continue
        al, bl = ca.isalpha(), cb.isalpha()
        if al and bl:
            return ca < cb
        if al or bl:
            return bl
        return _v2_digits_less(a, b, at=i)
    return len(a) < len(b)


def _v2_digits_less(a: str, b: str, *, at: int) -> bool:
    i = at
    an = bn = 0
    if a[i] == "0" or b[i] == "0":
        j = i - 1
        while j >= 0 and a[j].isdigit():
            if a[j] != "0":
                an = bn = 1
                break
            j -= 1
    ai = i
    while ai < len(a) and a[ai].isdigit() and a[ai] <= "9":
        an = an * 10 + (ord(a[ai]) - 48)
        ai += 1
    bi = i
    while bi < len(b) and b[bi].isdigit() and b[bi] <= "9":
        bn = bn * 10 + (ord(b[bi]) - 48)
        bi += 1
    if an != bn:
        return an < bn
    if ai != bi:
        return ai < bi
    return a[i] < b[i]


_V3_PLAIN = re.compile(r"^[A-Za-z0-9_./~][A-Za-z0-9_./:@~=+,-]*$")


def plain_ok_v3(text: str) -> bool:
    """Conservatively: may yaml.v3 write this string unquoted (used for small annotations)?"""
    return bool(_V3_PLAIN.match(text)) and not _v2_needs_quotes(text) and ": " not in text


def _cmp(a: str, b: str) -> int:
    if _v2_less(a, b):
        return -1
    if _v2_less(b, a):
        return 1
    return 0


_SIMPLE_KEY = re.compile(r"^[a-z][a-zA-Z]*$")


def sorted_keys(keys: list[str]) -> list[str]:
    """Keys in yaml.v2 order; pure-letter keys take a fast path (plain code-point order)."""
    if all(_SIMPLE_KEY.match(k) for k in keys):
        return sorted(keys)
    return sorted(keys, key=functools.cmp_to_key(_cmp))


def _format_float(value: float) -> str:
    """A float as Go's JSON writes it, re-read and re-written by yaml.v2 (``%g``, shortest)."""
    if math.isinf(value) or math.isnan(value):
        raise errors.BuildError(f"json: unsupported value: {value}")
    if value == int(value) and abs(value) < 2**63:
        return str(int(value))
    sign, digit_tuple, exp10 = decimal.Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(str(d) for d in digit_tuple)
    exponent = len(digits) - 1 + int(exp10)
    prefix = "-" if sign else ""
    if exponent < -4 or exponent >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"
    return repr(value)


_V2_UNREADABLE = re.compile("[\x7f-\x84\x86-\x9f\ufffe\uffff]")
"""Characters Go's JSON leaves raw but yaml.v2 refuses to read back (kustomize then fails)."""


def _fold_nel(text: str) -> str:
    """What yaml.v2 reads back from Go's JSON for a string holding NEL (U+0085).

    Go's JSON leaves NEL raw inside a double-quoted string, and a YAML reader folds line
    breaks there: blanks around it vanish, one break becomes a space, each further break a
    newline.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        j = i
        while j < n and text[j] not in " \x85":
            j += 1
        out.append(text[i:j])
        i = j
        spaces, broke, extra = 0, False, 0
        while i < n and text[i] in " \x85":
            if text[i] == "\x85":
                extra += 1 if broke else 0
                broke, spaces = True, 0
            elif not broke:
                spaces += 1
            i += 1
        out.append(("\n" * extra or " ") if broke else " " * spaces)
    return "".join(out)


_GO_ESCAPES = {
    0x00: "0",
    0x07: "a",
    0x08: "b",
    0x09: "t",
    0x0A: "n",
    0x0B: "v",
    0x0C: "f",
    0x0D: "r",
    0x1B: "e",
    0x22: '"',
    0x5C: "\\",
    0x85: "N",
    0xA0: "_",
    0x2028: "L",
    0x2029: "P",
}


def _go_escape_all(text: str) -> str:
    """yaml.v2's double-quoted form of a string that starts with a BOM: its BOM test looks
    at the first character only, so *every* character of such a string gets escaped."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        short = _GO_ESCAPES.get(code)
        if short is not None:
            out.append("\\" + short)
        elif code <= 0xFF:
            out.append(f"\\x{code:02X}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04X}")
        else:
            out.append(f"\\U{code:08X}")
    out.append('"')
    return "".join(out)


_BOM_TOKEN = "TETHERBOMPLACEHOLDER{:06d}Z"


def _scalar(value: Any, boms: list[str] | None = None) -> ev.ScalarEvent:
    if isinstance(value, str):
        if "\x85" in value:
            value = _fold_nel(value)
        if _V2_UNREADABLE.search(value):
            raise errors.BuildError(f"yaml: control characters are not allowed (in {value[:40]!r})")
        if value.startswith("\ufeff") and boms is not None:
            # Written by hand after emission (see _go_escape_all).
            boms.append(value)
            return ev.ScalarEvent(
                None, None, (True, True), _BOM_TOKEN.format(len(boms) - 1), style='"'
            )
        if "\n" in value:
            style: str | None = "|"
        elif _v2_needs_quotes(value):
            style = '"'
        else:
            style = None
        return ev.ScalarEvent(None, None, (True, True), value, style=style)
    if value is None:
        text = "null"
    elif value is True:
        text = "true"
    elif value is False:
        text = "false"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = _format_float(value)
    else:
        raise errors.BuildError(f"cannot write a value of type {type(value).__name__}")
    return ev.ScalarEvent(None, None, (True, True), text, style=None)


def _events(value: Any, out: list[ev.Event], boms: list[str]) -> None:
    if isinstance(value, dict):
        if not value:
            out.append(ev.MappingStartEvent(None, None, True, flow_style=True))
            out.append(ev.MappingEndEvent())
            return
        out.append(ev.MappingStartEvent(None, None, True, flow_style=False))
        for key in sorted_keys([str(k) for k in value]):
            out.append(_scalar(key, boms))
            _events(value[key], out, boms)
        out.append(ev.MappingEndEvent())
    elif isinstance(value, list):
        out.append(ev.SequenceStartEvent(None, None, True, flow_style=not value))
        for item in value:
            _events(item, out, boms)
        out.append(ev.SequenceEndEvent())
    else:
        out.append(_scalar(value, boms))


_ODD_BREAKS = re.compile("[\r\x85\u2028\u2029]")
_QUOTE_AFTER_BREAK = re.compile("([\r\x85\u2028\u2029]) +'(?=\n)")


def dump(value: Any) -> str:
    """One object as kustomize prints it (no ``---``, ends with a newline)."""
    out: list[ev.Event] = [ev.StreamStartEvent(), ev.DocumentStartEvent(explicit=False)]
    boms: list[str] = []
    _events(value, out, boms)
    out += [ev.DocumentEndEvent(explicit=False), ev.StreamEndEvent()]
    text = str(yaml.emit(out, Dumper=yaml.CDumper, allow_unicode=True))
    # libyaml ends a document with "..." after a keep-chomped ("|+") block scalar; Go's
    # yaml.v2 writes that marker only for explicit document ends, which we never ask for.
    if text.endswith("\n...\n"):
        text = text[:-4]
    if _ODD_BREAKS.search(text):
        # A single-quoted scalar that ends with a line break: libyaml indents the closing
        # quote, Go's emitter does not.
        text = _QUOTE_AFTER_BREAK.sub("\\1'", text)
    for index, original in enumerate(boms):
        text = text.replace(f'"{_BOM_TOKEN.format(index)}"', _go_escape_all(original), 1)
    return text


def dump_all(values: Iterator[Any] | list[Any]) -> str:
    """Objects joined by ``---`` lines, as ``kustomize build`` prints them."""
    return "---\n".join(dump(v) for v in values)
