"""The only door to the Kubernetes API server.

Design: lightkube loads kubeconfigs (certs, tokens, exec plugins) and hands us a configured
async HTTP client; everything on the wire is ours — plain JSON REST with our own discovery,
so any kind (built-in or CRD) can be read, server-side applied, dry-run, watched or deleted
without generated models. Third-party errors are translated here, at the boundary, into
``tether.errors.ClusterError`` leaves built from the API's ``Status`` body; nothing above
this module sees an ``httpx`` exception.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
from lightkube.config import client_adapter, kubeconfig
from lightkube.core import exceptions as lk_exceptions

from tether import errors

__all__ = ["APIResource", "KubeClient", "Obj", "subject"]

Obj = dict[str, Any]
"""A Kubernetes object as decoded JSON."""

_JSON = "application/json"
_APPLY = "application/apply-patch+yaml"  # JSON is valid YAML; the server accepts it.
_MERGE = "application/merge-patch+json"
_JSONPATCH = "application/json-patch+json"


def subject(obj: Mapping[str, Any]) -> str:
    """``Kind/namespace/name`` (or ``Kind/name`` for cluster-scoped), as Flux names objects."""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    name = meta.get("name", "")
    kind = obj.get("kind", "")
    return f"{kind}/{ns}/{name}" if ns else f"{kind}/{name}"


@dataclass(frozen=True)
class APIResource:
    """Where a kind lives on the server: its REST plural and whether it is namespaced."""

    group_version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: frozenset[str]

    def path(self, *, namespace: str | None = None, name: str | None = None) -> str:
        """The REST path for a collection or a single object."""
        base = "/api/v1" if self.group_version == "v1" else f"/apis/{self.group_version}"
        if self.namespaced and namespace:
            base = f"{base}/namespaces/{namespace}"
        base = f"{base}/{self.plural}"
        return f"{base}/{name}" if name else base


@contextlib.contextmanager
def _translated(what: str) -> Iterator[None]:
    """Map transport errors to ClusterError, naming what we were doing."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise errors.ClusterError(f"{what}: the API server did not answer in time") from exc
    except httpx.TransportError as exc:
        raise errors.ClusterError(
            f"{what}: cannot reach the API server ({exc.__class__.__name__}: {exc})"
        ) from exc


def _status_error(what: str, response: httpx.Response) -> errors.ClusterError:
    """Build the most specific ClusterError from a failed response's Status body."""
    message = response.text.strip()
    try:
        body = response.json()
        if isinstance(body, dict) and body.get("message"):
            message = str(body["message"])
    except ValueError:
        pass
    code = response.status_code
    cls: type[errors.ClusterError] = (
        errors.NotFoundError if code == 404 else
        errors.ConflictError if code == 409 else
        errors.ClusterError
    )
    return cls(f"{what}: {message or response.reason_phrase} (HTTP {code})", status=code)


