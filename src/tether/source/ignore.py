"""Which files of a checkout go into the artifact: ``.gitignore`` rules, the Flux way.

Design: rules are evaluated *while walking* the tree, so an excluded directory (a huge
``vendor/``, a ``.git/``) is pruned without being listed, and each directory's
``.sourceignore`` is read when the walk enters it (its patterns apply below that directory
only). Precedence, last match wins: VCS files (always), Flux's default exclusions (only
when ``spec.ignore`` is unset — it replaces them), ``.sourceignore`` files, ``spec.ignore``.
Symlinks and other non-regular files are never included (nor followed).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_EXCLUDES", "IGNORE_FILE", "VCS_EXCLUDES", "Pattern", "Rules", "parse",
           "walk"]

IGNORE_FILE = ".sourceignore"
VCS_EXCLUDES = ".git/\n.gitignore\n.gitmodules\n.gitattributes\n"
DEFAULT_EXCLUDES = "\n".join([
    "*.jpg", "*.jpeg", "*.gif", "*.png", "*.wmv", "*.flv", "*.tar.gz", "*.zip",
    ".github/", ".circleci/", ".travis.yml", ".gitlab-ci.yml", "appveyor.yml", ".drone.yml",
    "cloudbuild.yaml", "codeship-services.yml", "codeship-steps.yml",
    "**/.goreleaser.yml", "**/.sops.yaml", "**/.flux.yaml",
])
"""Flux's default exclusion list (images, archives, CI and tool configs)."""


@dataclass(frozen=True)
class Pattern:
    """One compiled ignore line, scoped to the directory (``domain``) that declared it."""

    domain: tuple[str, ...]
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    source: str

    def matches(self, parts: tuple[str, ...], *, is_dir: bool) -> bool:
        """Does this pattern match the path ``parts`` (relative to the root)?"""
        if self.dir_only and not is_dir:
            return False
        n = len(self.domain)
        if parts[:n] != self.domain or len(parts) <= n:
            return False
        return self.regex.match("/".join(parts[n:])) is not None


def _glob(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        char = pattern[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif char == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1:end].replace("\\", "\\\\")
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def parse(text: str, *, domain: tuple[str, ...] = ()) -> list[Pattern]:
    """Compile ``.gitignore``-syntax lines declared in directory ``domain``."""
    patterns: list[Pattern] = []
    for raw in text.splitlines():
        line = raw.rstrip("\n\r")
        if not line.strip() or line.startswith("#"):
            continue
        if not line.endswith("\\ "):
            line = line.rstrip(" ")
        negate = line.startswith("!")
        if negate:
            line = line[1:]
        if line.startswith(("\\#", "\\!")):
            line = line[1:]
        dir_only = line.endswith("/")
        body = line.rstrip("/")
        if not body:
            continue
        anchored = "/" in body
        body = body.lstrip("/")
        prefix = "" if anchored else "(?:.*/)?"
        regex = re.compile(f"^{prefix}{_glob(body)}$", re.DOTALL)
        patterns.append(Pattern(domain, regex, negate, dir_only, raw.strip()))
    return patterns


class Rules:
    """The ordered pattern lists; ``.sourceignore`` files are added as the walk finds them."""

    def __init__(self, *, spec_ignore: str | None) -> None:
        self.base = parse(VCS_EXCLUDES)
        if spec_ignore is None:
            self.base += parse(DEFAULT_EXCLUDES)
        self.nested: list[Pattern] = []
        self.user = parse(spec_ignore or "")

    def add_ignore_file(self, text: str, domain: tuple[str, ...]) -> None:
        """Register the patterns of a ``.sourceignore`` found in ``domain``."""
        self.nested += parse(text, domain=domain)

    def excluded(self, parts: tuple[str, ...], *, is_dir: bool) -> bool:
        """Last matching pattern wins; unmatched paths are included."""
        result = False
        for pattern in (*self.base, *self.nested, *self.user):
            if pattern.matches(parts, is_dir=is_dir):
                result = not pattern.negate
        return result


def walk(root: Path, *, spec_ignore: str | None) -> Iterator[tuple[str, os.stat_result]]:
    """Yield ``(relative posix path, lstat)`` of every regular file to archive, sorted."""
    rules = Rules(spec_ignore=spec_ignore)
    yield from _walk_dir(root, (), rules)


def _walk_dir(
    directory: Path, parts: tuple[str, ...], rules: Rules
) -> Iterator[tuple[str, os.stat_result]]:
    ignore_file = directory / IGNORE_FILE
    if ignore_file.is_file() and not ignore_file.is_symlink():
        rules.add_ignore_file(ignore_file.read_text(encoding="utf-8", errors="replace"), parts)
    for name in sorted(os.listdir(directory)):
        path = directory / name
        info = path.lstat()
        child = (*parts, name)
        if stat.S_ISDIR(info.st_mode):
            if not rules.excluded(child, is_dir=True):
                yield from _walk_dir(path, child, rules)
        elif stat.S_ISREG(info.st_mode) and not rules.excluded(child, is_dir=False):
            yield "/".join(child), info
