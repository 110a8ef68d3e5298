"""``tether delete source git|kustomization NAME [--silent]``.

Design: deleting asks first (a Kustomization's deletion prunes what it applied, unless it is
suspended), reading the answer from the terminal; ``--silent`` skips the question for
scripts. Without a terminal and without ``--silent`` the command refuses rather than
guessing. The API deletion is asynchronous: the controller's finalizer does the pruning.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from tether import errors
from tether.cli import kinds, options, output, session
from tether.cli.main import app

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient

__all__ = ["delete_object"]

delete_app = typer.Typer(help="Delete sources and resources.", no_args_is_help=True)
delete_source = typer.Typer(help="Delete sources.", no_args_is_help=True)
app.add_typer(delete_app, name="delete")
delete_app.add_typer(delete_source, name="source")


def _question(kind: kinds.Kind, obj: dict[str, object], name: str) -> str:
    spec = obj.get("spec") or {}
    suspended = isinstance(spec, dict) and bool(spec.get("suspend"))
    if kind is kinds.KUSTOMIZATION and not suspended:
        return (f"This action will remove the Kubernetes objects previously applied by the "
                f"{name} kustomization. Are you sure you want to delete this kustomization")
    return f"Are you sure you want to delete this {kind.human}"


async def delete_object(kube: KubeClient, kind: kinds.Kind, *, name: str, namespace: str,
                        silent: bool) -> None:
    """Confirm (unless ``silent``) and delete one object, with Flux's lines."""
    obj = await kube.get(kind.api_version, kind.kind, name, namespace)
    if not silent:
        if not sys.stdin.isatty():
            raise errors.ConfigError("refusing to delete without confirmation",
                                     hint="pass --silent to delete without a prompt")
        if not typer.confirm(_question(kind, obj, name), default=False, err=True):
            raise errors.GitOpsError("aborting")
    output.action(f"deleting {kind.human} {name} in {namespace} namespace")
    await kube.delete(kind.api_version, kind.kind, name, namespace=namespace)
    output.success(f"{kind.human} deleted")


def _delete(kind: kinds.Kind, name: str, silent: bool) -> None:
    async def body(kube: KubeClient, opts: options.GlobalOptions) -> None:
        await delete_object(kube, kind, name=name, namespace=opts.namespace, silent=silent)
    session.run(body)


Name = Annotated[str, typer.Argument(help="Object name.")]
Silent = Annotated[bool, typer.Option("--silent", "-s", help="Delete without a prompt.")]


@delete_source.command("git")
def delete_source_git(name: Name, silent: Silent = False) -> None:
    """Delete a GitRepository source."""
    _delete(kinds.GIT_REPOSITORY, name, silent)


def delete_kustomization(name: Name, silent: Silent = False) -> None:
    """Delete a Kustomization; the controller prunes its objects unless suspended (alias: ks)."""
    _delete(kinds.KUSTOMIZATION, name, silent)


delete_app.command("kustomization")(delete_kustomization)
delete_app.command("ks", hidden=True)(delete_kustomization)
