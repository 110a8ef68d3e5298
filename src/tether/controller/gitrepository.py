"""The GitRepository reconciler: turn a Git ref into a stored, served, verified artifact.

Design: ``reconcile()`` reads as the phase list of source-controller — handle the request
annotation, check storage, credentials, verification keys, includes, ask the remote, build
(fetch, verify signatures, copy includes) and store — and *every* failure is a
``GitOpsError`` mapped to conditions in one place (``_failed``, via ``_CONDITION_OF``);
the error's ``retryable`` decides between backoff (``Reconciling``/``ProgressingWithRetry``)
and ``Stalled``. The remote is asked first (``ls-remote``): when it still points at the stored
revision and the build config (ignore, include, sparse, submodules) is unchanged, nothing is
fetched. While Git is unreachable the last artifact stays in storage and in status
(``ArtifactInStorage`` stays True), Ready goes False with the reason, and backoff retries
until it recovers. Deletion removes the object's artifacts (no finalizer: a stopped
controller never blocks namespace deletion); artifacts of objects deleted while the
controller was down are swept once the informer has synced (:func:`sweep_storage`).
"""

from __future__ import annotations

import asyncio
import copy
import datetime
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import structlog

from tether import conditions, errors
from tether.api import meta, serde
from tether.api import source as api
from tether.cluster import client
from tether.controller import events, informer, runtime, status
from tether.source import artifact, auth, git, ignore, storage, verify

__all__ = ["MIN_INTERVAL", "GitRepositoryReconciler", "setup", "sweep_storage"]

R = api.Reason
MIN_INTERVAL = 1.0
"""Seconds; shorter ``spec.interval`` values are raised to this."""
_CONDITION_OF: tuple[tuple[type[errors.GitOpsError], str], ...] = (
    (errors.VerificationError, R.SOURCE_VERIFIED),
    (errors.IncludeUnavailableError, R.INCLUDE_UNAVAILABLE),
    (errors.AuthError, R.FETCH_FAILED),
    (errors.FetchError, R.FETCH_FAILED),
    (errors.ArtifactError, R.STORAGE_OPERATION_FAILED),
)
"""Which negative condition (SourceVerified: normal polarity, set False) reports an error."""
_TRANSIENT = (R.FETCH_FAILED, R.INCLUDE_UNAVAILABLE, R.STORAGE_OPERATION_FAILED,
              R.ARTIFACT_OUTDATED, conditions.RECONCILING, conditions.STALLED)

