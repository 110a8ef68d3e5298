"""``tether dev cluster``: a real, Docker-free Kubernetes control plane on 127.0.0.1.

etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (fake nodes whose
pods really become Running/Ready) are started by us, one process each, with state in one
directory: ``state.json`` (ports, pids with start times), ``pki/``, ``logs/``, ``etcd/``
and ``kubeconfig`` (context ``tether-dev``). We supervise the processes ourselves rather
than through kwokctl so that every failure names the component and its last log line, and
so that ``down`` only ever stops the processes recorded as ours.

``up`` is idempotent: a healthy running cluster is reused; a stale or half-started one (a
crash, a killed apiserver) is stopped and started afresh. Every failure is a
``DevClusterError`` with a hint.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tether import errors
from tether.cluster import client
from tether.devcluster import binaries, pki, processes

__all__ = [
    "CONTEXT",
    "ClusterStatus",
    "Layout",
    "default_state_dir",
    "down",
    "owned_processes",
    "status",
    "up",
]

CONTEXT = "tether-dev"
NODE_COUNT = 2
_MARKER = ".tether-dev-cluster"
_COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")

Progress = Callable[[str], None]


def default_state_dir() -> Path:
    """``~/.local/state/tether/dev-cluster``."""
    return Path.home() / ".local" / "state" / "tether" / "dev-cluster"


@dataclass(frozen=True)
class Layout:
    """Where one dev cluster keeps its state."""

    root: Path

    @property
    def state_file(self) -> Path:
        """The JSON record of ports and processes."""
        return self.root / "state.json"

    @property
    def kubeconfig(self) -> Path:
        """The admin kubeconfig (context ``tether-dev``)."""
        return self.root / "kubeconfig"

    @property
    def logs(self) -> Path:
        """One log file per component."""
        return self.root / "logs"

    @property
    def pki(self) -> Path:
        """Certificates and keys."""
        return self.root / "pki"


@dataclass
class ClusterStatus:
    """What runs: each component's liveness, the API's readiness, the kubeconfig."""

    exists: bool
    components: dict[str, bool] = field(default_factory=dict)
    api_ready: bool = False
    server: str = ""
    kubeconfig: str = ""
    version: str = ""

    @property
    def healthy(self) -> bool:
        """Every component alive and the API ready."""
        return self.exists and self.api_ready and all(self.components.values()) and \
            set(self.components) == set(_COMPONENTS)


# --------------------------------------------------------------------------- state file
def _load_state(layout: Layout) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(layout.state_file.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise errors.DevClusterError(
            f"dev cluster state {layout.state_file} is unreadable: {exc}",
            hint=f"stop any leftover processes and remove {layout.root}",
        ) from exc
    return data


def _procs(state: dict[str, Any] | None) -> list[processes.Proc]:
    return [processes.Proc.from_dict(p) for p in (state or {}).get("processes", [])]


def _save_state(layout: Layout, state: dict[str, Any]) -> None:
    tmp = layout.state_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(layout.state_file)


# --------------------------------------------------------------------------- probes
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _https_context(layout: Layout, *, client_cert: bool) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(layout.pki / "ca.crt"))
    if client_cert:
        ctx.load_cert_chain(str(layout.pki / "admin.crt"), str(layout.pki / "admin.key"))
    return ctx


def _probe(url: str, ctx: ssl.SSLContext | None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2, context=ctx) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _insecure() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _wait_healthy(proc: processes.Proc, *, url: str, ctx: ssl.SSLContext | None,
                  timeout: float, progress: Progress) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if not processes.alive(proc):
            raise _died(proc)
        if _probe(url, ctx):
            progress(f"✔ {proc.name} ready ({time.monotonic() - start:.1f}s)")
            return
        time.sleep(0.2)
    raise errors.DevClusterError(
        f"{proc.name} did not become healthy within {timeout:.0f}s: "
        f"{processes.last_log_lines(proc)}",
        hint=f"see {proc.log}",
    )


def _died(proc: processes.Proc) -> errors.DevClusterError:
    tail = processes.last_log_lines(proc)
    hint = f"see {proc.log}"
    if "address already in use" in tail:
        hint = "a port was taken by another program; run `tether dev cluster up` again"
    return errors.DevClusterError(f"{proc.name} exited during start-up: {tail}", hint=hint)


# --------------------------------------------------------------------------- public API
def owned_processes(layout: Layout) -> list[processes.Proc]:
    """The processes ``up`` recorded as its own (alive or not)."""
    return _procs(_load_state(layout))


def status(layout: Layout) -> ClusterStatus:
    """Report what runs, without changing anything."""
    state = _load_state(layout)
    if state is None:
        return ClusterStatus(exists=False)
    result = ClusterStatus(exists=True, kubeconfig=str(layout.kubeconfig),
                           server=f"https://127.0.0.1:{state['ports']['apiserver']}",
                           version=str(state.get("kubernetes", "")))
    for proc in _procs(state):
        result.components[proc.name] = processes.alive(proc)
    if result.components.get("kube-apiserver"):
        result.api_ready = _probe(f"{result.server}/readyz",
                                  _https_context(layout, client_cert=True))
    return result


def down(layout: Layout) -> list[str]:
    """Stop the processes ``up`` started and remove the state. Returns what was stopped."""
    if not layout.root.exists():
        return []
    if not (layout.root / _MARKER).exists():
        raise errors.DevClusterError(
            f"{layout.root} exists but was not made by tether; refusing to touch it",
            hint="remove it yourself if it is safe to",
        )
    stopped = processes.stop(_procs(_load_state(layout)))
    shutil.rmtree(layout.root, ignore_errors=True)
    return stopped


def up(layout: Layout, *, progress: Progress, timeout: float = 180.0) -> ClusterStatus:
    """Start the dev cluster (or reuse a healthy running one); return its status."""
    current = status(layout)
    if current.healthy:
        progress(f"✔ dev cluster already running at {current.server}")
        return current
    if layout.root.exists():
        if current.exists:
            progress("► found a stale or half-started dev cluster; restarting it")
        down(layout)
    bins = binaries.ensure(progress=progress)
    layout.root.mkdir(parents=True)
    (layout.root / _MARKER).write_text("made by `tether dev cluster up`\n")
    try:
        _start_all(layout, bins=bins, progress=progress, timeout=timeout)
    except BaseException:
        # Leave nothing half-running behind; keep the logs for the error message's hint.
        processes.stop(_procs(_load_state(layout)))
        raise
    return status(layout)


def _start_all(layout: Layout, *, bins: binaries.Binaries, progress: Progress,
               timeout: float) -> None:
    ports = {n: _free_port() for n in ("etcd", "etcd_peer", "apiserver", "kcm", "scheduler",
                                        "kwok")}
    state: dict[str, Any] = {"kubernetes": binaries.KUBERNETES_VERSION, "ports": ports,
                             "processes": []}
    _save_state(layout, state)
    progress("► generating certificates")
    keys = pki.create(layout.pki)
    _write_kubeconfig(layout, keys=keys, port=ports["apiserver"])
    stages = layout.root / "kwok-stages.yaml"
    stages.write_text(resources.files("tether.devcluster").joinpath("stages.yaml").read_text())

    def launch(name: str, argv: list[str]) -> processes.Proc:
        proc = processes.start(name, argv, cwd=layout.root, logs=layout.logs)
        state["processes"].append(proc.to_dict())
        _save_state(layout, state)
        if not processes.alive(proc):
            raise _died(proc)
        return proc

    argv = _argv(layout, bins=bins, keys=keys, ports=ports, stages=stages)
    etcd = launch("etcd", argv["etcd"])
    _wait_healthy(etcd, url=f"http://127.0.0.1:{ports['etcd']}/health", ctx=None,
                  timeout=timeout, progress=progress)
    api = launch("kube-apiserver", argv["kube-apiserver"])
    _wait_healthy(api, url=f"https://127.0.0.1:{ports['apiserver']}/readyz",
                  ctx=_https_context(layout, client_cert=True), timeout=timeout,
                  progress=progress)
    for name, port in (("kube-controller-manager", "kcm"), ("kube-scheduler", "scheduler")):
        proc = launch(name, argv[name])
        _wait_healthy(proc, url=f"https://127.0.0.1:{ports[port]}/healthz", ctx=_insecure(),
                      timeout=timeout, progress=progress)
    launch("kwok", argv["kwok"])
    asyncio.run(_settle(layout, timeout=timeout, progress=progress))


def _argv(layout: Layout, *, bins: binaries.Binaries, keys: pki.Pki, ports: dict[str, int],
          stages: Path) -> dict[str, list[str]]:
    kc = str(layout.kubeconfig)
    auth = [f"--kubeconfig={kc}", f"--authentication-kubeconfig={kc}",
            f"--authorization-kubeconfig={kc}",
            "--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics",
            "--bind-address=127.0.0.1", "--leader-elect=false"]
    etcd_url = f"http://127.0.0.1:{ports['etcd']}"
    peer_url = f"http://127.0.0.1:{ports['etcd_peer']}"
    return {
        "etcd": [str(bins.etcd), "--name=node0", f"--data-dir={layout.root / 'etcd'}",
                 f"--listen-client-urls={etcd_url}", f"--advertise-client-urls={etcd_url}",
                 f"--listen-peer-urls={peer_url}", f"--initial-advertise-peer-urls={peer_url}",
                 f"--initial-cluster=node0={peer_url}", "--unsafe-no-fsync=true",
                 "--auto-compaction-retention=1", "--quota-backend-bytes=4294967296"],
        "kube-apiserver": [
            str(bins.kube_apiserver), f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
            f"--secure-port={ports['apiserver']}", f"--tls-cert-file={keys.server_cert}",
            f"--tls-private-key-file={keys.server_key}", f"--client-ca-file={keys.ca_cert}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={keys.sa_pub}",
            f"--service-account-signing-key-file={keys.sa_key}",
            "--service-cluster-ip-range=10.0.0.0/24", "--authorization-mode=Node,RBAC",
            "--allow-privileged=true", "--endpoint-reconciler-type=none",
            f"--cert-dir={layout.root / 'apiserver-certs'}", "--profiling=false",
        ],
        "kube-controller-manager": [
            str(bins.kube_controller_manager), *auth, f"--secure-port={ports['kcm']}",
            f"--root-ca-file={keys.ca_cert}",
            f"--service-account-private-key-file={keys.sa_key}",
            "--node-monitor-grace-period=3m20s", "--profiling=false",
        ],
        "kube-scheduler": [str(bins.kube_scheduler), *auth,
                           f"--secure-port={ports['scheduler']}", "--profiling=false"],
        "kwok": [str(bins.kwok), f"--kubeconfig={kc}", "--manage-all-nodes=true",
                 f"--config={stages}", f"--server-address=127.0.0.1:{ports['kwok']}",
                 f"--tls-cert-file={keys.server_cert}",
                 f"--tls-private-key-file={keys.server_key}", "--node-ip=10.200.0.1",
                 "--node-lease-duration-seconds=40"],
    }


def _write_kubeconfig(layout: Layout, *, keys: pki.Pki, port: int) -> None:
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": CONTEXT,
        "clusters": [{"name": CONTEXT, "cluster": {
            "server": f"https://127.0.0.1:{port}", "certificate-authority": str(keys.ca_cert)}}],
        "users": [{"name": CONTEXT, "user": {
            "client-certificate": str(keys.admin_cert), "client-key": str(keys.admin_key)}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT}}],
    }
    layout.kubeconfig.write_text(json.dumps(config, indent=2))
    layout.kubeconfig.chmod(0o600)


def _node(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name,
                     "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                                     "kwok.x-k8s.io/node": "fake"},
                     "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                "kubernetes.io/arch": "amd64", "type": "kwok"}},
        "status": {"allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110"},
                   "capacity": {"cpu": "32", "memory": "256Gi", "pods": "110"}},
    }


async def _settle(layout: Layout, *, timeout: float, progress: Progress) -> None:
    """Create the fake nodes, then wait for them to be Ready and for ``default/default``."""
    kube = client.KubeClient.connect(kubeconfig_path=str(layout.kubeconfig), context=CONTEXT)
    try:
        for i in range(NODE_COUNT):
            name = f"tether-node-{i}"
            if await kube.get_or_none("v1", "Node", name) is None:
                await kube.create(_node(name))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            nodes, _ = await kube.list("v1", "Node")
            ready = [n for n in nodes if any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in (n.get("status") or {}).get("conditions") or [])]
            sa = await kube.get_or_none("v1", "ServiceAccount", "default", "default")
            if len(ready) >= NODE_COUNT and sa is not None:
                progress(f"✔ {len(ready)} kwok nodes Ready")
                return
            await asyncio.sleep(0.25)
        raise errors.DevClusterError(
            f"the fake nodes did not become Ready within {timeout:.0f}s",
            hint=f"see {layout.logs / 'kwok.log'}",
        )
    finally:
        await kube.close()
