"""The seed's commands on the real dev cluster: create, get, reconcile, suspend/resume, export,
delete — output compared with Flux's shapes (headers, glyph lines) and exit codes."""

from __future__ import annotations

import asyncio
import contextlib
import sys

import pytest
import yaml
from tests.helpers import eventually
from tests.integration.cli.conftest import REVISION, Cli, Handshaker

from tether.cli import kinds, waiting
from tether.cluster.client import KubeClient

pytestmark = pytest.mark.cluster

URL = "https://example.com/org/fleet.git"


async def _create_pair(cli: Cli) -> None:
    r = await cli("create", "source", "git", "flux-system", "--url", URL, "--branch", "main")
    assert r.rc == 0, r.err
    r = await cli("create", "kustomization", "apps", "--source", "flux-system",
                  "--path", "./apps", "--prune")
    assert r.rc == 0, r.err


async def test_create_then_get_like_the_seed(cli: Cli, handshaker: Handshaker) -> None:
    r = await cli("create", "source", "git", "flux-system", "--url", URL, "--branch", "main")
    assert r.rc == 0, r.err
    assert r.err.splitlines() == [
        "✚ generating GitRepository source", "► applying GitRepository source",
        "✔ GitRepository source created", "◎ waiting for GitRepository source reconciliation",
        "✔ GitRepository source reconciliation completed", f"✔ fetched revision: {REVISION}"]
    r = await cli("create", "kustomization", "apps", "--source", "flux-system",
                  "--path", "./apps", "--prune")
    assert r.rc == 0, r.err
    assert r.err.splitlines()[-1] == f"✔ applied revision {REVISION}"

    r = await cli("get", "sources", "git")
    assert r.rc == 0
    assert r.out.splitlines() == [
        "NAME       \tREVISION          \tSUSPENDED\tREADY\tMESSAGE" + " " * 43,
        "flux-system\tmain@sha1:67e2c98a\tFalse    \tTrue \t"
        "stored artifact for revision 'main@sha1:67e2c98a'\t"]
    r = await cli("get", "kustomization")
    assert r.out.splitlines()[1].split("\t") == [
        "apps", "main@sha1:67e2c98a", "False    ", "True ",
        "Applied revision: main@sha1:67e2c98a", ""]
    r = await cli("get", "ks", "-A", "--no-header")
    ours = [ln.split("\t")[:2] for ln in r.out.splitlines() if ln.startswith(cli.namespace)]
    assert ours == [[cli.namespace.ljust(len(ours[0][0])), "apps".ljust(len(ours[0][1]))]]
    assert not r.out.startswith("NAMESPACE")


async def test_get_all_and_selectors(cli: Cli, handshaker: Handshaker) -> None:
    handshaker.failing["broken"] = "kustomization path not found: ./nope"
    await _create_pair(cli)
    r = await cli("create", "ks", "broken", "--source", "flux-system", "--path", "./nope")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        "✗ Kustomization reconciliation failed: kustomization path not found: ./nope")
    r = await cli("get", "all")
    lines = r.out.splitlines()
    assert lines[0].startswith("NAME") and lines[1].startswith("gitrepository/flux-system\t")
    assert lines[2] == ""
    assert [ln.split("\t")[0].strip() for ln in lines[4:6]] == [
        "kustomization/apps", "kustomization/broken"]
    r = await cli("get", "sources", "all", "--no-header")
    assert [ln.split("\t")[0].strip() for ln in r.out.splitlines() if ln] == [
        "gitrepository/flux-system"]
    r = await cli("get", "all", "-A", "-o", "yaml")
    records = yaml.safe_load(r.out)  # one list: GitRepositories, then Kustomizations
    assert {"Namespace", "Name", "Ready"} <= set(records[0])
    assert "gitrepository/flux-system" in {rec["Name"] for rec in records}
    r = await cli("get", "ks", "--status-selector", "ready=false", "--no-header")
    assert [ln.split("\t")[0] for ln in r.out.splitlines()] == ["broken"]
    r = await cli("create", "ks", "labelled", "--source", "flux-system", "--label", "tier=web")
    assert r.rc == 0, r.err
    r = await cli("get", "ks", "-l", "tier=web", "--no-header")
    assert [ln.split("\t")[0].strip() for ln in r.out.splitlines()] == ["labelled"]
    r = await cli("get", "ks", "-o", "json")
    assert '"Name": "apps"' in r.out
    r = await cli("get", "ks", "nothing-here")
    assert r.rc == 0 and "✗ Kustomization object 'nothing-here' not found" in r.err


