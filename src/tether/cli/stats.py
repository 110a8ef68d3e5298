"""``tether stats [-A]``: per-kind counts of reconcilers and the artifact storage they use.

Design: Flux's report — RUNNING = objects not suspended, FAILING = Ready=False, STORAGE =
sum of ``status.artifact.size`` in binary units (``-`` when none) — computed by a pure
function over listed objects (:func:`row`); a kind whose CRD is not installed counts as
zero, like ``flux stats`` ignoring list errors, so the report never fails half-way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tether import errors
from tether.cli import kinds, options, output, session
from tether.cli.main import app

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient

__all__ = ["HEADER", "format_size", "row"]

HEADER = ["RECONCILERS", "RUNNING", "FAILING", "SUSPENDED", "STORAGE"]


def format_size(size: int) -> str:
    """``0`` → ``-``, ``512`` → ``512 B``, ``2048`` → ``2.0 KiB`` (Flux's formatSize)."""
    if size == 0:
        return "-"
    if size < 1024:
        return f"{size} B"
    div, exp = 1024, 0
    n = size // 1024
    while n >= 1024:
        div *= 1024
        exp += 1
        n //= 1024
    return f"{size / div:.1f} {'KMGTPE'[exp]}iB"


def row(kind: kinds.Kind, objs: Sequence[Mapping[str, Any]]) -> list[str]:
    """One report row for ``kind``."""
    suspended = sum(1 for o in objs if (o.get("spec") or {}).get("suspend"))
    failing = 0
    size = 0
    for obj in objs:
        ready = kinds.condition(obj, "Ready")
        if ready is not None and ready.get("status") == "False":
            failing += 1
        artifact_size = ((obj.get("status") or {}).get("artifact") or {}).get("size")
        if isinstance(artifact_size, int):
            size += artifact_size
    return [kind.kind, str(len(objs) - suspended), str(failing), str(suspended),
            format_size(size)]


async def _stats(kube: KubeClient, opts: options.GlobalOptions, all_namespaces: bool) -> str:
    rows = []
    for kind in kinds.ALL:
        try:
            objs, _ = await kube.list(kind.api_version, kind.kind,
                                      namespace=None if all_namespaces else opts.namespace)
        except errors.NotFoundError:
            objs = []
        rows.append(row(kind, objs))
    return output.table(rows, HEADER)


@app.command("stats")
def stats(
    all_namespaces: Annotated[bool, typer.Option(
        "--all-namespaces", "-A", help="Count objects across all namespaces.")] = False,
) -> None:
    """Print per-kind counts of Flux objects and their artifact storage."""
    typer.echo(session.run(lambda kube, opts: _stats(kube, opts, all_namespaces)), nl=False)
