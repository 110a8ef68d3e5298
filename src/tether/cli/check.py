"""``tether check [--pre]``: can Tether run here, and is it installed? (Flux's output shape.)

Without ``--pre`` the controllers and CRDs are checked too (:mod:`tether.cli.installcheck`).
"""

from __future__ import annotations

import asyncio
import re

import typer

from tether import errors
from tether.cli import installcheck, options, session
from tether.cli.main import app

MIN_KUBERNETES = (1, 30, 0)
"""The oldest Kubernetes minor we support (same floor as Flux 2.7)."""


def parse_version(git_version: str) -> tuple[int, int, int]:
    """``v1.36.3`` / ``v1.30.0-gke.1`` → (1, 36, 3); ConfigError when unparsable."""
    match = re.match(r"^v?(\d+)\.(\d+)\.(\d+)", git_version.strip())
    if not match:
        raise errors.ClusterError(f"cannot parse Kubernetes version {git_version!r}")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


async def _server_version(opts: options.GlobalOptions) -> str:
    kube = opts.connect()
    try:
        info = await kube.version()
    except errors.ClusterError as exc:
        raise errors.ClusterError(
            f"cannot reach the cluster of kubeconfig {kube.source} (context {kube.context}): "
            f"{exc}",
            hint="is the cluster running? (tether dev cluster status)",
        ) from exc
    finally:
        await kube.close()
    return str(info.get("gitVersion", ""))


@app.command()
def check(
    pre: bool = typer.Option(False, "--pre", help="Only run pre-installation checks."),
) -> None:
    """Check requirements and installation status."""
    opts = options.current()
    typer.echo("► checking prerequisites")
    version = parse_version(asyncio.run(_server_version(opts)))
    shown = ".".join(str(v) for v in version)
    floor = ".".join(str(v) for v in MIN_KUBERNETES) + "-0"
    if version < MIN_KUBERNETES:
        typer.echo(f"✗ Kubernetes {shown} <{floor} (Tether needs at least {floor})")
        typer.echo("✗ prerequisites checks failed")
        raise typer.Exit(1)
    typer.echo(f"✔ Kubernetes {shown} >={floor}")
    typer.echo("✔ prerequisites checks passed")
    if not pre:
        lines = session.run(lambda kube, o: installcheck.run(kube, namespace=o.namespace))
        for line in lines:
            typer.echo(str(line))
        if not all(line.ok for line in lines):
            typer.echo("✗ check failed")
            raise typer.Exit(1)
        typer.echo("✔ all checks passed")
