"""``tether dev``: the local development control plane and its binaries."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from tether.cli.main import app
from tether.devcluster import binaries, cluster

dev_app = typer.Typer(help="Local development tools: a real control plane without Docker.",
                      no_args_is_help=True)
cluster_app = typer.Typer(help="A real local Kubernetes control plane on 127.0.0.1.",
                          no_args_is_help=True)
dev_app.add_typer(cluster_app, name="cluster")
app.add_typer(dev_app, name="dev")

_STATE_DIR = typer.Option(
    None, "--state-dir", envvar="TETHER_DEV_CLUSTER_DIR",
    help="Where the cluster keeps its state (default ~/.local/state/tether/dev-cluster).",
)


def _progress() -> cluster.Progress:
    start = time.monotonic()

    def report(line: str) -> None:
        typer.echo(f"{line}  [{time.monotonic() - start:.0f}s]")

    return report


def _layout(state_dir: Path | None) -> cluster.Layout:
    return cluster.Layout(state_dir or cluster.default_state_dir())


@dev_app.command("binaries")
def build_binaries() -> None:
    """Build (once) and cache kube-apiserver, etcd, kwok, kubectl and kustomize."""
    bins = binaries.ensure(progress=_progress())
    typer.echo(f"✔ binaries ready in {binaries.cache_root()}")
    for path in bins.all():
        typer.echo(f"  {path}")


@cluster_app.command("up")
def cluster_up(state_dir: Path | None = _STATE_DIR) -> None:
    """Start the cluster (reusing a running one) and print how to use it."""
    layout = _layout(state_dir)
    result = cluster.up(layout, progress=_progress())
    typer.echo(f"✔ dev cluster ready: Kubernetes v{result.version} at {result.server}")
    typer.echo(f"  export KUBECONFIG={result.kubeconfig}   # context {cluster.CONTEXT}")


@cluster_app.command("down")
def cluster_down(state_dir: Path | None = _STATE_DIR) -> None:
    """Stop what `up` started and remove its state."""
    stopped = cluster.down(_layout(state_dir))
    if stopped:
        typer.echo(f"✔ stopped {', '.join(stopped)}")
    typer.echo("✔ dev cluster removed")


@cluster_app.command("status")
def cluster_status(state_dir: Path | None = _STATE_DIR) -> None:
    """Say what runs; exit 1 unless the cluster is healthy."""
    result = cluster.status(_layout(state_dir))
    if not result.exists:
        typer.echo("✗ no dev cluster (start one with `tether dev cluster up`)")
        raise typer.Exit(1)
    for name, alive in result.components.items():
        typer.echo(f"{'✔' if alive else '✗'} {name} {'running' if alive else 'not running'}")
    typer.echo(f"{'✔' if result.api_ready else '✗'} API {result.server} "
               f"{'ready' if result.api_ready else 'not ready'}")
    typer.echo(f"  kubeconfig: {result.kubeconfig}")
    if not result.healthy:
        typer.echo("✗ dev cluster is not healthy (run `tether dev cluster up` to restart it)")
        raise typer.Exit(1)


@cluster_app.command("kubeconfig")
def cluster_kubeconfig(state_dir: Path | None = _STATE_DIR) -> None:
    """Print the kubeconfig path."""
    typer.echo(str(_layout(state_dir).kubeconfig))