log = structlog.get_logger("tether.gitrepository")


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _State:
    """One reconcile's working set: the object as read, and the status being built."""

    obj: dict[str, Any]
    repo: api.GitRepository
    status: dict[str, Any]
    now: str
    included: list[tuple[api.GitRepositoryInclude, dict[str, Any]]] = field(default_factory=list)
    subject: str | None = None
    verified: str | None = None

    def mark(self, fn: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        fn(self.status, *args, generation=self.repo.generation, now=self.now, **kwargs)


class GitRepositoryReconciler:
    """Reconciles GitRepository objects into ``storage``."""

    def __init__(self, kube: client.KubeClient, *, storage: storage.Storage,
                 recorder: events.Recorder, clock: Callable[[], str] = _now) -> None:
        self.kube = kube
        self.storage = storage
        self.recorder = recorder
        self.clock = clock

    async def reconcile(self, key: str) -> runtime.Result:
        """One pass over ``namespace/name``."""
        namespace, name = key.split("/", 1)
        obj = await self.kube.get_or_none(api.API_VERSION, api.KIND, name, namespace)
        if obj is None or (obj.get("metadata") or {}).get("deletionTimestamp"):
            self._forget(namespace, name)
            return runtime.Result()
        try:
            repo = api.GitRepository.from_dict(obj)
        except errors.InvalidSpecError as err:
            repo = api.GitRepository(metadata=obj["metadata"], spec=api.GitRepositorySpec(
                url="http://invalid", interval=meta.Duration("1h")))
            return await self._failed(self._state(obj, repo), err)
        if repo.spec.suspend:
            log.info("suspended; skipping", key=key)
            return runtime.Result()
        state = self._state(obj, repo)
        try:
            # A new generation or a missing artifact: say we are working on it.
            await self._progress(state)
            # Credentials come from the secretRef Secret (never logged).
            creds = await self._credentials(repo)
            # Trusted keys for spec.verify, checked against the fetched revision.
            keys = await self._verification_keys(repo)
            # Included repositories must have a verified artifact of their own.
            state.included = await self._includes(repo)
            proxy, secrets = await self._proxy(repo)
            secrets += creds.secret_values() if creds else []
            with auth.git_env(repo.spec.url, creds, timeout=repo.spec.timeout_seconds,
                              proxy=proxy) as env:
                # Ask the remote where the ref points; skip the fetch when nothing moved.
                resolved = await git.resolve(repo.spec.effective_ref, url=repo.spec.url,
                                             env=env, timeout=repo.spec.timeout_seconds,
                                             secrets=secrets)
                if not self._up_to_date(state, resolved):
                    await self._build(state, resolved, env=env, secrets=secrets, keys=keys)
        except errors.GitOpsError as err:
            return await self._failed(state, err)
        return await self._succeeded(state)

    # ------------------------------------------------------------------ phases
    def _state(self, obj: dict[str, Any], repo: api.GitRepository) -> _State:
        state = _State(obj=obj, repo=repo, status=copy.deepcopy(obj.get("status") or {}),
                       now=self.clock())
        requested = ((obj["metadata"].get("annotations") or {}).get(runtime.REQUESTED_AT))
        if requested:
            state.status["lastHandledReconcileAt"] = requested
        return state

    async def _progress(self, state: _State) -> None:
        observed = state.status.get("observedGeneration", -1)
        art = state.status.get("artifact")
        message = None
        if art and not self.storage.verify(art.get("path", ""), art.get("digest", "")):
            state.status.pop("artifact", None)
            conditions.delete(state.status, R.ARTIFACT_IN_STORAGE)
            message = "building artifact: disappeared from storage"
        elif observed != state.repo.generation:
            message = f"processing object: new generation {observed} -> {state.repo.generation}"
        elif not art:
            message = "building artifact"
        if message:
            state.mark(conditions.mark_reconciling, reason=meta.Reason.PROGRESSING,
                       message=message)
            await self._write(state)

    async def _credentials(self, repo: api.GitRepository) -> auth.Credentials | None:
        if repo.spec.provider not in (None, "generic"):
            raise errors.InvalidSpecError(
                f"spec.provider {repo.spec.provider!r} is not supported; use 'generic'")
        if repo.spec.secret_ref is None:
            return None
        name = repo.spec.secret_ref.name
        secret = await self.kube.get_or_none("v1", "Secret", name, repo.namespace)
        if secret is None:
            raise errors.AuthError(f"failed to get secret '{repo.namespace}/{name}': not found")
        return auth.Credentials.from_secret(secret)

    async def _proxy(self, repo: api.GitRepository) -> tuple[str | None, list[str]]:
        if repo.spec.proxy_secret_ref is None:
            return None, []
        name = repo.spec.proxy_secret_ref.name
        secret = await self.kube.get_or_none("v1", "Secret", name, repo.namespace)
        if secret is None:
            raise errors.AuthError(
                f"failed to get proxy secret '{repo.namespace}/{name}': not found")
        return auth.proxy_url(secret)

    async def _verification_keys(self, repo: api.GitRepository) -> verify.Keys | None:
        if repo.spec.verify is None:
            return None
        name = repo.spec.verify.secret_ref.name
        secret = await self.kube.get_or_none("v1", "Secret", name, repo.namespace)
        if secret is None:
            raise errors.VerificationError(
                f"failed to get verification secret '{repo.namespace}/{name}': not found")
        return verify.Keys.from_secret(secret)

    async def _includes(
        self, repo: api.GitRepository
    ) -> list[tuple[api.GitRepositoryInclude, dict[str, Any]]]:
        found = []
        for inc in repo.spec.include or []:
            other = await self.kube.get_or_none(api.API_VERSION, api.KIND,
                                                inc.repository.name, repo.namespace)
            art = ((other or {}).get("status") or {}).get("artifact")
            if not art or not self.storage.verify(art.get("path", ""), art.get("digest", "")):
                raise errors.IncludeUnavailableError(
                    f"no artifact available for include '{inc.repository.name}'")
            found.append((inc, art))
        return found

    def _up_to_date(self, state: _State, resolved: git.Resolved) -> bool:
        art, spec, st = state.status.get("artifact"), state.repo.spec, state.status
        return bool(
            art and resolved.revision == art.get("revision")
            and st.get("observedIgnore") == spec.ignore
            and bool(st.get("observedRecurseSubmodules")) == bool(spec.recurse_submodules)
            and st.get("observedSparseCheckout") == spec.sparse_checkout
            and st.get("observedInclude") == _encode_includes(spec.include)
            and [a.get("digest") for a in st.get("includedArtifacts") or []]
            == [a.get("digest") for _, a in state.included]
            and st.get("sourceVerificationMode") == _verify_mode(spec)
        )

    async def _build(self, state: _State, resolved: git.Resolved, *, env: dict[str, str],
                     secrets: list[str], keys: verify.Keys | None) -> None:
        repo, spec = state.repo, state.repo.spec
        if resolved.revision:
            state.mark(conditions.mark_reconciling, reason=meta.Reason.PROGRESSING,
                       message=f"building artifact: new upstream revision '{resolved.revision}'")
            state.mark(conditions.mark_true, R.ARTIFACT_OUTDATED, reason=R.NEW_REVISION,
                       message=f"new upstream revision '{resolved.revision}'")
            await self._write(state)
        work = Path(tempfile.mkdtemp(prefix="tether-gitrepo-"))
        try:
            checkout = await git.checkout(
                resolved, url=spec.url, dest=work / "repo", env=env,
                timeout=spec.timeout_seconds, sparse=spec.sparse_checkout,
                submodules=bool(spec.recurse_submodules), secrets=secrets)
            if keys is not None:
                # An unverifiable revision never becomes an artifact.
                state.verified = await verify.verify(
                    checkout.path, mode=_verify_mode(spec) or "HEAD", keys=keys, env=env,
                    tag=resolved.short if resolved.refspec.startswith("refs/tags/") else None,
                    timeout=spec.timeout_seconds)
            await asyncio.to_thread(self._copy_includes, state.included, work)
            directory = self.storage.object_dir(api.KIND, repo.namespace, repo.name)
            stored = await asyncio.to_thread(self._archive, work / "repo", spec.ignore, directory)
        finally:
            await asyncio.to_thread(shutil.rmtree, work, True)
        state.subject = checkout.subject
        state.status["artifact"] = {
            "path": stored.path, "url": self.storage.url(stored.path),
            "revision": checkout.revision, "digest": stored.digest,
            "lastUpdateTime": state.now, "size": stored.size,
        }
        state.status.update(
            observedIgnore=spec.ignore, observedRecurseSubmodules=spec.recurse_submodules,
            observedSparseCheckout=spec.sparse_checkout,
            observedInclude=_encode_includes(spec.include),
            includedArtifacts=[a for _, a in state.included] or None,
            sourceVerificationMode=_verify_mode(spec))
        for key in [k for k, v in state.status.items() if v is None]:
            del state.status[key]

    def _archive(self, root: Path, spec_ignore: str | None, directory: str) -> storage.Stored:
        files = [path for path, _ in ignore.walk(root, spec_ignore=spec_ignore)]
        return self.storage.store(directory, lambda out: artifact.pack(root, files, out))

    def _copy_includes(self, included: list[tuple[api.GitRepositoryInclude, dict[str, Any]]],
                       work: Path) -> None:
        for i, (inc, art) in enumerate(included):
            unpacked = work / f"include-{i}"
            artifact.unpack(self.storage.resolve(art["path"]), unpacked,
                            expected_digest=art["digest"])
            source = unpacked / _relative(inc.from_path or ".", "spec.include.fromPath")
            target = work / "repo" / _relative(inc.to_path or inc.repository.name,
                                               "spec.include.toPath")
            if not source.is_dir():
                raise errors.IncludeUnavailableError(
                    f"include '{inc.repository.name}': fromPath {inc.from_path!r} not found")
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, symlinks=True)

    # ------------------------------------------------------------------ outcomes
    async def _succeeded(self, state: _State) -> runtime.Result:
        art = state.status["artifact"]
        art["url"] = self.storage.url(art["path"])  # follows --storage-adv-addr changes
        message = f"stored artifact for revision '{art['revision']}'"
        for type_ in _TRANSIENT:
            conditions.delete(state.status, type_)
        state.mark(conditions.mark_true, R.ARTIFACT_IN_STORAGE, reason=meta.Reason.SUCCEEDED,
                   message=message)
        if state.verified is not None:
            state.mark(conditions.mark_true, R.SOURCE_VERIFIED, reason=meta.Reason.SUCCEEDED,
                       message=state.verified)
        elif state.repo.spec.verify is None:
            conditions.delete(state.status, R.SOURCE_VERIFIED)
        state.mark(conditions.mark_true, conditions.READY, reason=meta.Reason.SUCCEEDED,
                   message=message)
        state.status["observedGeneration"] = state.repo.generation
        await self._write(state)
        if state.subject is not None:
            await self.recorder.record(
                state.obj, type_=events.NORMAL, reason=R.NEW_ARTIFACT,
                message=f"stored artifact for commit '{state.subject}'",
                annotations={f"{api.GROUP}/revision": art["revision"]})
        else:
            await self.recorder.record(state.obj, type_=events.NORMAL,
                                       reason=meta.Reason.SUCCEEDED, message=message)
        log.info(message, key=f"{state.repo.namespace}/{state.repo.name}",
                 fetched=state.subject is not None)
        # A zero or tiny interval must not become a hot loop (CVE-2022-39272's lesson).
        return runtime.Result(requeue_after=max(MIN_INTERVAL, state.repo.spec.interval.seconds))

    async def _failed(self, state: _State, err: errors.GitOpsError) -> runtime.Result:
        """The one place where an error becomes conditions, an Event and a retry decision."""
        message = err.one_line()
        condition = next((c for cls, c in _CONDITION_OF if isinstance(err, cls)), None)
        if condition == R.SOURCE_VERIFIED:
            state.mark(conditions.mark_false, condition, reason=err.reason, message=message)
        elif condition is not None:
            state.mark(conditions.mark_true, condition, reason=err.reason, message=message)
        if not err.retryable:
            state.mark(conditions.mark_stalled, reason=err.reason, message=message)
            state.status["observedGeneration"] = state.repo.generation
        else:
            conditions.delete(state.status, conditions.STALLED)
            state.mark(conditions.mark_false, conditions.READY, reason=err.reason,
                       message=message)
            state.mark(conditions.set_condition, type_=conditions.RECONCILING,
                       status_value="True", reason=meta.Reason.PROGRESSING_WITH_RETRY,
                       message=message)
        art = state.status.get("artifact")
        if art and not self.storage.exists(art.get("path", "")):
            conditions.delete(state.status, R.ARTIFACT_IN_STORAGE)
        try:
            await self._write(state)
        except errors.ClusterError as exc:
            log.warning("cannot write status", error=exc.one_line())
        await self.recorder.record(state.obj, type_=events.WARNING, reason=err.reason,
                                   message=message)
        log.warning("reconcile failed", key=f"{state.repo.namespace}/{state.repo.name}",
                    reason=err.reason, error=message, retry=err.retryable)
        interval = max(MIN_INTERVAL, state.repo.spec.interval.seconds)
        return runtime.Result(failed=err.retryable,
                              requeue_after=interval if err.retryable else None)

    async def _write(self, state: _State) -> None:
        updated = await status.patch_status(self.kube, state.obj, state.status)
        if updated is not None:
            state.obj = updated

    def _forget(self, namespace: str, name: str) -> None:
        self.recorder.forget(f"{api.KIND}/{namespace}/{name}")
        try:
            self.storage.remove_object(self.storage.object_dir(api.KIND, namespace, name))
        except errors.ArtifactError as exc:
            log.warning("cannot remove artifacts", error=exc.one_line())