async def test_reconcile_with_source_prints_flux_lines(cli: Cli, handshaker: Handshaker) -> None:
    await _create_pair(cli)
    r = await cli("reconcile", "ks", "apps", "--with-source")
    assert r.rc == 0, r.err
    assert r.err.splitlines() == [
        f"► annotating GitRepository flux-system in {cli.namespace} namespace",
        "✔ GitRepository annotated",
        "◎ waiting for GitRepository reconciliation",
        f"✔ fetched revision {REVISION}",
        f"► annotating Kustomization apps in {cli.namespace} namespace",
        "✔ Kustomization annotated",
        "◎ waiting for Kustomization reconciliation",
        f"✔ applied revision {REVISION}",
    ]
    r = await cli("reconcile", "source", "git", "flux-system")
    assert r.rc == 0 and r.err.splitlines()[-1] == f"✔ fetched revision {REVISION}"


async def test_reconcile_failure_and_honest_timeout(cli: Cli, handshaker: Handshaker) -> None:
    await _create_pair(cli)
    handshaker.failing["apps"] = "kustomization path not found: ./apps"
    r = await cli("reconcile", "kustomization", "apps")
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        "✗ Kustomization reconciliation failed: kustomization path not found: ./apps")


async def test_timeout_says_the_controller_did_not_answer(cli: Cli, handshaker: Handshaker,
                                                          ) -> None:
    await _create_pair(cli)
    r = await cli("suspend", "ks", "apps")
    assert r.rc == 0
    assert r.err.splitlines() == [
        f"► suspending kustomization apps in {cli.namespace} namespace",
        "✔ kustomization suspended"]
    r = await cli("reconcile", "ks", "apps")
    assert r.rc == 1 and "resource is suspended" in r.err
    # The stand-in ignores suspended objects, so a handshake on the source times out.
    r = await cli("suspend", "source", "git", "--all")
    assert r.rc == 0
    r = await cli("--timeout", "2", "resume", "source", "git", "flux-system", "--no-wait")
    assert r.rc == 0
    r = await cli("resume", "ks", "apps")
    assert r.rc == 0, r.err
    assert r.err.splitlines()[-2:] == ["✔ Kustomization apps reconciliation completed",
                                       f"✔ applied revision {REVISION}"]


async def test_reconcile_without_controller_times_out_with_reason(cli: Cli) -> None:
    r = await cli("create", "source", "git", "lonely", "--url", URL, "--branch", "main",
                  timeout=1)
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        f"✗ timed out after 1s waiting for GitRepository {cli.namespace}/lonely: "
        "no Ready condition yet (waiting to be reconciled)")
    r = await cli("reconcile", "source", "git", "lonely", timeout=1)
    assert r.rc == 1
    assert "the reconcile request was not handled (lastHandledReconcileAt: never); " \
        "is the controller running?" in r.err.splitlines()[-1]


async def test_export_and_delete(cli: Cli, handshaker: Handshaker) -> None:
    await _create_pair(cli)
    r = await cli("export", "source", "git", "--all")
    docs = list(yaml.safe_load_all(r.out))
    assert r.out.startswith("---\napiVersion: source.toolkit.fluxcd.io/v1\n")
    assert docs[0]["metadata"] == {"name": "flux-system", "namespace": cli.namespace}
    assert "status" not in docs[0] and docs[0]["spec"]["url"] == URL
    r = await cli("export", "ks", "apps")
    assert yaml.safe_load(r.out)["spec"]["sourceRef"] == {"kind": "GitRepository",
                                                          "name": "flux-system"}
    r = await cli("delete", "ks", "apps")
    assert r.rc == 2 and "--silent" in r.err
    r = await cli("delete", "ks", "apps", "--silent")
    assert r.rc == 0
    assert r.err.splitlines() == [f"► deleting kustomization apps in {cli.namespace} namespace",
                                  "✔ kustomization deleted"]
    r = await cli("get", "ks", "apps")
    assert "not found" in r.err


