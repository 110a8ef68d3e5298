"""Rendering for the CLI: Flux's borderless tables, truncated hashes, export YAML, glyph lines.

Design: every function here is pure (objects in, text out) so the exact shapes users see
are unit-tested on literal objects. The table reproduces Flux's tablewriter settings byte
for byte — each cell padded to its column width and followed by a tab, the header padded
but without the trailing tab — because scripts and eyes trained on ``flux get`` rely on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import typer
import yaml

from tether import errors
from tether.cli import kinds

__all__ = [
    "action",
    "clean_for_export",
    "dump_yaml",
    "dump_yaml_docs",
    "failure",
    "generate",
    "render_records",
    "status_matches",
    "success",
    "summary_row",
    "table",
    "truncate_hex",
    "waiting",
    "warning",
]

_HEX: Final = re.compile(r"[a-f0-9]{40,128}")


def truncate_hex(text: str) -> str:
    """Shorten runs of 40–128 hex digits to their first 8 (Flux's ``TruncateHex``)."""
    return _HEX.sub(lambda m: m.group(0)[:8], text)


def table(rows: Sequence[Sequence[str]], header: Sequence[str] | None = None) -> str:
    """Flux's table: cells padded to the column width, tab-separated; rows end with a tab.

    Matches ``flux get`` golden files byte for byte (tablewriter, ``NoWhiteSpace``).
    """
    all_rows = ([list(header)] if header else []) + [list(r) for r in rows]
    if not all_rows:
        return ""
    width = [0] * max(len(r) for r in all_rows)
    for row in all_rows:
        for i, cell in enumerate(row):
            width[i] = max(width[i], len(cell))
    lines = []
    if header:
        # tablewriter pads the header's last cell one column wider than the data.
        last = len(header) - 1
        lines.append("\t".join(c.ljust(width[i] + (i == last)) for i, c in enumerate(header)))
    for cells in rows:
        lines.append("".join(c.ljust(width[i]) + "\t" for i, c in enumerate(cells)))
    return "\n".join(lines) + "\n"


def status_matches(obj: Mapping[str, Any], selector: str) -> bool:
    """``--status-selector type=status``: the object's condition ``type`` has ``status``.

    Both sides compare case-insensitively (``ready=false``); no such condition → no match.
    """
    type_, sep, wanted = selector.partition("=")
    if not sep:
        raise errors.ConfigError(
            f"expected status selector in type=status format, but found: {selector}"
        )
    cond = kinds.condition(obj, type_)
    return cond is not None and str(cond.get("status", "")).lower() == wanted.lower()


def summary_row(
    kind: kinds.Kind, obj: Mapping[str, Any], *, with_namespace: bool, with_kind: bool
) -> list[str]:
    """One ``get`` row: [NAMESPACE] NAME REVISION SUSPENDED READY MESSAGE."""
    meta = obj.get("metadata") or {}
    name = str(meta.get("name", ""))
    if with_kind:
        name = f"{kind.kind.lower()}/{name}"
    ready, message = kinds.ready_and_message(obj)
    suspended = "True" if (obj.get("spec") or {}).get("suspend") else "False"
    row = [name, truncate_hex(kind.revision(obj)), suspended, ready, truncate_hex(message)]
    return [str(meta.get("namespace", "")), *row] if with_namespace else row


def render_records(records: list[dict[str, str]], fmt: str) -> str:
    """``-o yaml|json`` of table records (Flux's ``get -o yaml``: capitalised keys)."""
    if fmt == "json":
        return json.dumps(records, indent=2) + "\n"
    return dump_yaml(records)


class _Dumper(yaml.SafeDumper):
    """SafeDumper writing multi-line strings as literal blocks (``|-``), as Go's yaml does."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(value: Any) -> str:
    """YAML as Go's sigs.k8s.io/yaml writes it: sorted keys, block style, no line wrap."""
    return yaml.dump(value, Dumper=_Dumper, default_flow_style=False, sort_keys=True,
                     width=1 << 30, allow_unicode=True)


def dump_yaml_docs(objs: Iterable[Mapping[str, Any]]) -> str:
    """Each object as a ``---``-headed YAML document (Flux's ``--export`` / ``export``)."""
    return "".join("---\n" + dump_yaml(dict(o)) for o in objs)


def clean_for_export(obj: Mapping[str, Any]) -> dict[str, Any]:
    """apiVersion, kind, metadata (name, namespace, labels, annotations) and spec only."""
    meta = obj.get("metadata") or {}
    clean_meta: dict[str, Any] = {"name": meta.get("name", "")}
    if meta.get("namespace"):
        clean_meta["namespace"] = meta["namespace"]
    for key in ("labels", "annotations"):
        if meta.get(key):
            clean_meta[key] = dict(meta[key])
    return {
        "apiVersion": obj.get("apiVersion", ""),
        "kind": obj.get("kind", ""),
        "metadata": clean_meta,
        "spec": dict(obj.get("spec") or {}),
    }


def action(text: str) -> None:
    """``► text`` on stderr (Flux logs progress to stderr; stdout stays for data)."""
    typer.echo(f"► {text}", err=True)


def success(text: str) -> None:
    """``✔ text`` on stderr."""
    typer.echo(f"✔ {text}", err=True)


def waiting(text: str) -> None:
    """``◎ text`` on stderr."""
    typer.echo(f"◎ {text}", err=True)


def generate(text: str) -> None:
    """``✚ text`` on stderr."""
    typer.echo(f"✚ {text}", err=True)


def warning(text: str) -> None:
    """``⚠️ text`` on stderr."""
    typer.echo(f"⚠️ {text}", err=True)


def failure(text: str) -> None:
    """``✗ text`` on stderr."""
    typer.echo(f"✗ {text}", err=True)
