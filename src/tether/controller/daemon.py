"""The controller process: startup → main_loop → shutdown (uvicorn's ``Server`` shape).

Design: :class:`Daemon` wires one :class:`~tether.controller.runtime.Manager`, the
artifact storage and the three HTTP listeners (artifacts, probes, metrics) from explicit
:class:`Settings`; the CLI builds Settings and a KubeClient and owns signals. Extra
reconcilers (the Kustomization controller) join through ``setups``: callables run at
startup with the :class:`Daemon`, before the manager starts, e.g.
``Daemon(kube, settings, setups=[kustomization.setup_daemon])``. Shutdown stops handing out
work, lets running reconciles finish within ``grace`` seconds, releases the leader Lease,
then closes listeners. With ``leader_election`` the listeners (probes, artifacts) start at
once but reconcilers only after the Lease is won (:mod:`tether.controller.leader`).
"""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

from tether import errors
from tether.api import source
from tether.cluster import client
from tether.controller import events, gitrepository, leader, runtime
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
    leader_election: bool = False
    """Reconcile only while holding the Lease ``leader_election_id``."""
    leader_election_namespace: str = "flux-system"
    leader_election_id: str = "tether-controller-leader-election"
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0


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
        self.elector: leader.LeaderElector | None = None
        if settings.leader_election:
            self.elector = leader.LeaderElector(
                kube, namespace=settings.leader_election_namespace,
                name=settings.leader_election_id,
                identity=f"{socket.gethostname()}_{secrets.token_hex(4)}",
                lease_duration=settings.lease_duration, renew_deadline=settings.renew_deadline,
                retry_period=settings.retry_period)

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
        log.info("controller started", storage=str(s.storage_path), advertised=advertised,
                 namespace=s.namespace or "*", concurrent=s.concurrent,
                 leader_election=s.leader_election,
                 **{f"{k}_port": v.port for k, v in self.listeners.items()})
        if self.elector is None:
            await self.manager.start()

    async def main_loop(self, stop: asyncio.Event) -> None:
        """(Become leader, then) reconcile until ``stop`` is set.

        Raises ``ClusterError`` when leadership is lost: the process must stop reconciling.
        """
        if self.elector is not None:
            if not await self.elector.acquire(stop):
                return  # asked to stop before becoming leader
            await self.manager.start()
        if await self.manager.wait_synced(self.settings.sync_timeout):
            assert self.storage is not None
            swept = gitrepository.sweep_storage(
                self.storage, self.manager.informer(source.API_VERSION, source.KIND))
            if swept:
                log.info("removed artifacts of deleted objects", objects=swept)
        else:
            log.warning("informers not synced yet; continuing",
                        timeout=self.settings.sync_timeout)
        if self.elector is None:
            await stop.wait()
            return
        await self.elector.hold(stop)
        if not stop.is_set():
            raise errors.ClusterError(
                f"lost the leader election lease "
                f"{self.settings.leader_election_namespace}/{self.settings.leader_election_id}",
                hint="another replica took over or the API server is unreachable")

    async def shutdown(self) -> None:
        """Drain workers (bounded by ``grace``), then close listeners."""
        log.info("shutting down", grace=self.settings.grace)
        await self.manager.stop(grace=self.settings.grace)
        if self.elector is not None:
            await self.elector.release()
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

