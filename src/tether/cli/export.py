"""``tether export source git|kustomization NAME|--all``: clean YAML for GitOps re-use.

Design: export is "get, then strip everything the cluster added" — status, uid,
resourceVersion, managedFields, timestamps — keeping apiVersion, kind, name, namespace,
labels, annotations and spec (:func:`tether.cli.output.clean_for_export`), printed as
``---``-separated documents with sorted keys, as ``flux export`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tether import errors
from tether.cli import kinds, options, output, session
from tether.cli.main import app

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient

__all__ = ["export_text"]

export_app = typer.Typer(help="Export resources in YAML format.", no_args_is_help=True)
export_source = typer.Typer(help="Export sources.", no_args_is_help=True)
app.add_typer(export_app, name="export")
export_app.add_typer(export_source, name="source")


async def export_text(kube: KubeClient, kind: kinds.Kind, *, name: str | None,
                      all_: bool, namespace: str) -> str:
    """The YAML for one object or every object of ``kind`` in ``namespace``."""
    if all_ == bool(name):
        raise errors.ConfigError(f"{kind.human} name is required (or --all, but not both)")
    if name:
        objs = [await kube.get(kind.api_version, kind.kind, name, namespace)]
    else:
        objs, _ = await kube.list(kind.api_version, kind.kind, namespace=namespace)
        objs.sort(key=lambda o: o["metadata"]["name"])
    return output.dump_yaml_docs(output.clean_for_export(o) for o in objs)


def _export(kind: kinds.Kind, name: str | None, all_: bool) -> None:
    async def body(kube: KubeClient, opts: options.GlobalOptions) -> str:
        return await export_text(kube, kind, name=name, all_=all_, namespace=opts.namespace)
    typer.echo(session.run(body), nl=False)


Name = Annotated[str | None, typer.Argument(help="Object name.")]
All = Annotated[bool, typer.Option("--all", help="Every object of this kind in the namespace.")]


@export_source.command("git")
def export_source_git(name: Name = None, all_: All = False) -> None:
    """Export GitRepository sources in YAML format."""
    _export(kinds.GIT_REPOSITORY, name, all_)


def export_kustomization(name: Name = None, all_: All = False) -> None:
    """Export Kustomizations in YAML format (alias: ks)."""
    _export(kinds.KUSTOMIZATION, name, all_)


export_app.command("kustomization")(export_kustomization)
export_app.command("ks", hidden=True)(export_kustomization)
