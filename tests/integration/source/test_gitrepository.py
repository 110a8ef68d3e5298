"""The GitRepository controller end to end: real API server, real git servers, real HTTP.

Acceptance: a GitRepository pointing at a loopback HTTP git server becomes Ready with
``stored artifact for revision 'main@sha1:…'``; a commit changes the revision within one
interval; the artifact URL serves bytes whose sha256 equals the digest.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import structlog
from tests.gitserver import ForwardProxy, GitHTTPServer, Repo, SSHGitServer, generate_key
from tests.helpers import eventually

from tether.api import source
from tether.cluster import client
from tether.controller import daemon

pytestmark = pytest.mark.cluster

PASSWORD = "pa55-w0rd-s3cret"
TOKEN = "t0ken-v4lue-s3cret"
INTERVAL = "3s"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo.create(tmp_path / "srv", "app")
    repo.commit({"deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\n"}, message="initial")
    return repo


@pytest.fixture
def http(tmp_path: Path) -> Iterator[GitHTTPServer]:
    with GitHTTPServer(tmp_path / "srv", username="git", password=PASSWORD) as server:
        yield server


def _gitrepo(name: str, namespace: str, url: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": source.API_VERSION, "kind": source.KIND,
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"url": url, "interval": INTERVAL, "ref": {"branch": "main"}, **spec}}


async def _secret(kube: client.KubeClient, namespace: str, name: str,
                  data: dict[str, str | bytes]) -> None:
    encoded = {k: base64.b64encode(v.encode() if isinstance(v, str) else v).decode()
               for k, v in data.items()}
    await kube.create({"apiVersion": "v1", "kind": "Secret",
                       "metadata": {"name": name, "namespace": namespace}, "data": encoded})


def _cond(obj: dict[str, Any], type_: str) -> dict[str, Any]:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond["type"] == type_:
            return dict(cond)
    return {}


async def _until(kube: client.KubeClient, namespace: str, name: str, what: str,
                 check: Any, timeout: float = 30) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        obj = await kube.get(source.API_VERSION, source.KIND, name, namespace)
        return obj if check(obj) else None
    result: dict[str, Any] = await eventually(probe, timeout=timeout, what=what)
    return result


def _ready_at(sha: str, ref: str = "main") -> Any:
    def check(obj: dict[str, Any]) -> bool:
        ready = _cond(obj, "Ready")
        return bool(ready.get("status") == "True"
                    and ready.get("message") == f"stored artifact for revision '{ref}@sha1:{sha}'"
                    and obj["status"].get("observedGeneration") == obj["metadata"]["generation"])
    return check


async def _download(url: str) -> bytes:
    async with httpx.AsyncClient() as http_client:
        response = await http_client.get(url)
        response.raise_for_status()
        return response.content


def _names(tarball: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        return tar.getnames()


async def test_acceptance_http_basic_auth(
    kube: client.KubeClient, namespace: str, controller: daemon.Daemon, repo: Repo,
    http: GitHTTPServer,
) -> None:
    head = repo.commit({"deploy/extra.yaml": "kind: Extra\n"}, message="second")
    with structlog.testing.capture_logs() as logs:
        await _secret(kube, namespace, "auth", {"username": "git", "password": PASSWORD})
        await kube.create(_gitrepo("app", namespace, http.url("app"),
                                   secretRef={"name": "auth"}))
        obj = await _until(kube, namespace, "app", "Ready at the first commit", _ready_at(head))
        art = obj["status"]["artifact"]
        assert art["revision"] == f"main@sha1:{head}"
        assert _cond(obj, "ArtifactInStorage")["status"] == "True"
        body = await _download(art["url"])
        assert "sha256:" + hashlib.sha256(body).hexdigest() == art["digest"]
        assert art["size"] == len(body)
        assert sorted(_names(body)) == ["deploy/cm.yaml", "deploy/extra.yaml"]
        # A new commit is picked up within one interval (3s) plus one fetch.
        pushed = time.monotonic()
        newer = repo.commit({"deploy/cm.yaml": "kind: Changed\n"}, message="third")
        await _until(kube, namespace, "app", "the new revision", _ready_at(newer), timeout=15)
        elapsed = time.monotonic() - pushed
        print(f"commit -> new revision: {elapsed:.2f}s")
        assert elapsed < 3 * 1.05 + 5

        async def new_artifact_event() -> list[dict[str, Any]] | None:
            items, _ = await kube.list("v1", "Event", namespace=namespace)
            reasons = [(e["reason"], e["message"]) for e in items
                       if e["involvedObject"].get("name") == "app"]
            return items if ("NewArtifact", "stored artifact for commit 'third'") in reasons \
                else None
        events = await eventually(new_artifact_event, timeout=10, what="the NewArtifact event")
        # Secrets never reach status, events or logs.
        status = json.dumps((await kube.get(source.API_VERSION, source.KIND, "app",
                                            namespace))["status"])
        dump = status + json.dumps(events) + json.dumps(logs, default=str)
        assert PASSWORD not in dump
        assert base64.b64encode(f"git:{PASSWORD}".encode()).decode() not in dump


async def test_no_fetch_when_the_remote_did_not_move(
    kube: client.KubeClient, namespace: str, controller: daemon.Daemon, repo: Repo,
    tmp_path: Path,
) -> None:
    with GitHTTPServer(tmp_path / "srv") as server:
        await kube.create(_gitrepo("app", namespace, server.url("app")))
        obj = await _until(kube, namespace, "app", "Ready",
                           lambda o: _cond(o, "Ready").get("status") == "True")
        fetches = sum(1 for r in server.requests if "upload-pack" in r and "POST" in r)
        lists = len(server.requests)
        await eventually(lambda: _async(len(server.requests) > lists + 2),
                         timeout=15, what="two more polls")
        fetches_after = sum(1 for r in server.requests if "upload-pack" in r and "POST" in r)
        # Each poll is one ls-remote (GET info/refs + one POST ls-refs); no fetch POSTs.
        polls = sum(1 for r in server.requests if r.startswith("GET")) - 1
        assert fetches_after - fetches <= polls
        same = await kube.get(source.API_VERSION, source.KIND, "app", namespace)
        assert same["status"]["artifact"] == obj["status"]["artifact"]
        # Deleting the object removes its artifacts from storage.
        assert controller.storage is not None
        directory = controller.storage.resolve(f"gitrepository/{namespace}/app")
        assert directory.is_dir()
        await kube.delete(source.API_VERSION, source.KIND, "app", namespace=namespace)
        await eventually(lambda: _async(not directory.exists()), timeout=10,
                         what="artifacts removed after deletion")


async def _async(value: bool) -> bool:
    return value


async def test_server_down_keeps_serving_the_last_artifact_and_recovers(
    kube: client.KubeClient, namespace: str, controller: daemon.Daemon, repo: Repo,
    http: GitHTTPServer,
) -> None:
    await _secret(kube, namespace, "auth", {"username": "git", "password": PASSWORD})
    await kube.create(_gitrepo("app", namespace, http.url("app"), secretRef={"name": "auth"}))
    obj = await _until(kube, namespace, "app", "Ready",
                       lambda o: _cond(o, "Ready").get("status") == "True")
    art = obj["status"]["artifact"]
    http.stop()
    down = await _until(kube, namespace, "app", "Ready=False while git is down",
                        lambda o: _cond(o, "Ready").get("status") == "False")
    assert _cond(down, "Ready")["reason"] == "GitOperationFailed"
    assert _cond(down, "FetchFailed")["status"] == "True"
    assert _cond(down, "ArtifactInStorage")["status"] == "True"
    assert down["status"]["artifact"] == art
    body = await _download(art["url"])
    assert "sha256:" + hashlib.sha256(body).hexdigest() == art["digest"]
    newer = repo.commit({"x": "1"}, message="while down")
    started = time.monotonic()
    http.start()
    await _until(kube, namespace, "app", "recovery", _ready_at(newer), timeout=30)
    print(f"recovery after git returned: {time.monotonic() - started:.2f}s")
    recovered = await kube.get(source.API_VERSION, source.KIND, "app", namespace)
    assert not _cond(recovered, "FetchFailed")


async def test_wrong_credentials_have_a_clear_message(
    kube: client.KubeClient, namespace: str, controller: daemon.Daemon, repo: Repo,
    http: GitHTTPServer,
) -> None:
    await _secret(kube, namespace, "auth", {"username": "git", "password": "not-the-pass"})
    await kube.create(_gitrepo("app", namespace, http.url("app"), secretRef={"name": "auth"}))
    obj = await _until(kube, namespace, "app", "AuthenticationFailed",
                       lambda o: _cond(o, "Ready").get("reason") == "AuthenticationFailed")
    message = _cond(obj, "Ready")["message"]
    assert "app.git" in message and "not-the-pass" not in message
    assert _cond(obj, "FetchFailed")["reason"] == "AuthenticationFailed"
    assert _cond(obj, "Reconciling")["reason"] == "ProgressingWithRetry"
    await kube.create(_gitrepo("missing", namespace, http.url("app"),
                               secretRef={"name": "nope"}))
    obj = await _until(kube, namespace, "missing", "missing secret reported",
                       lambda o: "not found" in _cond(o, "Ready").get("message", ""))
    assert f"'{namespace}/nope'" in _cond(obj, "Ready")["message"]


async def test_bearer_token_and_force_push(
    kube: client.KubeClient, namespace: str, controller: daemon.Daemon, repo: Repo,
    tmp_path: Path,
) -> None:
    first = repo.commit({"a": "1"}, message="a1")
    second = repo.commit({"a": "2"}, message="a2")
    with GitHTTPServer(tmp_path / "srv", token=TOKEN) as server, \
            structlog.testing.capture_logs() as logs:
        await _secret(kube, namespace, "tok", {"bearerToken": TOKEN})
        await kube.create(_gitrepo("app", namespace, server.url("app"),
                                   secretRef={"name": "tok"}))
        await _until(kube, namespace, "app", "Ready at second", _ready_at(second))
        rewritten = repo.force_reset(first)
        assert rewritten == first
        other = repo.commit({"b": "diverged"}, message="diverged")
        await _until(kube, namespace, "app", "Ready at the rewritten head", _ready_at(other))
        events, _ = await kube.list("v1", "Event", namespace=namespace)
        assert TOKEN not in json.dumps(events) + json.dumps(logs, default=str)


async def test_ignore_rules_and_a_huge_excluded_file(
    kube: client.KubeClient, namespace: str, controller: daemon.Daemon, repo: Repo,
    tmp_path: Path,
) -> None:
    repo.commit({
        "big/blob.bin": b"\0" * (64 * 1024 * 1024),
        ".sourceignore": "big/\n",
        "deploy/.sourceignore": "*.md\n",
        "deploy/notes.md": "notes", "deploy/keep.yaml": "a: 1\n",
        "logo.png": b"\x89PNG", ".github/workflows/ci.yaml": "on: push\n",
        "secret.env": "X=1\n",
    }, message="layout")
    with GitHTTPServer(tmp_path / "srv") as server:
        await kube.create(_gitrepo("app", namespace, server.url("app"),
                                   ignore="secret.env\n", timeout="30s"))
        obj = await _until(kube, namespace, "app", "Ready",
                           lambda o: _cond(o, "Ready").get("status") == "True")
        body = await _download(obj["status"]["artifact"]["url"])
        names = sorted(_names(body))
        # spec.ignore replaces Flux's default list, so logo.png and .github/ stay in.
        assert names == [".github/workflows/ci.yaml", ".sourceignore", "deploy/.sourceignore",
                         "deploy/cm.yaml", "deploy/keep.yaml", "logo.png"]
        assert obj["status"]["artifact"]["size"] < 64 * 1024
        assert obj["status"]["observedIgnore"] == "secret.env\n"
        await kube.create(_gitrepo("defaults", namespace, server.url("app"), timeout="30s"))
        obj = await _until(kube, namespace, "defaults", "Ready",
                           lambda o: _cond(o, "Ready").get("status") == "True")
        names = sorted(_names(await _download(obj["status"]["artifact"]["url"])))
        assert "logo.png" not in names and ".github/workflows/ci.yaml" not in names
        assert "secret.env" in names


async def test_refs_tag_semver_commit(
    kube: client.KubeClient, namespace: str, controller: daemon.Daemon, repo: Repo,
    tmp_path: Path,
) -> None:
    one = repo.commit({"v": "1"}, message="one")
    repo.tag("v1.0.0")
    two = repo.commit({"v": "2"}, message="two")
    repo.tag("v1.1.0", annotated=True)
    with GitHTTPServer(tmp_path / "srv") as server:
        url = server.url("app")
        await kube.create(_gitrepo("tag", namespace, url, ref={"tag": "v1.0.0"}))
        await kube.create(_gitrepo("range", namespace, url, ref={"semver": "~1"}))
        await kube.create(_gitrepo("commit", namespace, url, ref={"commit": one}))
        await _until(kube, namespace, "tag", "tag Ready", _ready_at(one, "v1.0.0"))
        await _until(kube, namespace, "range", "semver Ready", _ready_at(two, "v1.1.0"))
        obj = await _until(kube, namespace, "commit", "commit Ready",
                           lambda o: _cond(o, "Ready").get("status") == "True")
        assert obj["status"]["artifact"]["revision"] == f"sha1:{one}"
        three = repo.commit({"v": "3"}, message="three")
        repo.tag("v1.2.0")
        await _until(kube, namespace, "range", "newer semver tag", _ready_at(three, "v1.2.0"))
        await kube.create(_gitrepo("badrange", namespace, url, ref={"semver": ">=x.y"}))
        obj = await _until(kube, namespace, "badrange", "stalled on a bad range",
                           lambda o: _cond(o, "Stalled").get("status") == "True")
        assert _cond(obj, "Ready")["reason"] == "InvalidSpec"
        assert "semver range" in _cond(obj, "Ready")["message"]
        assert obj["status"]["observedGeneration"] == 1
        assert not _cond(obj, "Reconciling")


async def test_ssh_with_known_hosts(
    kube: client.KubeClient, namespace: str, controller: daemon.Daemon, repo: Repo,
    tmp_path: Path,
) -> None:
    public = generate_key(tmp_path / "id")
    with SSHGitServer(tmp_path / "srv", tmp_path / "sshd", authorized_keys=[public]) as server:
        identity = (tmp_path / "id").read_text()
        await _secret(kube, namespace, "ssh", {"identity": identity,
                                               "known_hosts": server.known_hosts_line()})
        await kube.create(_gitrepo("app", namespace, server.url("app"),
                                   secretRef={"name": "ssh"}))
        obj = await _until(kube, namespace, "app", "Ready over SSH",
                           lambda o: _cond(o, "Ready").get("status") == "True")
        assert obj["status"]["artifact"]["revision"].startswith("main@sha1:")
        other = generate_key(tmp_path / "other").split()
        await _secret(kube, namespace, "bad", {
            "identity": identity,
            "known_hosts": f"[127.0.0.1]:{server.port} {other[0]} {other[1]}"})
        await kube.create(_gitrepo("bad", namespace, server.url("app"),
                                   secretRef={"name": "bad"}))
        bad = await _until(kube, namespace, "bad", "host key rejected",
                           lambda o: _cond(o, "Ready").get("status") == "False")
        assert "host key verification failed" in _cond(bad, "Ready")["message"]
        assert "PRIVATE KEY" not in json.dumps(bad["status"])


async def test_suspend_request_handshake_and_verify(
    kube: client.KubeClient, namespace: str, controller: daemon.Daemon, repo: Repo,
    tmp_path: Path,
) -> None:
    with GitHTTPServer(tmp_path / "srv") as server:
        await kube.create(_gitrepo("app", namespace, server.url("app"), interval="1h"))
        await _until(kube, namespace, "app", "Ready",
                     lambda o: _cond(o, "Ready").get("status") == "True")
        newer = repo.commit({"n": "1"}, message="n")
        stamp = "2026-11-23T20:00:00.000000000Z"
        await kube.patch(source.API_VERSION, source.KIND, "app", {
            "metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": stamp}}},
            namespace=namespace)
        obj = await _until(kube, namespace, "app", "requestedAt handled", _ready_at(newer))
        assert obj["status"]["lastHandledReconcileAt"] == stamp
        await kube.patch(source.API_VERSION, source.KIND, "app", {"spec": {"suspend": True}},
                         namespace=namespace)
        await kube.create(_gitrepo("signed", namespace, server.url("app"),
                                   verify={"mode": "HEAD", "secretRef": {"name": "keys"}}))
        obj = await _until(kube, namespace, "signed", "verification refused",
                           lambda o: _cond(o, "SourceVerified").get("status") == "False")
        assert _cond(obj, "Ready")["reason"] == "VerificationError"
        assert "verification secret" in _cond(obj, "Ready")["message"]
        assert "artifact" not in obj["status"]
        # Suspended: a new commit is not picked up.
        repo.commit({"n": "2"}, message="while suspended")
        await kube.patch(source.API_VERSION, source.KIND, "app", {
            "metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "again"}}},
            namespace=namespace)
        suspended = await kube.get(source.API_VERSION, source.KIND, "app", namespace)
        assert suspended["status"]["artifact"]["revision"] == f"main@sha1:{newer}"
        assert suspended["status"]["lastHandledReconcileAt"] == stamp


async def test_include_copies_another_artifact_and_follows_it(
    kube: client.KubeClient, namespace: str, controller: daemon.Daemon, repo: Repo,
    tmp_path: Path,
) -> None:
    lib = Repo.create(tmp_path / "srv", "lib")
    lib.commit({"manifests/lib.yaml": "kind: Lib\n"}, message="lib")
    with GitHTTPServer(tmp_path / "srv") as server:
        await kube.create(_gitrepo("lib", namespace, server.url("lib")))
        await kube.create(_gitrepo("app", namespace, server.url("app"), interval="1h", include=[
            {"repository": {"name": "lib"}, "fromPath": "manifests", "toPath": "vendor/lib"}]))
        obj = await _until(kube, namespace, "app", "Ready with include",
                           lambda o: _cond(o, "Ready").get("status") == "True")
        names = _names(await _download(obj["status"]["artifact"]["url"]))
        assert "vendor/lib/lib.yaml" in names
        first_digest = obj["status"]["artifact"]["digest"]
        lib.commit({"manifests/more.yaml": "kind: More\n"}, message="more")

        def rebuilt(o: dict[str, Any]) -> bool:
            return bool(o["status"].get("artifact", {}).get("digest") != first_digest)
        obj = await _until(kube, namespace, "app", "rebuilt after the include changed",
                           rebuilt, timeout=20)
        names = _names(await _download(obj["status"]["artifact"]["url"]))
        assert "vendor/lib/more.yaml" in names
        await kube.create(_gitrepo("orphan", namespace, server.url("app"),
                                   include=[{"repository": {"name": "absent"}}]))
        obj = await _until(kube, namespace, "orphan", "include unavailable",
                           lambda o: _cond(o, "IncludeUnavailable").get("status") == "True")
        assert _cond(obj, "Ready")["status"] == "False"
        assert "'absent'" in _cond(obj, "Ready")["message"]


async def test_proxy_secret(
    kube: client.KubeClient, namespace: str, controller: daemon.Daemon, repo: Repo,
    tmp_path: Path,
) -> None:
    with GitHTTPServer(tmp_path / "srv") as server, \
            ForwardProxy(username="p", password="pr0xy-s3cret") as proxy:
        await _secret(kube, namespace, "proxy", {"address": proxy.address, "username": "p",
                                                 "password": "pr0xy-s3cret"})
        await kube.create(_gitrepo("app", namespace, server.url("app"),
                                   proxySecretRef={"name": "proxy"}))
        await _until(kube, namespace, "app", "Ready through the proxy",
                     lambda o: _cond(o, "Ready").get("status") == "True")
        assert any("/app.git/" in r for r in proxy.requests)
        await _secret(kube, namespace, "badproxy", {"address": proxy.address, "username": "p",
                                                    "password": "wrong-pr0xy"})
        await kube.create(_gitrepo("bad", namespace, server.url("app"),
                                   proxySecretRef={"name": "badproxy"}))
        obj = await _until(kube, namespace, "bad", "proxy auth failure",
                           lambda o: _cond(o, "Ready").get("status") == "False")
        assert "wrong-pr0xy" not in json.dumps(obj["status"])


async def test_artifacts_of_objects_deleted_while_down_are_swept(
    kube: client.KubeClient, namespace: str, source_crds: None, tmp_path: Path,
) -> None:
    ghost = tmp_path / "storage" / "gitrepository" / namespace / "ghost"
    ghost.mkdir(parents=True)
    (ghost / ("0" * 64 + ".tar.gz")).write_bytes(b"old")
    other_ns = tmp_path / "storage" / "gitrepository" / "elsewhere" / "kept"
    other_ns.mkdir(parents=True)
    settings = daemon.Settings(storage_path=tmp_path / "storage", storage_addr="127.0.0.1:0",
                               health_addr="127.0.0.1:0", metrics_addr="127.0.0.1:0",
                               namespace=namespace, grace=5.0)
    run = daemon.Daemon(kube, settings)
    stop = asyncio.Event()
    task = asyncio.create_task(run.run(stop))
    try:
        await eventually(lambda: _async(not ghost.exists()), timeout=15,
                         what="the orphaned artifact swept")
        assert other_ns.exists()  # another namespace is not ours to judge
    finally:
        stop.set()
        await task


async def test_a_corrupted_artifact_is_never_used_and_is_rebuilt_identically(
    kube: client.KubeClient, namespace: str, controller: daemon.Daemon, repo: Repo,
    tmp_path: Path,
) -> None:
    with GitHTTPServer(tmp_path / "srv") as server:
        await kube.create(_gitrepo("app", namespace, server.url("app"), interval="1h"))
        obj = await _until(kube, namespace, "app", "Ready",
                           lambda o: _cond(o, "Ready").get("status") == "True")
        art = obj["status"]["artifact"]
        assert controller.storage is not None
        path = controller.storage.resolve(art["path"])
        path.write_bytes(b"tampered")
        await kube.patch(source.API_VERSION, source.KIND, "app", {
            "metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "now"}}},
            namespace=namespace)
        obj = await _until(kube, namespace, "app", "rebuilt after tampering",
                           lambda o: o["status"].get("lastHandledReconcileAt") == "now"
                           and _cond(o, "Ready").get("status") == "True")
        # Same tree, same bytes: the rebuilt artifact has the same digest and path.
        assert obj["status"]["artifact"]["digest"] == art["digest"]
        body = await _download(obj["status"]["artifact"]["url"])
        assert "sha256:" + hashlib.sha256(body).hexdigest() == art["digest"]
