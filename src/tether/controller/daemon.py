"""The controller process: startup → main_loop → shutdown (uvicorn's ``Server`` shape).

Design: :class:`Daemon` wires one :class:`~tether.controller.runtime.Manager`, the
artifact storage and the three HTTP listeners (artifacts, probes, metrics) from explicit
:class:`Settings`; the CLI builds Settings and a KubeClient and owns signals. Extra
reconcilers (the Kustomization controller) join through ``setups``: callables run at
startup with the :class:`Daemon`, before the manager starts, e.g.
``Daemon(kube, settings, setups=[kustomization.setup_daemon])``. Shutdown stops handing out
work, lets running reconciles finish within ``grace`` seconds, then closes listeners.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

from tether.api import source
from tether.cluster import client
from tether.controller import events, gitrepository, runtime
from tether.server import app as server_app
from tether.source import storage as storage_mod

__all__ = ["Daemon", "Settings"]

log = structlog.get_logger("tether.daemon")


@dataclass(frozen=True)
class Settings:
    """Flags of ``tether controller run`` (defaults as source-controller's)."""

    storage_path: Path
    storage_addr: str = ":9090"
    storage_adv_addr: str | None = None
    health_addr: str = ":9440"
    metrics_addr: str = ":8080"
    concurrent: int = 2
    namespace: str | None = None
    """Watch only this namespace; None watches all namespaces."""
    grace: float = 30.0
    sync_timeout: float = 60.0


class Daemon:
    """The long-running controller; usable in-process by tests."""

    def __init__(self, kube: client.KubeClient, settings: Settings, *,
                 setups: Sequence[Callable[[Daemon], None]] = ()) -> None:
        self.kube = kube
        self.settings = settings
        self.setups = list(setups)
        self.manager = runtime.Manager(kube, namespace=settings.namespace)
        self.storage: storage_mod.Storage | None = None
        self.listeners: dict[str, server_app.Listener] = {}
        self.gitrepositories: runtime.Controller | None = None

    async def startup(self) -> None:
        """Open listeners, build the reconcilers, start informers and workers."""
        s = self.settings
        s.storage_path.mkdir(parents=True, exist_ok=True)
        self.listeners["storage"] = await server_app.serve(
            server_app.artifact_app(s.storage_path), s.storage_addr)
        self.listeners["health"] = await server_app.serve(
            server_app.health_app(lambda: self.manager.ready), s.health_addr)
        self.listeners["metrics"] = await server_app.serve(
            server_app.metrics_app(self.manager.metrics.registry), s.metrics_addr)
        bound = self.listeners["storage"]
        host = "127.0.0.1" if bound.host in ("0.0.0.0", "", "::") else bound.host
        advertised = s.storage_adv_addr or f"{host}:{bound.port}"
        self.storage = storage_mod.Storage(s.storage_path, advertised=advertised)
        reconciler = gitrepository.GitRepositoryReconciler(
            self.kube, storage=self.storage,
            recorder=events.Recorder(self.kube, component="source-controller"))
        self.gitrepositories = gitrepository.setup(self.manager, reconciler,
                                                   concurrent=s.concurrent)
        for setup in self.setups:
            setup(self)
        await self.manager.start()
        log.info("controller started", storage=str(s.storage_path), advertised=advertised,
                 namespace=s.namespace or "*", concurrent=s.concurrent,
                 **{f"{k}_port": v.port for k, v in self.listeners.items()})

    async def main_loop(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set."""
        if await self.manager.wait_synced(self.settings.sync_timeout):
            assert self.storage is not None
            swept = gitrepository.sweep_storage(
                self.storage, self.manager.informer(source.API_VERSION, source.KIND))
            if swept:
                log.info("removed artifacts of deleted objects", objects=swept)
        else:
            log.warning("informers not synced yet; continuing",
                        timeout=self.settings.sync_timeout)
        await stop.wait()

    async def shutdown(self) -> None:
        """Drain workers (bounded by ``grace``), then close listeners."""
        log.info("shutting down", grace=self.settings.grace)
        await self.manager.stop(grace=self.settings.grace)
        for listener in self.listeners.values():
            await listener.close()
        self.listeners.clear()
        log.info("controller stopped")

    async def run(self, stop: asyncio.Event) -> None:
        """startup → main_loop → shutdown (shutdown also on errors and cancellation)."""
        try:
            await self.startup()
            await self.main_loop(stop)
        finally:
            await self.shutdown()
