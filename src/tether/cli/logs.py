"""``tether logs --log-file PATH [--kind K] [--name N] [--level L] [-A] [-f] [--tail N]``.

Design: the controller logs JSON lines (structlog); this command reads them from the file
``tether controller run`` writes (or its redirected stderr) and prints Flux's line shape
``<ts> <level> <Kind>/<name>.<namespace> - <msg> <error>``. Parsing is tolerant of both
key conventions (structlog's ``timestamp``/``event``/``key="ns/name"`` and Flux's
``ts``/``msg``/``name``/``namespace``), non-JSON lines are skipped, and, as ``flux logs``
does, lines about objects outside ``-n`` are hidden unless ``-A``. Without ``--log-file`` the
controller log of ``tether demo up`` is read. Reading pod logs of an in-cluster controller is
not supported yet (the cluster client has no text endpoint).
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from tether import errors
from tether.cli import kinds, options
from tether.cli.main import app

__all__ = ["Entry", "Filter", "format_entry", "parse"]

_LOGGER_KINDS = {"tether.gitrepository": "GitRepository",
                 "tether.kustomization": "Kustomization"}


@dataclass(frozen=True)
class Entry:
    """One parsed log line."""

    ts: str
    level: str
    kind: str
    name: str
    namespace: str
    msg: str
    error: str


def _object(doc: Mapping[str, Any]) -> tuple[str, str, str]:
    kind = str(doc.get("kind") or _LOGGER_KINDS.get(str(doc.get("logger", "")), ""))
    name, namespace = str(doc.get("name") or ""), str(doc.get("namespace") or "")
    key = doc.get("key") or doc.get("object")
    if not name and isinstance(key, str) and "/" in key:
        namespace, _, name = key.rpartition("/")
    return kind, name, namespace


def parse(line: str) -> Entry | None:
    """An Entry from a JSON log line, or None for anything else."""
    try:
        doc = json.loads(line)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    kind, name, namespace = _object(doc)
    return Entry(ts=str(doc.get("ts") or doc.get("timestamp") or ""),
                 level=str(doc.get("level") or ""), kind=kind, name=name, namespace=namespace,
                 msg=str(doc.get("msg") or doc.get("event") or ""),
                 error=str(doc.get("error") or ""))


def format_entry(entry: Entry) -> str:
    """Flux's ``{{ts}} {{level}} {{Kind}}/{{name}}.{{namespace}} - {{msg}} {{error}}``."""
    subject = f"{entry.name}.{entry.namespace}" if entry.name else "-"
    if entry.name and entry.kind:
        subject = f"{entry.kind}/{subject}"
    return f"{entry.ts} {entry.level} {subject} - {entry.msg} {entry.error}".rstrip()


@dataclass(frozen=True)
class Filter:
    """Which entries to print."""

    namespace: str | None
    """None = all namespaces."""
    kind: str = ""
    name: str = ""
    level: str = ""

    def keep(self, entry: Entry) -> bool:
        """True when ``entry`` passes every filter given."""
        return ((self.namespace is None or entry.namespace == self.namespace)
                and (not self.kind or entry.kind.lower() == self.kind.lower())
                and (not self.name or entry.name == self.name)
                and (not self.level or entry.level.lower() == self.level.lower()))


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        yield from handle


def _follow(path: Path, chosen: Filter) -> None:
    """Print entries appended to ``path`` until interrupted (like ``tail -f``)."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        handle.seek(0, os.SEEK_END)
        while True:
            line = handle.readline()
            if not line:
                time.sleep(0.2)
                continue
            entry = parse(line)
            if entry and chosen.keep(entry):
                typer.echo(format_entry(entry))


def _demo_log() -> Path:
    """The controller log of ``tether demo up``, the one local controller we know of."""
    from tether.demo import run  # only when no --log-file is given (start-up time)

    path = run.DemoLayout(run.default_root()).root / "logs" / "controller.log"
    if not path.is_file():
        raise errors.ConfigError("no controller log to read",
                                 hint="pass --log-file (or set TETHER_LOG_FILE) to the file "
                                 "`tether controller run` logs to")
    return path


def _kind_name(kind: str) -> str:
    if not kind:
        return ""
    found = kinds.by_name(kind)
    if found is None:
        raise errors.ConfigError(f"unknown kind {kind!r}",
                                 hint="use GitRepository or Kustomization")
    return found.kind


@app.command("logs")
def logs(
    log_file: Annotated[str, typer.Option(
        "--log-file", envvar="TETHER_LOG_FILE",
        help="The controller's JSON log file (tether controller run).")] = "",
    kind: Annotated[str, typer.Option("--kind", help="Only this kind.")] = "",
    name: Annotated[str, typer.Option("--name", help="Only this object name.")] = "",
    level: Annotated[str, typer.Option("--level", help="Only this level (info, error…).")]
    = "",
    all_namespaces: Annotated[bool, typer.Option(
        "--all-namespaces", "-A", help="Objects of every namespace.")] = False,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines.")]
    = False,
    tail: Annotated[int, typer.Option("--tail", help="Only the last N matching lines.")] = -1,
) -> None:
    """Display formatted logs of the Tether controller."""
    path = Path(os.path.expanduser(log_file)) if log_file else _demo_log()
    if not path.is_file():
        raise errors.ConfigError(f"log file {path} does not exist")
    chosen = Filter(namespace=None if all_namespaces else options.current().namespace,
                    kind=_kind_name(kind), name=name, level=level)
    matching = (e for e in map(parse, _lines(path)) if e and chosen.keep(e))
    backlog = deque(matching, maxlen=tail) if tail >= 0 else list(matching)
    for entry in backlog:
        typer.echo(format_entry(entry))
    if follow:
        _follow(path, chosen)
