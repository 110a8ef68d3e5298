"""``tether build kustomization NAME --path DIR [--kustomization-file F] [--dry-run]``.

Design: prints, as multi-document YAML in kustomize's own format, the objects the controller
would apply for Kustomization NAME if its source contained DIR at ``spec.path``
(:func:`tether.cli.rendering.render_local`). The Kustomization comes from the cluster, or
from ``--kustomization-file``; ``--dry-run`` never contacts the cluster (no
``substituteFrom``). Secret values are masked.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tether import errors
from tether.cli import kinds, options, rendering, session
from tether.cli.main import app
from tether.kustomize import yamlio

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient, Obj

__all__ = ["build_objects"]

build_app = typer.Typer(help="Build a flux object locally.", no_args_is_help=True)
app.add_typer(build_app, name="build")


async def build_objects(
    kube: KubeClient | None, *, name: str, namespace: str, path: Path,
    kustomization_file: Path | None,
) -> list[dict[str, Any]]:
    """The masked objects for Kustomization ``namespace/name`` built from ``path``."""
    ks: Obj
    if kustomization_file is not None:
        ks = rendering.load_kustomization_file(kustomization_file, name=name,
                                               namespace=namespace)
    elif kube is None:
        raise errors.ConfigError("--dry-run needs --kustomization-file (the cluster is not "
                                 "read in dry-run mode)")
    else:
        ks = await kube.get(kinds.KUSTOMIZATION.api_version, kinds.KUSTOMIZATION.kind, name,
                            namespace)
    objs = await rendering.render_local(ks, path, kube=kube)
    return rendering.mask_secrets(objs)


Name = Annotated[str, typer.Argument(help="The Kustomization name.")]
PathOpt = Annotated[Path, typer.Option("--path", help="Local directory to build.")]
KsFile = Annotated[Path | None, typer.Option(
    "--kustomization-file", help="Read the Kustomization from this YAML file.")]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="Do not contact the cluster (needs --kustomization-file).")]


def build_kustomization(name: Name, path: PathOpt, kustomization_file: KsFile = None,
                        dry_run: DryRun = False) -> None:
    """Build a Kustomization from a local directory, as the controller would (alias: ks)."""
    if dry_run:
        opts = options.current()
        objs = asyncio.run(build_objects(None, name=name, namespace=opts.namespace, path=path,
                                         kustomization_file=kustomization_file))
    else:
        objs = session.run(lambda kube, opts: build_objects(
            kube, name=name, namespace=opts.namespace, path=path,
            kustomization_file=kustomization_file))
    typer.echo(yamlio.dump_all(objs), nl=False)


build_app.command("kustomization")(build_kustomization)
build_app.command("ks", hidden=True)(build_kustomization)
