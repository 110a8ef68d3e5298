"""``tether demo``: one command to a whole GitOps loop on the embedded example."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from tether.cli.main import app
from tether.demo import run
from tether.devcluster import cluster

demo_app = typer.Typer(help="A complete GitOps loop on a local cluster and git server.",
                       no_args_is_help=True)
app.add_typer(demo_app, name="demo")

_ROOT = typer.Option(None, "--state-dir", envvar="TETHER_DEMO_DIR",
                     help="Where the demo keeps its state (default ~/.local/state/tether/demo).")
_CLUSTER = typer.Option(
    None, "--cluster-dir", envvar="TETHER_DEV_CLUSTER_DIR",
    help="The dev cluster's state directory (default ~/.local/state/tether/dev-cluster).")


def _progress() -> run.Progress:
    start = time.monotonic()

    def report(line: str) -> None:
        stamp = f"  [{time.monotonic() - start:.0f}s]" if line[:1] in "►✔◎" else ""
        typer.echo(f"{line}{stamp}")

    return report


@demo_app.command("up")
def demo_up(state_dir: Path | None = _ROOT, cluster_dir: Path | None = _CLUSTER) -> None:
    """Cluster + git server + bootstrap + controller; wait until every Kustomization is Ready."""
    root = state_dir or run.default_root()
    state = run.up(root=root, cluster_dir=cluster_dir or cluster.default_state_dir(),
                   progress=_progress())
    kubeconfig = str(state["kubeconfig"])
    run.show_tables(kubeconfig=kubeconfig, echo=typer.echo)
    typer.echo(f"""
Next steps:
  export KUBECONFIG={kubeconfig}
  cd {state['workdir']}          # your clone of {state['url']}
  # edit apps/homelab/kustomization.yml (image tag, replicas), then:
  git commit -am "change" && git push
  tether reconcile source git flux-system && tether get kustomizations
  tether demo change               # or let the demo commit a change and a removal for you
  tether demo down                 # stop everything and remove the state""")


@demo_app.command("change")
def demo_change(state_dir: Path | None = _ROOT) -> None:
    """Commit an overlay change and a file removal; show them applied and pruned."""
    run.change(root=state_dir or run.default_root(), progress=_progress())


@demo_app.command("down")
def demo_down(state_dir: Path | None = _ROOT, cluster_dir: Path | None = _CLUSTER) -> None:
    """Stop the git server, the controller and the dev cluster; remove the demo state."""
    run.down(root=state_dir or run.default_root(),
             cluster_dir=cluster_dir or cluster.default_state_dir(), progress=_progress())
