"""``tether controller run``: the GitOps controllers and the artifact server in one process.

The CLI builds :class:`tether.controller.daemon.Settings` from flags (the only place that
reads the environment), configures structured JSON logs (structlog), connects to the
cluster (``--kubeconfig``, else the in-cluster service account), installs SIGTERM/SIGINT
handlers that request a graceful shutdown, and restores them afterwards. Other reconcilers
join the process by exposing ``setup_daemon(daemon)`` in their module (see ``_setups``).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import structlog
import typer

from tether import errors
from tether.cli import options
from tether.cli.main import app
from tether.cluster import client
from tether.controller import daemon

controller_app = typer.Typer(name="controller", help="Run the Tether controllers.",
                             no_args_is_help=True)
app.add_typer(controller_app)


def configure_logging(level: str, *, encoding: str = "json") -> None:
    """JSON lines (or console lines) on stderr: timestamp, level, event and bound fields."""
    numeric = getattr(logging, level.upper(), None)
    if not isinstance(numeric, int):
        raise errors.ConfigError(f"--log-level {level!r}: use debug, info, warning or error")
    if encoding not in ("json", "console"):
        raise errors.ConfigError(f"--log-encoding {encoding!r}: use json or console")
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if encoding == "json"
        else structlog.dev.ConsoleRenderer(colors=False))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )


def _setups() -> list[Callable[[daemon.Daemon], None]]:
    """Reconcilers that join the process besides GitRepository (if their module offers it)."""
    setups = []
    for module_name in ("tether.controller.kustomization",):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        setup = getattr(module, "setup_daemon", None)
        if callable(setup):
            setups.append(setup)
    return setups


async def _serve(settings: daemon.Settings, kube: client.KubeClient) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        await daemon.Daemon(kube, settings, setups=_setups()).run(stop)
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        await kube.close()


@controller_app.command("run")
def run(
    concurrent: int = typer.Option(2, "--concurrent", min=1,
                                   help="Concurrent reconciles per controller."),
    storage_path: str = typer.Option("/data", "--storage-path",
                                      help="Directory for artifacts."),
    storage_addr: str = typer.Option(":9090", "--storage-addr",
                                     help="Listen address of the artifact server."),
    storage_adv_addr: str | None = typer.Option(
        None, "--storage-adv-addr",
        help="Host[:port] put in artifact URLs (default: the bound storage address)."),
    health_addr: str = typer.Option(":9440", "--health-addr",
                                    help="Listen address of /healthz and /readyz."),
    metrics_addr: str = typer.Option(":8080", "--metrics-addr",
                                     help="Listen address of /metrics."),
    watch_all_namespaces: bool = typer.Option(
        True, "--watch-all-namespaces/--watch-namespace-only",
        help="Watch every namespace, or only the one of --namespace."),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning, error."),
    log_encoding: str = typer.Option("json", "--log-encoding", help="json or console."),
    leader_election: bool = typer.Option(
        False, "--enable-leader-election",
        help="Reconcile only while holding a Lease (run several replicas safely)."),
) -> None:
    """Run the GitRepository controller and the artifact server until SIGTERM/SIGINT."""
    opts = options.current()
    configure_logging(log_level, encoding=log_encoding)
    # In a pod, the Lease lives in the controller's own namespace (downward API), as Flux's.
    lease_namespace = os.environ.get("RUNTIME_NAMESPACE") or opts.namespace
    settings = daemon.Settings(
        storage_path=Path(storage_path), storage_addr=storage_addr,
        storage_adv_addr=storage_adv_addr,
        health_addr=health_addr, metrics_addr=metrics_addr, concurrent=concurrent,
        namespace=None if watch_all_namespaces else opts.namespace,
        leader_election=leader_election, leader_election_namespace=lease_namespace,
    )
    kube = opts.connect()
    asyncio.run(_serve(settings, kube))
