"""``tether demo up | change | down``: the whole GitOps loop on the embedded example.

The demo does exactly what a user following the seed article does, with every part real:
a local control plane (``tether dev cluster``), a loopback smart-HTTP git server holding the
seed's monorepo (``clusters/homelab``, ``infrastructure/{controllers,configs}``,
``apps/{base,homelab}``), ``tether bootstrap git`` against it, and the controller
(``tether controller run``) reconciling it. The user-facing steps run the ``tether`` CLI
itself, so what the demo prints is what the user would see.

State (the git root, the user's working copy, the processes' pids and logs) lives in
``~/.local/state/tether/demo``; ``down`` stops only what ``up`` started.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from tether import errors
from tether.cluster import client
from tether.demo import gitserver
from tether.devcluster import cluster, processes

T = TypeVar("T")

__all__ = ["DemoLayout", "change", "default_root", "down", "owned_processes", "up"]

Progress = Callable[[str], None]

BRANCH = "main"
CLUSTER_PATH = "clusters/homelab"
_KUSTOMIZATIONS = ("flux-system", "infra-controllers", "infra-configs", "apps")


def default_root() -> Path:
    """``~/.local/state/tether/demo``."""
    return Path.home() / ".local" / "state" / "tether" / "demo"


@dataclass(frozen=True)
class DemoLayout:
    """Where the demo keeps its state."""

    root: Path

    @property
    def git_root(self) -> Path:
        """Bare repositories served over HTTP."""
        return self.root / "git"

    @property
    def workdir(self) -> Path:
        """The user's working copy of the monorepo."""
        return self.root / "homelab"

    @property
    def state_file(self) -> Path:
        """Ports and processes."""
        return self.root / "demo.json"

    @property
    def storage(self) -> Path:
        """The controller's artifact storage."""
        return self.root / "artifacts"


# ----------------------------------------------------------------------------- helpers
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _git(*args: str, cwd: Path) -> str:
    env_args = ["-c", "user.name=Tether Demo", "-c", "user.email=demo@tether.invalid",
                "-c", "init.defaultBranch=main", "-c", "advice.detachedHead=false"]
    result = subprocess.run(["git", *env_args, *args], cwd=cwd, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr.strip() or result.stdout.strip()).splitlines()
        raise errors.GitOpsError(f"git {' '.join(args)} failed: "
                                 f"{detail[-1] if detail else f'exit {result.returncode}'}")
    return result.stdout.strip()


def _tether(*args: str, kubeconfig: str, check: bool = True,
            echo: Progress | None = None) -> str:
    """Run the tether CLI as the user would, streaming its output to ``echo``."""
    argv = [sys.executable, "-m", "tether", "--kubeconfig", kubeconfig, *args]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    output = (result.stdout + result.stderr).rstrip()
    if echo is not None and output:
        for line in output.splitlines():
            echo(line)
    if check and result.returncode != 0:
        last = output.splitlines()[-1] if output else f"exit {result.returncode}"
        raise errors.GitOpsError(f"`tether {' '.join(args)}` failed: {last}")
    return output


