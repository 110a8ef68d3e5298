"""``tether get sources git|all``, ``get kustomizations`` (``ks``), ``get all``: status tables.

Design: one listing path for every kind — list (optionally one name, one or all
namespaces), filter by ``--status-selector``, turn each object into Flux's row with
:func:`tether.cli.output.summary_row`, print with Flux's table shape. ``--watch`` prints the
table once and then one row per change, as ``flux get -w`` does. Messages such as
``no Kustomization objects found in "flux-system" namespace`` go to stderr with exit 0,
like Flux, so an empty result is not an error for scripts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from tether import errors
from tether.cli import kinds, options, output, session
from tether.cli.main import app

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient, Obj

__all__ = ["GetFlags", "render", "select", "source_of"]

get_app = typer.Typer(help="Get the resources and their status.", no_args_is_help=True)
sources_app = typer.Typer(help="Get source statuses.", no_args_is_help=True)
app.add_typer(get_app, name="get")
get_app.add_typer(sources_app, name="sources")
get_app.add_typer(sources_app, name="source", hidden=True)

HEADER = ["NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"]
_FORMATS = ("table", "yaml", "json")


@dataclass(frozen=True)
class GetFlags:
    """The flags every ``get`` sub-command shares."""

    all_namespaces: bool = False
    no_header: bool = False
    status_selector: str = ""
    watch: bool = False
    output: str = "table"
    label_selector: str = ""
    show_source: bool = False
    """Kustomizations only: a SOURCE column (``Kind/namespace/name``) after NAME."""


def source_of(obj: Obj) -> str:
    """``GitRepository/flux-system/fleet`` for a Kustomization's ``spec.sourceRef``."""
    ref = (obj.get("spec") or {}).get("sourceRef") or {}
    namespace = ref.get("namespace") or obj["metadata"].get("namespace", "")
    return f"{ref.get('kind', '')}/{namespace}/{ref.get('name', '')}"


def select(objs: list[Obj], flags: GetFlags) -> list[Obj]:
    """Apply ``--status-selector``; sort by (namespace, name) like the API server's list."""
    chosen = [o for o in objs
              if not flags.status_selector or output.status_matches(o, flags.status_selector)]
    return sorted(chosen, key=lambda o: (o["metadata"].get("namespace", ""),
                                         o["metadata"].get("name", "")))


def render(kind: kinds.Kind, objs: list[Obj], flags: GetFlags, *, with_kind: bool = False,
           header: bool = True) -> str:
    """The text ``get`` prints for ``objs`` (already selected) in ``flags.output`` format."""
    if flags.output != "table":
        records = []
        for obj in objs:
            row = output.summary_row(kind, obj, with_namespace=True, with_kind=with_kind)
            records.append(dict(zip(["Namespace", "Name", "Revision", "Suspended", "Ready",
                                     "Message"], row, strict=True)))
        return output.render_records(records, flags.output)
    rows = [output.summary_row(kind, o, with_namespace=flags.all_namespaces,
                               with_kind=with_kind) for o in objs]
    columns = (["NAMESPACE"] if flags.all_namespaces else []) + HEADER
    if flags.show_source:
        at = columns.index("NAME") + 1
        columns.insert(at, "SOURCE")
        for row, obj in zip(rows, objs, strict=True):
            row.insert(at, source_of(obj))
    head = columns if header and not flags.no_header else None
    return output.table(rows, head)


def _scope(flags: GetFlags, opts: options.GlobalOptions) -> str | None:
    return None if flags.all_namespaces else opts.namespace


def _where(flags: GetFlags, opts: options.GlobalOptions) -> str:
    return "any" if flags.all_namespaces else f'"{opts.namespace}"'


async def _list(kube: KubeClient, kind: kinds.Kind, flags: GetFlags,
                opts: options.GlobalOptions, name: str | None) -> tuple[list[Obj], str]:
    selector = f"metadata.name={name}" if name else None
    items, rv = await kube.list(kind.api_version, kind.kind, namespace=_scope(flags, opts),
                                field_selector=selector,
                                label_selector=flags.label_selector or None)
    return items, rv


async def _watch(kube: KubeClient, kind: kinds.Kind, flags: GetFlags,
                 opts: options.GlobalOptions, name: str | None, rv: str) -> None:
    selector = flags.label_selector or None
    while True:
        async for event, obj in kube.watch(kind.api_version, kind.kind,
                                           namespace=_scope(flags, opts),
                                           resource_version=rv, label_selector=selector):
            if event == "ERROR" and obj.get("code") == 410:
                _, rv = await _list(kube, kind, flags, opts, name)  # expired: resume from now
                break
            if event == "ERROR":
                raise errors.ClusterError(f"watch {kind.kind}: {obj.get('message', obj)}")
            rv = str((obj.get("metadata") or {}).get("resourceVersion", rv))
            if event == "BOOKMARK" or (name and obj["metadata"].get("name") != name):
                continue
            obj.setdefault("apiVersion", kind.api_version)
            obj.setdefault("kind", kind.kind)
            typer.echo(render(kind, select([obj], flags), flags, header=False), nl=False)