async def test_get_watch_prints_a_row_per_change(cli: Cli, kube: KubeClient) -> None:
    r = await cli("create", "ks", "apps", "--source", "flux-system", "--export")
    obj = yaml.safe_load(r.out)
    obj["metadata"]["namespace"] = cli.namespace
    await kube.create(obj)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tether", "--kubeconfig", cli.kubeconfig, "-n", cli.namespace,
        "get", "ks", "--watch", stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    try:
        header = await asyncio.wait_for(proc.stdout.readline(), 20)
        first = await asyncio.wait_for(proc.stdout.readline(), 20)
        assert header.decode().startswith("NAME")
        assert [c.strip() for c in first.decode().split("\t")[:3]] == ["apps", "", "False"]
        await kube.patch(kinds.KUSTOMIZATION.api_version, "Kustomization", "apps",
                         {"spec": {"suspend": True}}, namespace=cli.namespace)
        changed = await asyncio.wait_for(proc.stdout.readline(), 20)
        assert [c.strip() for c in changed.decode().split("\t")[:3]] == ["apps", "", "True"]
    finally:
        proc.terminate()
        await proc.wait()


async def test_dependency_not_ready_is_waited_for(cli: Cli, handshaker: Handshaker) -> None:
    await _create_pair(cli)
    handshaker.blocked["apps"] = "infra"
    run = asyncio.create_task(cli("reconcile", "ks", "apps", timeout=30))

    async def announced() -> bool:
        ks = await handshaker.kube.get(kinds.KUSTOMIZATION.api_version, "Kustomization",
                                       "apps", cli.namespace)
        return (kinds.condition(ks, "Ready") or {}).get("reason") == "DependencyNotReady"

    await eventually(announced, timeout=20, what="apps blocked on its dependency")
    # Hold the blocked state for a few of the CLI's polls so it is observed, then release.
    await asyncio.sleep(4 * waiting.POLL_INTERVAL)
    del handshaker.blocked["apps"]
    r = await run
    assert r.rc == 0, r.err
    lines = r.err.splitlines()
    assert f"◎ waiting for dependency: dependency '{cli.namespace}/infra' is not ready" in lines
    assert lines[-1] == f"✔ applied revision {REVISION}"

    handshaker.blocked["apps"] = "infra"
    r = await cli("reconcile", "ks", "apps", timeout=2)
    assert r.rc == 1
    assert r.err.splitlines()[-1] == (
        f"✗ timed out after 2s waiting for Kustomization {cli.namespace}/apps: "
        f"Ready=False (DependencyNotReady): dependency '{cli.namespace}/infra' is not ready")


async def test_watch_resumes_after_an_expired_resource_version(
        cli: Cli, kube: KubeClient, capsys: pytest.CaptureFixture[str]) -> None:
    from tether.cli import get, options

    r = await cli("create", "ks", "apps", "--source", "flux-system", "--export")
    obj = yaml.safe_load(r.out)
    obj["metadata"]["namespace"] = cli.namespace
    await kube.create(obj)
    opts = options.GlobalOptions(kubeconfig=cli.kubeconfig, context=None,
                                 namespace=cli.namespace, timeout=5)
    # resourceVersion "1" is long compacted: the server answers 410 Expired; _watch relists.
    task = asyncio.create_task(get._watch(kube, kinds.KUSTOMIZATION, get.GetFlags(), opts,
                                          None, "1"))
    flips = iter(range(1000))

    async def printed() -> bool:
        await kube.patch(kinds.KUSTOMIZATION.api_version, "Kustomization", "apps",
                         {"spec": {"suspend": next(flips) % 2 == 0}}, namespace=cli.namespace)
        await asyncio.sleep(0.2)
        return "apps" in capsys.readouterr().out

    try:
        await eventually(printed, timeout=20, what="a row after the relist")
        assert not task.done()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_create_with_basic_auth_writes_the_secret(cli: Cli, kube: KubeClient,
                                                       handshaker: Handshaker) -> None:
    r = await cli("create", "source", "git", "private", "--url", URL, "--branch", "main",
                  "-u", "git", "-p", "s3cret")
    assert r.rc == 0, r.err
    assert r.err.splitlines()[:5] == [
        "✚ generating GitRepository source",
        "► applying secret with repository credentials", "✔ authentication configured",
        "► applying GitRepository source", "✔ GitRepository source created"]
    assert "s3cret" not in r.err + r.out
    secret = await kube.get("v1", "Secret", "private", cli.namespace)
    assert set(secret["data"]) == {"username", "password"}
    repo = await kube.get(kinds.GIT_REPOSITORY.api_version, "GitRepository", "private",
                          cli.namespace)
    assert repo["spec"]["secretRef"] == {"name": "private"}
