"""List + watch one kind into an in-memory cache, with indexes and change handlers.

Design (client-go's informer, in asyncio): ``run()`` lists, diffs the list against the
cache (so objects deleted while we were not watching produce a DELETED), then watches from
the list's resourceVersion. Bookmarks advance the resourceVersion; a 410 Gone / ERROR event
or a failed watch request triggers a relist (with backoff while the API server is down); a
stream that simply ends is resumed from the last resourceVersion. Handlers receive
``(event_type, new, old)`` and must not block. Indexes map a computed value (e.g. a
``sourceRef``) to the keys of the objects that carry it, for fan-out to dependants.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

import structlog

from tether import errors
from tether.cluster import client

__all__ = ["Handler", "IndexFunc", "Informer", "key_of"]

Obj = dict[str, Any]
Handler = Callable[[str, Obj, "Obj | None"], None]
"""``handler(event_type, obj, old)``; event_type is ADDED, MODIFIED or DELETED."""
IndexFunc = Callable[[Obj], Iterable[str]]

log = structlog.get_logger("tether.informer")


def key_of(obj: Obj) -> str:
    """``namespace/name`` (or ``name`` for cluster-scoped objects)."""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{ns}/{meta.get('name', '')}" if ns else str(meta.get("name", ""))


class Informer:
    """A watched, cached, indexed view of one kind (optionally one namespace)."""

    def __init__(
        self,
        kube: client.KubeClient,
        *,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: str | None = None,
        watch_timeout: int = 300,
    ) -> None:
        self.kube = kube
        self.api_version = api_version
        self.kind = kind
        self.namespace = namespace
        self.label_selector = label_selector
        self.watch_timeout = watch_timeout
        self.cache: dict[str, Obj] = {}
        self.synced = asyncio.Event()
        self.resource_version = ""
        self.relists = 0
        self._handlers: list[Handler] = []
        self._indexers: dict[str, IndexFunc] = {}
        self._indexes: dict[str, dict[str, set[str]]] = {}

    def add_handler(self, handler: Handler) -> None:
        """Call ``handler`` for every change (and for every cached object so far)."""
        self._handlers.append(handler)
        for obj in list(self.cache.values()):
            handler("ADDED", obj, None)

    def add_index(self, name: str, func: IndexFunc) -> None:
        """Maintain index ``name``: value → keys of the objects for which ``func`` yields it."""
        self._indexers[name] = func
        index: dict[str, set[str]] = {}
        for key, obj in self.cache.items():
            for value in func(obj):
                index.setdefault(value, set()).add(key)
        self._indexes[name] = index

    def by_index(self, name: str, value: str) -> list[Obj]:
        """Cached objects whose index ``name`` contains ``value`` (sorted by key)."""
        keys = sorted(self._indexes.get(name, {}).get(value, ()))
        return [self.cache[k] for k in keys if k in self.cache]

    def get(self, key: str) -> Obj | None:
        """The cached object of ``key``."""
        return self.cache.get(key)

    def _reindex(self, key: str, old: Obj | None, new: Obj | None) -> None:
        for name, func in self._indexers.items():
            index = self._indexes[name]
            for value in func(old) if old is not None else ():
                index.get(value, set()).discard(key)
            for value in func(new) if new is not None else ():
                index.setdefault(value, set()).add(key)

    def _emit(self, event: str, obj: Obj, old: Obj | None) -> None:
        key = key_of(obj)
        if event == "DELETED":
            self.cache.pop(key, None)
            self._reindex(key, old or obj, None)
        else:
            self.cache[key] = obj
            self._reindex(key, old, obj)
        for handler in self._handlers:
            try:
                handler(event, obj, old)
            except Exception:  # a handler bug must not kill the watch
                log.exception("informer handler failed", kind=self.kind, key=key)

    async def _relist(self) -> None:
        items, rv = await self.kube.list(self.api_version, self.kind, namespace=self.namespace,
                                         label_selector=self.label_selector)
        seen = set()
        for obj in items:
            key = key_of(obj)
            seen.add(key)
            old = self.cache.get(key)
            if old is None:
                self._emit("ADDED", obj, None)
            elif old.get("metadata", {}).get("resourceVersion") != obj["metadata"].get(
                    "resourceVersion"):
                self._emit("MODIFIED", obj, old)
        for key in [k for k in self.cache if k not in seen]:
            self._emit("DELETED", self.cache[key], self.cache[key])
        self.resource_version = rv
        self.relists += 1
        self.synced.set()

    async def _watch(self) -> bool:
        """Consume one watch stream; True when a relist is needed."""
        async for event, obj in self.kube.watch(
            self.api_version, self.kind, namespace=self.namespace,
            resource_version=self.resource_version, label_selector=self.label_selector,
            timeout_seconds=self.watch_timeout,
        ):
            if event == "ERROR":
                return True
            rv = (obj.get("metadata") or {}).get("resourceVersion")
            if event == "BOOKMARK":
                self.resource_version = rv or self.resource_version
                continue
            obj.setdefault("apiVersion", self.api_version)
            obj.setdefault("kind", self.kind)
            old = self.cache.get(key_of(obj))
            if event in ("ADDED", "MODIFIED", "DELETED"):
                self._emit(event, obj, old)
            self.resource_version = rv or self.resource_version
        return False

    async def run(self) -> None:
        """List and watch until cancelled; survives API outages (relist with backoff)."""
        delay = 0.5
        needs_list = True
        while True:
            try:
                if needs_list:
                    await self._relist()
                needs_list = await self._watch()
                delay = 0.5
            except (errors.ClusterError, ValueError) as exc:
                text = exc.one_line() if isinstance(exc, errors.GitOpsError) else str(exc)
                log.warning("watch failed; relisting", kind=self.kind, error=text,
                            retry_in=delay)
                needs_list = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