async def _get_one(kube: KubeClient, opts: options.GlobalOptions, kind: kinds.Kind,
                   flags: GetFlags, name: str | None) -> None:
    objs, rv = await _list(kube, kind, flags, opts, name)
    if not objs and not flags.watch:
        if name:
            output.failure(f"{kind.kind} object '{name}' not found in "
                           f"{_where(flags, opts)} namespace")
        else:
            output.failure(f"no {kind.kind} objects found in {_where(flags, opts)} namespace")
        return
    typer.echo(render(kind, select(objs, flags), flags), nl=False)
    if flags.watch:
        await _watch(kube, kind, flags, opts, name, rv)


def _check(flags: GetFlags) -> None:
    if flags.output not in _FORMATS:
        raise errors.ConfigError(f"unknown output format {flags.output!r}",
                                 hint="use one of: " + ", ".join(_FORMATS))
    if flags.status_selector and "=" not in flags.status_selector:
        raise errors.ConfigError("expected status selector in type=status format, "
                                 f"but found: {flags.status_selector}")


def _run(kind: kinds.Kind, flags: GetFlags, name: str | None) -> None:
    _check(flags)
    session.run(lambda kube, opts: _get_one(kube, opts, kind, flags, name))


AllNamespaces = Annotated[bool, typer.Option(
    "--all-namespaces", "-A", help="List the requested object(s) across all namespaces.")]
NoHeader = Annotated[bool, typer.Option("--no-header", help="Skip the header.")]
StatusSelector = Annotated[str, typer.Option(
    "--status-selector", help="Filter on a status condition, e.g. ready=false.")]
Watch = Annotated[bool, typer.Option(
    "--watch", "-w", help="After listing, watch for changes.")]
Output = Annotated[str, typer.Option("--output", "-o", help="Output format: table|yaml|json.")]
Labels = Annotated[str, typer.Option("--label-selector", "-l",
                                     help="Label selector, e.g. app=web,tier!=db.")]
Name = Annotated[str | None, typer.Argument(help="Only this object.")]


@sources_app.command("git")
def get_sources_git(
    name: Name = None, all_namespaces: AllNamespaces = False, no_header: NoHeader = False,
    status_selector: StatusSelector = "", watch: Watch = False, fmt: Output = "table",
    labels: Labels = "",
) -> None:
    """Get GitRepository statuses."""
    flags = GetFlags(all_namespaces, no_header, status_selector, watch, fmt, labels)
    _run(kinds.GIT_REPOSITORY, flags, name)


def get_kustomizations(
    name: Name = None, all_namespaces: AllNamespaces = False, no_header: NoHeader = False,
    status_selector: StatusSelector = "", watch: Watch = False, fmt: Output = "table",
    labels: Labels = "",
    show_source: Annotated[bool, typer.Option(
        "--show-source", help="Add a SOURCE column (Kind/namespace/name).")] = False,
) -> None:
    """Get Kustomization statuses (aliases: kustomization, ks)."""
    flags = GetFlags(all_namespaces, no_header, status_selector, watch, fmt, labels,
                     show_source)
    _run(kinds.KUSTOMIZATION, flags, name)


get_app.command("kustomizations")(get_kustomizations)
get_app.command("kustomization", hidden=True)(get_kustomizations)
get_app.command("ks", hidden=True)(get_kustomizations)


async def _get_all(kube: KubeClient, opts: options.GlobalOptions, flags: GetFlags,
                   chosen: tuple[kinds.Kind, ...]) -> None:
    for kind in chosen:
        objs, _ = await _list(kube, kind, flags, opts, None)
        objs = select(objs, flags)
        if objs:
            typer.echo(render(kind, objs, flags, with_kind=True), nl=False)
            if flags.output == "table":
                typer.echo("")


def _run_all(flags: GetFlags, chosen: tuple[kinds.Kind, ...]) -> None:
    _check(flags)
    if flags.watch:
        raise errors.ConfigError("expected a single resource type, but found all")
    session.run(lambda kube, opts: _get_all(kube, opts, flags, chosen))


@get_app.command("all")
def get_all(
    all_namespaces: AllNamespaces = False, no_header: NoHeader = False,
    status_selector: StatusSelector = "", fmt: Output = "table", labels: Labels = "",
) -> None:
    """Get all sources and Kustomizations."""
    _run_all(GetFlags(all_namespaces, no_header, status_selector, False, fmt, labels), kinds.ALL)


@sources_app.command("all")
def get_sources_all(
    all_namespaces: AllNamespaces = False, no_header: NoHeader = False,
    status_selector: StatusSelector = "", fmt: Output = "table", labels: Labels = "",
) -> None:
    """Get all source statuses."""
    _run_all(GetFlags(all_namespaces, no_header, status_selector, False, fmt, labels),
             (kinds.GIT_REPOSITORY,))