def _wait_http(url: str, *, proc: processes.Proc, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not processes.alive(proc):
            raise errors.GitOpsError(f"{proc.name} exited: {processes.last_log_lines(proc)}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answers: good enough
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise errors.GitOpsError(f"{proc.name} did not answer at {url} within {timeout:.0f}s")


def _with_kube(kubeconfig: str, action: Callable[[client.KubeClient], Awaitable[T]]) -> T:
    """Run one async action against the dev cluster from synchronous code."""

    async def run() -> T:
        kube = client.KubeClient.connect(kubeconfig_path=kubeconfig, context=cluster.CONTEXT)
        try:
            return await action(kube)
        finally:
            await kube.close()

    return asyncio.run(run())


def _load(layout: DemoLayout) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(layout.state_file.read_text())
    except FileNotFoundError:
        return {}
    return data


def owned_processes(root: Path) -> list[processes.Proc]:
    """The processes (git server, controller) ``up`` recorded as its own."""
    return [processes.Proc.from_dict(p) for p in _load(DemoLayout(root)).get("processes", [])]


def _save(layout: DemoLayout, state: dict[str, Any]) -> None:
    layout.state_file.write_text(json.dumps(state, indent=2))


# ----------------------------------------------------------------------------- phases
def _seed_repository(layout: DemoLayout, *, url: str) -> None:
    """Create the bare repo, fill the user's working copy with the example, push."""
    gitserver.init_bare(layout.git_root, "homelab.git", branch=BRANCH)
    _git("clone", "--quiet", url, str(layout.workdir), cwd=layout.root)
    example = resources.files("tether.demo").joinpath("example")
    with resources.as_file(example) as source:
        shutil.copytree(source, layout.workdir, dirs_exist_ok=True)
    _git("add", "-A", cwd=layout.workdir)
    _git("commit", "--quiet", "-m", "Add the homelab monorepo (seed layout)", cwd=layout.workdir)
    _git("push", "--quiet", "origin", f"HEAD:{BRANCH}", cwd=layout.workdir)


def _start_services(layout: DemoLayout, *, kubeconfig: str, progress: Progress,
                    ) -> dict[str, Any]:
    git_port, storage_port = _free_port(), _free_port()
    state: dict[str, Any] = {"git_port": git_port, "storage_port": storage_port,
                             "processes": []}
    _save(layout, state)
    git = processes.start("git-server", [
        sys.executable, "-m", "tether.demo.gitserver", "--root", str(layout.git_root),
        "--port", str(git_port)], cwd=layout.root, logs=layout.root / "logs")
    state["processes"].append(git.to_dict())
    _save(layout, state)
    _wait_http(f"http://127.0.0.1:{git_port}/", proc=git, timeout=20)
    progress(f"✔ git server at http://127.0.0.1:{git_port}/homelab.git")
    controller = processes.start("controller", [
        sys.executable, "-m", "tether", "--kubeconfig", kubeconfig, "controller", "run",
        "--storage-path", str(layout.storage),
        "--storage-addr", f"127.0.0.1:{storage_port}",
        "--storage-adv-addr", f"127.0.0.1:{storage_port}",
        "--health-addr", f"127.0.0.1:{_free_port()}",
        "--metrics-addr", f"127.0.0.1:{_free_port()}"],
        cwd=layout.root, logs=layout.root / "logs")
    state["processes"].append(controller.to_dict())
    _save(layout, state)
    progress(f"✔ controller running (logs: {controller.log})")
    return state


async def _ready_kustomizations(kube: client.KubeClient) -> set[str]:
    items, _ = await kube.list("kustomize.toolkit.fluxcd.io/v1", "Kustomization",
                               namespace="flux-system")
    return {item["metadata"]["name"] for item in items
            if any(c.get("type") == "Ready" and c.get("status") == "True"
                   for c in (item.get("status") or {}).get("conditions") or [])}


def _wait_all_ready(*, kubeconfig: str, timeout: float, progress: Progress) -> None:
    start = time.monotonic()
    seen: set[str] = set()
    while time.monotonic() - start < timeout:
        ready = _with_kube(kubeconfig, _ready_kustomizations)
        for name in sorted(ready - seen):
            progress(f"✔ Kustomization {name} Ready ({time.monotonic() - start:.0f}s)")
        seen |= ready
        if seen >= set(_KUSTOMIZATIONS):
            return
        time.sleep(1)
    missing = ", ".join(sorted(set(_KUSTOMIZATIONS) - seen))
    raise errors.GitOpsError(f"not Ready after {timeout:.0f}s: {missing}",
                             hint="run `tether get ks` and `tether events` to see why")


def up(*, root: Path, cluster_dir: Path, progress: Progress,
       timeout: float = 300.0) -> dict[str, Any]:
    """Bring the whole loop up; return the demo state (ports, paths)."""
    layout = DemoLayout(root)
    if layout.state_file.exists():
        down(root=root, cluster_dir=cluster_dir, progress=progress, keep_cluster=True)
    dev = cluster.up(cluster.Layout(cluster_dir), progress=progress)
    kubeconfig = dev.kubeconfig
    layout.root.mkdir(parents=True, exist_ok=True)
    state = _start_services(layout, kubeconfig=kubeconfig, progress=progress)
    url = f"http://127.0.0.1:{state['git_port']}/homelab.git"
    _seed_repository(layout, url=url)
    progress(f"✔ pushed the homelab monorepo to {url}")
    _tether("bootstrap", "git", f"--url={url}", f"--branch={BRANCH}",
            f"--path={CLUSTER_PATH}", "--silent", kubeconfig=kubeconfig, echo=progress)
    _git("pull", "--quiet", "--ff-only", cwd=layout.workdir)
    _wait_all_ready(kubeconfig=kubeconfig, timeout=timeout, progress=progress)
    state.update({"url": url, "kubeconfig": kubeconfig, "workdir": str(layout.workdir)})
    _save(layout, state)
    return state


def show_tables(*, kubeconfig: str, echo: Progress) -> None:
    """Print ``tether get sources git`` and ``tether get ks`` as the user would run them."""
    echo("$ tether get sources git")
    _tether("get", "sources", "git", kubeconfig=kubeconfig, echo=echo)
    echo("$ tether get kustomizations")
    _tether("get", "kustomizations", kubeconfig=kubeconfig, echo=echo)


def change(*, root: Path, progress: Progress, timeout: float = 120.0) -> None:
    """Commit an overlay change and a file removal; show them applied and pruned."""
    layout = DemoLayout(root)
    state = _load(layout)
    if not state:
        raise errors.GitOpsError("no demo running", hint="run `tether demo up` first")
    kubeconfig = str(state["kubeconfig"])
    work = layout.workdir
    _git("pull", "--quiet", "--ff-only", cwd=work)
    tag, replicas = _bump_overlay(work / "apps" / "homelab" / "kustomization.yml")
    _commit_and_sync(work, message=f"apps/homelab: podinfo {tag}, {replicas} replicas",
                     kubeconfig=kubeconfig, timeout=timeout, progress=progress)
    progress("$ kubectl -n hello get deployment hello   # image, replicas")
    _show_deployment(kubeconfig=kubeconfig, echo=progress)
    configs = work / "infrastructure" / "configs"
    config_file = configs / "ingress-config.yaml"
    if config_file.exists():
        config_file.unlink()
        (configs / "kustomization.yml").write_text(_EMPTY_KUSTOMIZATION)
        _commit_and_sync(work, message="infrastructure/configs: remove ingress-config",
                         kubeconfig=kubeconfig, timeout=timeout, progress=progress)
    else:  # a second `demo change` brings the file back
        example = resources.files("tether.demo").joinpath("example/infrastructure/configs")
        for name in ("ingress-config.yaml", "kustomization.yml"):
            (configs / name).write_text(example.joinpath(name).read_text())
        _git("add", "-A", cwd=work)
        _commit_and_sync(work, message="infrastructure/configs: restore ingress-config",
                         kubeconfig=kubeconfig, timeout=timeout, progress=progress)
    _show_pruned(kubeconfig=kubeconfig, echo=progress)


_EMPTY_KUSTOMIZATION = (
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n"
)


def _bump_overlay(overlay: Path) -> tuple[str, int]:
    """Raise the overlay's image tag by one patch release and its replicas by one (2..5)."""
    text = overlay.read_text()
    tag_match = re.search(r"newTag: (\d+)\.(\d+)\.(\d+)", text)
    replicas_match = re.search(r"value: (\d+)", text)
    if tag_match is None or replicas_match is None:
        raise errors.GitOpsError(f"{overlay}: no `newTag:` or replicas `value:` to change")
    major, minor, patch = (int(g) for g in tag_match.groups())
    tag = f"{major}.{minor}.{patch + 1}"
    replicas = int(replicas_match.group(1)) % 5 + 1 if int(replicas_match.group(1)) < 5 else 2
    text = text.replace(tag_match.group(0), f"newTag: {tag}")
    text = text.replace(replicas_match.group(0), f"value: {replicas}")
    overlay.write_text(text)
    return tag, replicas


def _commit_and_sync(work: Path, *, message: str, kubeconfig: str, timeout: float,
                     progress: Progress) -> None:
    """Commit and push, ask for a source reconcile, wait until every Kustomization applied it."""
    _git("commit", "--quiet", "-am", message, cwd=work)
    _git("push", "--quiet", cwd=work)
    sha = _git("rev-parse", "HEAD", cwd=work)
    progress(f"✔ pushed {sha[:7]}: {message}")
    progress("$ tether reconcile source git flux-system")
    _tether("reconcile", "source", "git", "flux-system", kubeconfig=kubeconfig, echo=progress)
    revision = f"{BRANCH}@sha1:{sha}"
    deadline = time.monotonic() + timeout
    while any(_with_kube(kubeconfig, _applied_revisions).get(name) != revision
              for name in _KUSTOMIZATIONS):  # the demo's own; the user may add more
        if time.monotonic() > deadline:
            raise errors.GitOpsError(f"revision {revision} not applied within {timeout:.0f}s",
                                     hint="run `tether get ks` to see why")
        time.sleep(0.5)
    progress("$ tether get kustomizations")
    _tether("get", "kustomizations", kubeconfig=kubeconfig, echo=progress)


async def _applied_revisions(kube: client.KubeClient) -> dict[str, str]:
    items, _ = await kube.list("kustomize.toolkit.fluxcd.io/v1", "Kustomization",
                               namespace="flux-system")
    return {item["metadata"]["name"]: str((item.get("status") or {})
                                          .get("lastAppliedRevision", ""))
            for item in items}


def _show_deployment(*, kubeconfig: str, echo: Progress) -> None:
    obj = _with_kube(kubeconfig, lambda kube: kube.get("apps/v1", "Deployment", "hello",
                                                       "hello"))
    image = obj["spec"]["template"]["spec"]["containers"][0]["image"]
    echo(f"  image={image} replicas={obj['spec']['replicas']} "
         f"ready={obj.get('status', {}).get('readyReplicas', 0)}")


def _show_pruned(*, kubeconfig: str, echo: Progress) -> None:
    left = _with_kube(kubeconfig, lambda kube: kube.get_or_none("v1", "ConfigMap",
                                                                "ingress-config", "ingress"))
    echo("✔ ConfigMap ingress/ingress-config pruned (removed from Git)" if left is None
         else "✔ ConfigMap ingress/ingress-config present (it is in Git)")


def down(*, root: Path, cluster_dir: Path, progress: Progress,
         keep_cluster: bool = False) -> None:
    """Stop the git server and controller, remove the demo state, stop the dev cluster."""
    layout = DemoLayout(root)
    stopped = processes.stop(owned_processes(root))
    if stopped:
        progress(f"✔ stopped {', '.join(stopped)}")
    shutil.rmtree(layout.root, ignore_errors=True)
    if not keep_cluster:
        cluster.down(cluster.Layout(cluster_dir))
        progress("✔ dev cluster removed")
