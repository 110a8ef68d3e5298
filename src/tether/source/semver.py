"""Semantic versions and Masterminds-style ranges, to pick ``spec.ref.semver`` tags.

Design: Flux resolves ``ref.semver`` with Masterminds/semver; we implement the subset of its
constraint grammar users write — comparison operators (``= != > < >= <=``), tilde
(``~1.2``), caret (``^1.2``), wildcards (``1.2.x``, ``*``), hyphen ranges (``1.2 - 1.4``),
``,``/space for AND and ``||`` for OR — with its prerelease rule: a prerelease version only
matches a constraint group that itself mentions a prerelease. Tags may carry a ``v``.
Pure functions; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import total_ordering

from tether import errors

__all__ = ["Constraint", "Version", "highest", "parse_constraint", "parse_version"]

_VERSION = re.compile(
    r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$"
)


@total_ordering
@dataclass(frozen=True)
class Version:
    """A semantic version; ordering follows semver 2.0 (build metadata ignored)."""

    major: int
    minor: int
    patch: int
    prerelease: str = ""

    def _pre_key(self) -> tuple[tuple[int, int | str], ...]:
        return tuple((0, int(p)) if p.isdigit() else (1, p) for p in self.prerelease.split("."))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        a, b = (self.major, self.minor, self.patch), (other.major, other.minor, other.patch)
        if a != b:
            return a < b
        if not self.prerelease or not other.prerelease:
            return bool(self.prerelease) and not other.prerelease
        return self._pre_key() < other._pre_key()

    def __str__(self) -> str:
        pre = f"-{self.prerelease}" if self.prerelease else ""
        return f"{self.major}.{self.minor}.{self.patch}{pre}"


def parse_version(text: str) -> Version | None:
    """Parse ``v1.2.3``, ``1.2``, ``1.0.0-rc.1+build``; None when not a version."""
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    major, minor, patch, pre, _ = match.groups()
    return Version(int(major), int(minor or 0), int(patch or 0), pre or "")


Check = Callable[[Version], bool]
_PART = re.compile(r"^(?P<op>!=|>=|<=|=>|=<|~>|[=<>~^])?\s*v?(?P<ver>[0-9xX*]+(?:\.[0-9xX*]+)*"
                   r"(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$")


@dataclass(frozen=True)
class _Partial:
    parts: tuple[int | None, ...]  # None = wildcard / missing
    prerelease: str

    @property
    def floor(self) -> Version:
        major, minor, patch = (p or 0 for p in (*self.parts, None, None)[:3])
        return Version(major, minor, patch, self.prerelease)

    def bump(self, index: int) -> Version:
        """The smallest version above this one at position ``index`` (0 major, 1 minor)."""
        nums = [p or 0 for p in (*self.parts, None, None)[:3]]
        nums[index] += 1
        for i in range(index + 1, 3):
            nums[i] = 0
        return Version(nums[0], nums[1], nums[2])

    @property
    def specified(self) -> int:
        """How many leading numeric components are given (0..3)."""
        count = 0
        for p in self.parts[:3]:
            if p is None:
                break
            count += 1
        return count


def _partial(text: str) -> _Partial:
    core, _, _build = text.partition("+")
    core, _, pre = core.partition("-")
    parts = tuple(None if p in ("x", "X", "*") else int(p) for p in core.split("."))
    return _Partial(parts, pre)


def _range(low: Version | None, high: Version | None, *, low_incl: bool = True) -> Check:
    def check(v: Version) -> bool:
        base = Version(v.major, v.minor, v.patch, v.prerelease)
        if low is not None and (base < low or (not low_incl and base == low)):
            return False
        return high is None or base < high
    return check


def _comparison(op: str, p: _Partial) -> Check:
    n = p.specified
    if op in ("", "="):
        if n == 0:
            return lambda v: True
        if n < 3:
            return _range(p.floor, p.bump(n - 1))
        return lambda v: v == p.floor
    if op == "!=":
        inner = _comparison("=", p)
        return lambda v: not inner(v)
    if op == ">":
        return _range(p.bump(n - 1), None) if 0 < n < 3 else (lambda v: v > p.floor)
    if op in (">=", "=>"):
        return _range(p.floor, None)
    if op == "<":
        return lambda v: v < p.floor
    if op in ("<=", "=<"):
        return (lambda v: v < p.bump(n - 1)) if 0 < n < 3 else (lambda v: v <= p.floor)
    if op in ("~", "~>"):
        return _range(p.floor, p.bump(0 if n <= 1 else 1))
    if op == "^":
        major, minor, _ = (q or 0 for q in (*p.parts, None, None)[:3])
        index = 0 if major > 0 or n <= 1 else (1 if minor > 0 or n == 2 else 2)
        return _range(p.floor, p.bump(index))
    raise errors.InvalidSpecError(f"unknown semver operator {op!r}")


@dataclass(frozen=True)
class Constraint:
    """A parsed range: OR of AND-groups of checks."""

    text: str
    groups: tuple[tuple[tuple[Check, ...], bool], ...]  # (checks, mentions a prerelease)

    def matches(self, version: Version) -> bool:
        """True when ``version`` satisfies the range (Masterminds' prerelease rule)."""
        for checks, allows_pre in self.groups:
            if version.prerelease and not allows_pre:
                continue
            if all(check(version) for check in checks):
                return True
        return False


def _group(text: str, whole: str) -> tuple[tuple[Check, ...], bool]:
    hyphen = re.match(r"^\s*(\S+)\s+-\s+(\S+)\s*$", text)
    if hyphen:
        low, high = _partial(hyphen.group(1).lstrip("v")), _partial(hyphen.group(2).lstrip("v"))
        pair = (_comparison(">=", low), _comparison("<=", high))
        return pair, bool(low.prerelease or high.prerelease)
    tokens = re.findall(r"(?:!=|>=|<=|=>|=<|~>|[=<>~^])?\s*[^\s,]+", text.replace(",", " "))
    checks: list[Check] = []
    pre = False
    for token in tokens:
        match = _PART.match(token.strip())
        if match is None:
            raise errors.InvalidSpecError(f"invalid semver range {whole!r}: cannot parse {token!r}")
        part = _partial(match.group("ver"))
        pre = pre or bool(part.prerelease)
        checks.append(_comparison(match.group("op") or "", part))
    if not checks:
        raise errors.InvalidSpecError(f"invalid semver range {whole!r}: empty")
    return tuple(checks), pre


def parse_constraint(text: str) -> Constraint:
    """Parse a range such as ``>=1.0.0 <2.0.0 || ^3``; InvalidSpecError when malformed."""
    groups = tuple(_group(part, text) for part in text.split("||"))
    return Constraint(text, groups)


def highest(constraint: Constraint, tags: Iterable[str]) -> str | None:
    """The tag with the highest version matching ``constraint``, or None."""
    best: tuple[Version, str] | None = None
    for tag in tags:
        version = parse_version(tag)
        if version is None or not constraint.matches(version):
            continue
        if best is None or version > best[0]:
            best = (version, tag)
    return best[1] if best else None
