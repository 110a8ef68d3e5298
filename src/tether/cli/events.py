"""``tether events [--for KIND/NAME] [-A] [--types Normal,Warning] [-w]``: Flux objects' Events.

Design: Events are listed from the core API and kept when their ``involvedObject`` is a
Flux kind (any ``*.toolkit.fluxcd.io`` group); ``--for`` narrows to one object and — like
``flux events --for`` — adds its source's Events for a Kustomization; ``--watch`` then
prints one row per new Event. Rows are sorted by when the Event was last seen and rendered
with Flux's table (``LAST SEEN TYPE REASON OBJECT MESSAGE``); ages use Kubernetes' short
human durations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tether import errors
from tether.cli import kinds, options, output, session
from tether.cli.main import app

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient, Obj

__all__ = ["HEADER", "human_duration", "last_seen", "rows"]

HEADER = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]


def human_duration(seconds: float) -> str:
    """Kubernetes' ``duration.HumanDuration``: ``90`` → ``90s``, ``600`` → ``10m``."""
    s = int(seconds)
    if s < 0:
        return "<invalid>"
    minutes, hours, days = s // 60, s // 3600, s // 86400
    steps: list[tuple[bool, str]] = [
        (s < 120, f"{s}s"),
        (minutes < 10, f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"),
        (minutes < 180, f"{minutes}m"),
        (hours < 8, f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"),
        (hours < 48, f"{hours}h"),
        (hours < 192, f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"),
        (hours < 24 * 365 * 2, f"{days}d"),
        (hours < 24 * 365 * 8, f"{days // 365}y{days % 365}d"),
    ]
    return next((text for ok, text in steps if ok), f"{days // 365}y")


def last_seen(event: Mapping[str, Any]) -> str:
    """The Event's latest timestamp (series, lastTimestamp, eventTime, first, creation)."""
    series = event.get("series") or {}
    for value in (series.get("lastObservedTime"), event.get("lastTimestamp"),
                  event.get("eventTime"), event.get("firstTimestamp"),
                  (event.get("metadata") or {}).get("creationTimestamp")):
        if value:
            return str(value)
    return ""


def _age(stamp: str, now: datetime) -> str:
    if not stamp:
        return "<unknown>"
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return human_duration((now - moment).total_seconds())


def _is_flux(involved: Mapping[str, Any]) -> bool:
    group = str(involved.get("apiVersion", "")).rpartition("/")[0]
    return group.endswith("toolkit.fluxcd.io") or kinds.by_name(
        str(involved.get("kind", ""))) is not None


def rows(events: Sequence[Mapping[str, Any]], *, now: datetime, all_namespaces: bool,
         targets: set[tuple[str, str]] | None = None, types: set[str] | None = None,
         ) -> list[list[str]]:
    """Table rows for the Flux Events among ``events``, oldest first."""
    chosen = []
    for event in events:
        involved = event.get("involvedObject") or {}
        key = (str(involved.get("kind", "")), str(involved.get("name", "")))
        if targets is not None and key not in targets:
            continue
        if targets is None and not _is_flux(involved):
            continue
        if types and str(event.get("type", "")) not in types:
            continue
        chosen.append(event)
    chosen.sort(key=last_seen)
    out = []
    for event in chosen:
        involved = event.get("involvedObject") or {}
        cells = [_age(last_seen(event), now), str(event.get("type", "")),
                 str(event.get("reason", "")),
                 f"{involved.get('kind', '')}/{involved.get('name', '')}",
                 " ".join(str(event.get("message", "")).split())]
        ns = str((event.get("metadata") or {}).get("namespace", ""))
        out.append([ns, *cells] if all_namespaces else cells)
    return out


async def _targets(kube: KubeClient, namespace: str, target: str) -> set[tuple[str, str]]:
    kind_text, sep, name = target.partition("/")
    kind = kinds.by_name(kind_text)
    if not sep or kind is None:
        raise errors.ConfigError(f"invalid --for {target!r}",
                                 hint="use Kustomization/NAME or GitRepository/NAME")
    found = {(kind.kind, name)}
    if kind is kinds.KUSTOMIZATION:
        ks: Obj | None = await kube.get_or_none(kind.api_version, kind.kind, name, namespace)
        ref = ((ks or {}).get("spec") or {}).get("sourceRef") or {}
        if ref.get("kind") and ref.get("name"):
            found.add((str(ref["kind"]), str(ref["name"])))
    return found


@dataclass(frozen=True)
class _Query:
    target: str
    all_namespaces: bool
    types: str
    watch: bool


async def _follow(kube: KubeClient, query: _Query, *, scope: str | None, rv: str,
                  wanted: set[tuple[str, str]] | None, type_set: set[str] | None) -> None:
    """Print one row per new or updated matching Event until interrupted."""
    while True:
        async for kind, event in kube.watch("v1", "Event", namespace=scope, resource_version=rv):
            if kind == "ERROR" and event.get("code") == 410:
                _, rv = await kube.list("v1", "Event", namespace=scope)  # expired: from now
                break
            if kind == "ERROR":
                raise errors.ClusterError(f"watch Event: {event.get('message', event)}")
            rv = str((event.get("metadata") or {}).get("resourceVersion", rv))
            if kind not in ("ADDED", "MODIFIED"):
                continue
            found = rows([event], now=datetime.now(UTC), all_namespaces=query.all_namespaces,
                         targets=wanted, types=type_set)
            if found:
                typer.echo(output.table(found), nl=False)


async def _events(kube: KubeClient, opts: options.GlobalOptions, query: _Query) -> None:
    scope = None if query.all_namespaces else opts.namespace
    items, rv = await kube.list("v1", "Event", namespace=scope)
    wanted = await _targets(kube, opts.namespace, query.target) if query.target else None
    type_set = {t.strip() for t in query.types.split(",") if t.strip()} or None
    table_rows = rows(items, now=datetime.now(UTC), all_namespaces=query.all_namespaces,
                      targets=wanted, types=type_set)
    header = (["NAMESPACE"] if query.all_namespaces else []) + HEADER
    if table_rows or query.watch:
        typer.echo(output.table(table_rows, header), nl=False)
    else:
        where = "any" if query.all_namespaces else opts.namespace
        output.failure(f"no events found in {where} namespace")
    if query.watch:
        await _follow(kube, query, scope=scope, rv=rv, wanted=wanted, type_set=type_set)


@app.command("events")
def events(
    target: Annotated[str, typer.Option(
        "--for", help="Only this object (Kind/name) and, for a Kustomization, its source.")]
    = "",
    all_namespaces: Annotated[bool, typer.Option(
        "--all-namespaces", "-A", help="Events across all namespaces.")] = False,
    types: Annotated[str, typer.Option(
        "--types", help="Comma-separated Event types, e.g. Warning.")] = "",
    watch: Annotated[bool, typer.Option(
        "--watch", "-w", help="After listing, print new Events as they arrive.")] = False,
) -> None:
    """Display Kubernetes Events of Flux objects."""
    query = _Query(target=target, all_namespaces=all_namespaces, types=types, watch=watch)
    session.run(lambda kube, opts: _events(kube, opts, query))