class KubeClient:
    """A small async client: discovery, get/list/apply/patch/delete/watch on raw objects.

    One instance per process (or per target cluster); discovery results are cached on the
    instance and refreshed when a kind is not found (CRDs are installed while we run).
    """

    def __init__(self, http: httpx.AsyncClient, *, context: str, source: str) -> None:
        self._http = http
        self.context = context
        """The kubeconfig context in use (or ``in-cluster``)."""
        self.source = source
        """Where the configuration came from (a kubeconfig path, or ``in-cluster``)."""
        self._resources: dict[tuple[str, str], APIResource] = {}
        self._discovered: set[str] = set()

    # ------------------------------------------------------------------ construction
    @classmethod
    def connect(
        cls,
        *,
        kubeconfig_path: str | None = None,
        context: str | None = None,
        timeout: float = 30.0,
        impersonate: str | None = None,
    ) -> KubeClient:
        """Build a client from a kubeconfig file, or the in-cluster service account.

        ``kubeconfig_path`` None means: the in-cluster account when running in a pod, else
        ``~/.kube/config``. Raises ConfigError naming the file and context.
        """
        path = kubeconfig_path
        if path is None and os.environ.get("KUBERNETES_SERVICE_HOST") is None:
            path = str(Path.home() / ".kube" / "config")
        try:
            if path is None:
                config = kubeconfig.KubeConfig.from_service_account()
                source = "in-cluster"
            else:
                if not Path(path).is_file():
                    raise errors.ConfigError(
                        f"kubeconfig {path} does not exist",
                        hint="pass --kubeconfig or set KUBECONFIG "
                        "(tether dev cluster up writes one)",
                    )
                config = kubeconfig.KubeConfig.from_file(path)
                source = path
            single = config.get(context_name=context)
            assert single is not None
        except lk_exceptions.ConfigError as exc:
            raise errors.ConfigError(
                f"kubeconfig {path or 'in-cluster'}: {exc}"
                + (f" (context {context!r})" if context else "")
            ) from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise errors.ConfigError(f"kubeconfig {path}: cannot be read: {exc}") from exc
        params = client_adapter.ConnectionParams(timeout=httpx.Timeout(timeout), trust_env=False)
        try:
            http = client_adapter.AsyncClient(single, params)
        except (lk_exceptions.ConfigError, OSError, ValueError) as exc:
            raise errors.ConfigError(
                f"kubeconfig {path}, context {single.context_name}: {exc}"
            ) from exc
        if impersonate:
            http.headers["Impersonate-User"] = impersonate
        return cls(http, context=single.context_name, source=source)

    async def close(self) -> None:
        """Release the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> KubeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def server(self) -> str:
        """The API server URL."""
        return str(self._http.base_url)

    # ------------------------------------------------------------------ raw requests
    async def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        content_type: str = _JSON,
    ) -> Any:
        """Send one request and return the decoded JSON body; errors become ClusterError."""
        content = None if body is None else json.dumps(body, separators=(",", ":"))
        headers = {"Accept": _JSON}
        if content is not None:
            headers["Content-Type"] = content_type
        with _translated(what):
            response = await self._http.request(
                method, path, params=dict(params or {}), content=content, headers=headers
            )
        if response.status_code >= 400:
            raise _status_error(what, response)
        return response.json() if response.content else None

    async def version(self) -> Obj:
        """The server's ``/version`` document (gitVersion, major, minor...)."""
        result: Obj = await self.request("GET", "/version", what="get server version")
        return result

    async def readyz(self) -> bool:
        """True when ``/readyz`` answers 200."""
        with _translated("check readiness"):
            response = await self._http.get("/readyz")
        return response.status_code == 200

    # ------------------------------------------------------------------ discovery
    async def resource(self, api_version: str, kind: str) -> APIResource:
        """Find the REST resource for ``apiVersion``/``kind``; NotFoundError if none."""
        key = (api_version, kind)
        if key not in self._resources:
            await self._discover(api_version, refresh=api_version in self._discovered)
        try:
            return self._resources[key]
        except KeyError:
            raise errors.NotFoundError(
                f"no matches for kind {kind!r} in version {api_version!r}", status=404
            ) from None

    async def _discover(self, group_version: str, *, refresh: bool) -> None:
        path = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
        try:
            doc = await self.request("GET", path, what=f"discover {group_version}")
        except errors.NotFoundError:
            self._discovered.add(group_version)
            return
        self._discovered.add(group_version)
        for item in doc.get("resources", []):
            if "/" in item["name"]:
                continue  # subresources
            res = APIResource(
                group_version=group_version,
                kind=item["kind"],
                plural=item["name"],
                namespaced=bool(item["namespaced"]),
                verbs=frozenset(item.get("verbs", [])),
            )
            self._resources[(group_version, res.kind)] = res
        del refresh

    def forget(self, api_version: str) -> None:
        """Drop cached discovery for a group/version (after a CRD change)."""
        self._discovered.discard(api_version)
        for key in [k for k in self._resources if k[0] == api_version]:
            del self._resources[key]

    # ------------------------------------------------------------------ verbs
    async def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> Obj:
        """Read one object; NotFoundError when absent."""
        res = await self.resource(api_version, kind)
        what = f"get {kind}/{namespace + '/' if namespace else ''}{name}"
        result: Obj = await self.request(
            "GET", res.path(namespace=namespace, name=name), what=what
        )
        return result

    async def get_or_none(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> Obj | None:
        """Read one object, or None when it (or its kind) does not exist."""
        try:
            return await self.get(api_version, kind, name, namespace)
        except errors.NotFoundError:
            return None

    async def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[Obj], str]:
        """List objects (all namespaces when ``namespace`` is None); returns (items, rv)."""
        res = await self.resource(api_version, kind)
        params = {}
        if label_selector:
            params["labelSelector"] = label_selector
        if field_selector:
            params["fieldSelector"] = field_selector
        doc = await self.request(
            "GET", res.path(namespace=namespace), params=params, what=f"list {kind}"
        )
        items: list[Obj] = doc.get("items") or []
        item_kind = kind
        for item in items:  # list items carry no apiVersion/kind
            item.setdefault("apiVersion", api_version)
            item.setdefault("kind", item_kind)
        return items, str(doc.get("metadata", {}).get("resourceVersion", ""))

    async def apply(
        self,
        obj: Obj,
        *,
        field_manager: str,
        force: bool = True,
        dry_run: bool = False,
        subresource: str | None = None,
    ) -> Obj:
        """Server-side apply ``obj`` (JSON body) and return the server's object."""
        res = await self.resource(obj["apiVersion"], obj["kind"])
        meta = obj.get("metadata") or {}
        path = res.path(namespace=meta.get("namespace"), name=meta["name"])
        if subresource:
            path = f"{path}/{subresource}"
        params = {"fieldManager": field_manager}
        if force:
            params["force"] = "true"
        if dry_run:
            params["dryRun"] = "All"
        verb = "dry-run apply" if dry_run else "apply"
        result: Obj = await self.request(
            "PATCH", path, params=params, body=obj, content_type=_APPLY,
            what=f"{verb} {subject(obj)}",
        )
        return result

    async def patch(
        self,
        api_version: str,
        kind: str,
        name: str,
        patch: Any,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        patch_type: str = "merge",
        field_manager: str | None = None,
    ) -> Obj:
        """Merge-patch (default) or JSON-patch (``patch_type='json'``) an object."""
        res = await self.resource(api_version, kind)
        path = res.path(namespace=namespace, name=name)
        if subresource:
            path = f"{path}/{subresource}"
        params = {"fieldManager": field_manager} if field_manager else {}
        ctype = _JSONPATCH if patch_type == "json" else _MERGE
        result: Obj = await self.request(
            "PATCH", path, params=params, body=patch, content_type=ctype,
            what=f"patch {kind}/{namespace + '/' if namespace else ''}{name}",
        )
        return result

    async def create(self, obj: Obj, *, field_manager: str | None = None) -> Obj:
        """POST a new object."""
        res = await self.resource(obj["apiVersion"], obj["kind"])
        params = {"fieldManager": field_manager} if field_manager else {}
        result: Obj = await self.request(
            "POST", res.path(namespace=(obj.get("metadata") or {}).get("namespace")),
            params=params, body=obj, what=f"create {subject(obj)}",
        )
        return result

    async def replace(self, obj: Obj, *, subresource: str | None = None) -> Obj:
        """PUT an object (optimistic concurrency through metadata.resourceVersion)."""
        res = await self.resource(obj["apiVersion"], obj["kind"])
        meta = obj["metadata"]
        path = res.path(namespace=meta.get("namespace"), name=meta["name"])
        if subresource:
            path = f"{path}/{subresource}"
        result: Obj = await self.request("PUT", path, body=obj, what=f"update {subject(obj)}")
        return result

    async def delete(
        self,
        api_version: str,
        kind: str,
        name: str,
        *,
        namespace: str | None = None,
        propagation: str = "Background",
        dry_run: bool = False,
        uid: str | None = None,
    ) -> bool:
        """Delete an object; False when it was already gone.

        ``dry_run`` asks the server to validate only; ``uid`` is a precondition (the delete
        fails with ConflictError if the object was replaced by another of the same name).
        """
        res = await self.resource(api_version, kind)
        what = f"delete {kind}/{namespace + '/' if namespace else ''}{name}"
        options: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1",
                                   "propagationPolicy": propagation}
        if dry_run:
            options["dryRun"] = ["All"]
        if uid:
            options["preconditions"] = {"uid": uid}
        try:
            await self.request(
                "DELETE", res.path(namespace=namespace, name=name), what=what, body=options,
            )
        except errors.NotFoundError:
            return False
        return True

    async def watch(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        resource_version: str = "",
        label_selector: str | None = None,
        timeout_seconds: int = 300,
    ) -> AsyncIterator[tuple[str, Obj]]:
        """Yield ``(type, object)`` watch events until the server closes the stream.

        A 410 Gone (expired resourceVersion) arrives as an ``ERROR`` event; callers relist.
        """
        res = await self.resource(api_version, kind)
        params = {"watch": "true", "allowWatchBookmarks": "true",
                  "timeoutSeconds": str(timeout_seconds)}
        if resource_version:
            params["resourceVersion"] = resource_version
        if label_selector:
            params["labelSelector"] = label_selector
        what = f"watch {kind}"
        timeout = httpx.Timeout(10.0, read=timeout_seconds + 30.0)
        with _translated(what):
            async with self._http.stream(
                "GET", res.path(namespace=namespace), params=params, timeout=timeout
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise _status_error(what, response)
                async for line in response.aiter_lines():
                    if not line.strip():
                        continue
                    event = json.loads(line)
                    yield str(event.get("type", "")), event.get("object") or {}