def _verify_mode(spec: api.GitRepositorySpec) -> str | None:
    if spec.verify is None:
        return None
    mode = spec.verify.mode or "HEAD"
    return "HEAD" if mode == "head" else mode


def _encode_includes(include: list[api.GitRepositoryInclude] | None) -> list[Any] | None:
    return [serde.encode(i) for i in include] if include else None


def _relative(raw: str, field_name: str) -> PurePosixPath:
    path = PurePosixPath(raw)
    if path.is_absolute() or ".." in path.parts:
        raise errors.InvalidSpecError(f"{field_name} {raw!r} must stay inside the artifact")
    return path


def _include_keys(obj: dict[str, Any]) -> list[str]:
    ns = (obj.get("metadata") or {}).get("namespace", "")
    return [f"{ns}/{inc.get('repository', {}).get('name')}"
            for inc in (obj.get("spec") or {}).get("include") or []]


def sweep_storage(store: storage.Storage, cache: informer.Informer) -> list[str]:
    """Remove the artifacts of GitRepositories that no longer exist (call after sync)."""
    removed = []
    for namespace, name in store.objects(api.KIND):
        if cache.namespace not in (None, namespace):
            continue
        if cache.get(f"{namespace}/{name}") is None:
            store.remove_object(store.object_dir(api.KIND, namespace, name))
            removed.append(f"{namespace}/{name}")
    return removed


def setup(manager: runtime.Manager, reconciler: GitRepositoryReconciler, *,
          concurrent: int = 2) -> runtime.Controller:
    """Register the GitRepository controller; includers follow their includes' revisions."""
    controller = manager.register(name="gitrepository", api_version=api.API_VERSION,
                                  kind=api.KIND, reconcile=reconciler.reconcile,
                                  concurrent=concurrent)
    cache = manager.informer(api.API_VERSION, api.KIND)
    cache.add_index("include", _include_keys)
    controller.watches(
        api.API_VERSION, api.KIND, predicate=runtime.artifact_revision_changed,
        map_to=lambda obj: [informer.key_of(o)
                            for o in cache.by_index("include", informer.key_of(obj))])
    return controller
