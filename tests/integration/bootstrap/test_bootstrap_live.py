"""``tether bootstrap git|github`` end to end: real Git servers, real cluster, real controller.

Setup per test: a fresh namespace (bootstrap's ``--namespace``, so the manifests live in
``clusters/dev/<ns>/``), a loopback Git server from ``tests.gitserver`` (smart HTTP with
basic auth, or sshd), and ``tether controller run`` as a local process (kwok pods are fake,
so the in-cluster Deployment only becomes Available; the local process does the work, with
an artifact server on loopback). ``bootstrap github`` talks to ``github_api.FakeGitHub``,
the only test double (it stands in for GitHub SaaS). After each test the namespace is
uninstalled through the library with the CRDs kept (they are shared by the whole suite).

What is asserted: Flux's output lines in order; the repository created empty, then
bootstrapped twice with no new commit the second time; the token never appears in the
pushed repository, the command's output, or any cluster object but the Secret.
"""

from __future__ import annotations

import base64
import json
import subprocess
import uuid
from pathlib import Path

import pytest
from tests.gitserver import GitHTTPServer, Repo, SSHGitServer, generate_key
from tests.integration.bootstrap.github_api import FakeGitHub
from tests.integration.bootstrap.harness import cli

from tether.cluster.client import KubeClient
from tether.devcluster import cluster

pytestmark = pytest.mark.cluster

PATH = "clusters/dev"


def _expected(*, url: str, ns: str, secret: list[str], first: bool) -> list[str]:
    comp = ['✔ committed component manifests to "main" ("<sha>")',
            f'► pushing component manifests to "{url}"'] if first else [
        "✔ component manifests are up to date"]
    sync = ['✔ committed sync manifests to "main" ("<sha>")',
            f'► pushing sync manifests to "{url}"'] if first else [
        "✔ sync manifests are up to date"]
    installing = [f'► installing components in "{ns}" namespace',
                  "✔ installed components"] if first else []
    return [
        f'► cloning branch "main" from Git repository "{url}"',
        "✔ cloned repository",
        "► generating component manifests",
        "✔ generated component manifests",
        *comp,
        *installing,
        "✔ reconciled components",
        f'► determining if source secret "{ns}/flux-system" exists',
        *secret,
        "► generating sync manifests",
        "✔ generated sync manifests",
        *sync,
        "► applying sync manifests",
        "✔ reconciled sync configuration",
        f'◎ waiting for GitRepository "{ns}/flux-system" to be reconciled',
        "✔ GitRepository reconciled successfully",
        f'◎ waiting for Kustomization "{ns}/flux-system" to be reconciled',
        "✔ Kustomization reconciled successfully",
        "► confirming components are healthy",
        "✔ tether-controller: deployment ready",
        "✔ all components are healthy",
    ]


_TOKEN_SECRET = ["► generating source secret", '► applying source secret "{ns}/flux-system"',
                 "✔ reconciled source secret"]


def _git_log(bare: Path) -> str:
    return subprocess.run(["git", "log", "-p", "--all", "--format=%H %an %s"], cwd=bare,
                          capture_output=True, text=True, check=True).stdout


def _head(bare: Path) -> str:
    return subprocess.run(["git", "rev-parse", "refs/heads/main"], cwd=bare,
                          capture_output=True, text=True, check=True).stdout.strip()


async def _assert_token_only_in_secret(kube: KubeClient, ns: str, token: str) -> None:
    forms = {token, base64.b64encode(token.encode()).decode(),
             base64.b64encode(f"git:{token}".encode()).decode()}
    kinds = [("source.toolkit.fluxcd.io/v1", "GitRepository"),
             ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"), ("apps/v1", "Deployment"),
             ("v1", "ConfigMap"), ("v1", "Event"), ("v1", "Service"), ("v1", "ServiceAccount")]
    for api_version, kind in kinds:
        items, _ = await kube.list(api_version, kind, namespace=ns)
        text = json.dumps(items)
        assert not any(f in text for f in forms), f"token leaked into a {kind}"
    secret = await kube.get("v1", "Secret", "flux-system", ns)
    assert base64.b64decode(secret["data"]["password"]).decode() == token
    assert "kubectl.kubernetes.io/last-applied-configuration" not in (
        secret["metadata"].get("annotations") or {})


async def test_bootstrap_git_twice_over_http_with_token(
        dev_cluster: cluster.ClusterStatus, kube: KubeClient, controller: Path,
        boot_ns: str, tmp_path: Path) -> None:
    token = f"tok-{uuid.uuid4().hex}"
    repo = Repo.create(tmp_path / "srv", "fleet")
    with GitHTTPServer(tmp_path / "srv", username="git", password=token) as server:
        url = server.url("fleet")
        args = ["bootstrap", "git", f"--url={url}", "--branch=main", f"--path={PATH}",
                "--namespace", boot_ns, "--username=git", f"--password={token}",
                "--token-auth", "--silent"]
        secret = [s.format(ns=boot_ns) for s in _TOKEN_SECRET]
        first = await cli(dev_cluster, *args)
        assert first.rc == 0, first.err + controller.read_text()[-3000:]
        assert first.lines() == _expected(url=url, ns=boot_ns, secret=secret, first=True)
        head = _head(repo.bare)

        second = await cli(dev_cluster, *args)
        assert second.rc == 0, second.err
        assert second.lines() == _expected(url=url, ns=boot_ns, secret=secret, first=False)
        assert _head(repo.bare) == head  # idempotent: no new commit

        # An upgrade goes through Git: new component manifests are committed, the direct
        # install is skipped (the cluster already syncs itself), and the wait covers the
        # new revision, so the new image is live when bootstrap returns.
        upgrade = await cli(dev_cluster, *args, "--image=registry.local/tether:v2")
        assert upgrade.rc == 0, upgrade.err
        lines = upgrade.lines()
        assert '✔ committed component manifests to "main" ("<sha>")' in lines
        assert not any(line.startswith("► installing components") for line in lines)
        deploy = await kube.get("apps/v1", "Deployment", "tether-controller", boot_ns)
        image = deploy["spec"]["template"]["spec"]["containers"][0]["image"]
        assert image == "registry.local/tether:v2"
        head = _head(repo.bare)

    files = subprocess.run(["git", "ls-tree", "-r", "--name-only", "main"], cwd=repo.bare,
                           capture_output=True, text=True, check=True).stdout.split()
    assert files == [f"{PATH}/{boot_ns}/{f}" for f in
                     ("gotk-components.yaml", "gotk-sync.yaml", "kustomization.yaml")]
    log = _git_log(repo.bare)
    assert log.count("Add Tether") == 3 and token not in log
    assert token not in first.out + first.err + second.out + second.err + upgrade.out
    assert token not in controller.read_text()  # nor in the controller's logs
    await _assert_token_only_in_secret(kube, boot_ns, token)
    ks = await kube.get("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "flux-system",
                        boot_ns)
    assert ks["spec"]["path"] == f"./{PATH}"
    assert ks["status"]["lastAppliedRevision"] == f"main@sha1:{head}"


async def test_bootstrap_github_creates_the_repository_with_token_auth(
        dev_cluster: cluster.ClusterStatus, kube: KubeClient, controller: Path,
        boot_ns: str, tmp_path: Path) -> None:
    token = f"ghp_{uuid.uuid4().hex}"
    root = tmp_path / "github"
    with GitHTTPServer(root, username="git", password=token) as git_server, \
            FakeGitHub(root, token=token, user="alice",
                       clone_base=f"http://127.0.0.1:{git_server.port}") as api:
        url = git_server.url("alice/fleet")
        args = ["bootstrap", "github", "--token-auth", "--owner=alice", "--repository=fleet",
                "--branch=main", f"--path={PATH}", "--personal", f"--api-url={api.url}",
                "--namespace", boot_ns]
        first = await cli(dev_cluster, *args, env={"GITHUB_TOKEN": token})
        assert first.rc == 0, first.err + controller.read_text()[-3000:]
        secret = [s.format(ns=boot_ns) for s in _TOKEN_SECRET]
        assert first.lines() == [
            "► connecting to 127.0.0.1", f'✔ repository "{url}" created',
            *_expected(url=url, ns=boot_ns, secret=secret, first=True)]
        head = _head(api.bare("alice", "fleet"))
        second = await cli(dev_cluster, *args, env={"GITHUB_TOKEN": token})
        assert second.rc == 0, second.err
        assert second.lines() == ["► connecting to 127.0.0.1",
                                  *_expected(url=url, ns=boot_ns, secret=secret, first=False)]
        assert _head(api.bare("alice", "fleet")) == head
        assert api.requests.count("POST /user/repos") == 1
        assert {"GET /user", "GET /repos/alice/fleet"} <= set(api.requests)
        assert not api.keys  # token auth registers no deploy key
    assert token not in first.out + first.err + second.out + second.err
    assert token not in controller.read_text()  # nor in the controller's logs
    assert token not in _git_log(api.bare("alice", "fleet"))
    await _assert_token_only_in_secret(kube, boot_ns, token)
    repo_obj = await kube.get("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system",
                              boot_ns)
    assert repo_obj["spec"]["url"] == url


async def test_bootstrap_github_with_a_deploy_key_over_ssh(
        dev_cluster: cluster.ClusterStatus, kube: KubeClient, controller: Path,
        boot_ns: str, tmp_path: Path) -> None:
    token = f"ghp_{uuid.uuid4().hex}"
    root = tmp_path / "github"
    root.mkdir()
    sshd = SSHGitServer(root, tmp_path / "sshd", authorized_keys=[])
    keys_file = tmp_path / "sshd" / "authorized_keys"

    def authorize(key: str) -> None:
        with keys_file.open("a") as out:
            out.write(key + "\n")

    ssh_base = f"ssh://{sshd.user}@127.0.0.1:{sshd.port}{root}"
    with sshd, GitHTTPServer(root, username="git", password=token) as git_server, \
            FakeGitHub(root, token=token, user="alice", ssh_base=ssh_base,
                       clone_base=f"http://127.0.0.1:{git_server.port}",
                       on_deploy_key=authorize) as api:
        api.create_bare("acme", "fleet")  # an existing organisation repository
        args = ["bootstrap", "github", "--owner=acme", "--repository=fleet", "--branch=main",
                f"--path={PATH}", f"--api-url={api.url}", "--namespace", boot_ns]
        first = await cli(dev_cluster, *args, env={"GITHUB_TOKEN": token})
        assert first.rc == 0, first.err + controller.read_text()[-3000:]
        url = git_server.url("acme/fleet")
        title = f"flux-system-main-{boot_ns}-./{PATH}"
        lines = first.lines()
        assert lines[0] == "► connecting to 127.0.0.1"
        assert lines[1] == f'► cloning branch "main" from Git repository "{url}"'
        assert any(line.startswith("✔ public key: ssh-ed25519 ") for line in lines)
        assert f'✔ configured deploy key "{title}" for "{url}"' in lines
        assert lines[-1] == "✔ all components are healthy"
        (key,) = api.keys["acme/fleet"]
        assert key["title"] == title and key["read_only"] is True

        second = await cli(dev_cluster, *args, env={"GITHUB_TOKEN": token})
        assert second.rc == 0, second.err
        assert "✔ source secret up to date" in second.lines()
        assert len(api.keys["acme/fleet"]) == 1
    assert "POST /orgs/acme/repos" not in api.requests
    repo_obj = await kube.get("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system",
                              boot_ns)
    assert repo_obj["spec"]["url"] == f"{ssh_base}/acme/fleet.git"
    secret = await kube.get("v1", "Secret", "flux-system", boot_ns)
    assert set(secret["data"]) == {"identity", "identity.pub", "known_hosts"}
    assert token not in first.out + first.err + second.out + second.err
    assert token not in controller.read_text()  # nor in the controller's logs


async def test_bootstrap_git_over_ssh_with_a_private_key_file(
        dev_cluster: cluster.ClusterStatus, kube: KubeClient, controller: Path,
        boot_ns: str, tmp_path: Path) -> None:
    root = tmp_path / "srv"
    repo = Repo.create(root, "fleet")
    key = tmp_path / "id_ed25519"
    public = generate_key(key)
    with SSHGitServer(root, tmp_path / "sshd", authorized_keys=[public]) as sshd:
        url = sshd.url("fleet")
        args = ["bootstrap", "git", f"--url={url}", "--branch=main", f"--path={PATH}",
                "--namespace", boot_ns, f"--private-key-file={key}", "--silent"]
        first = await cli(dev_cluster, *args)
        assert first.rc == 0, first.err + controller.read_text()[-3000:]
        ssh_secret = ["► generating source secret",
                      f'► applying source secret "{boot_ns}/flux-system"',
                      "✔ reconciled source secret"]
        assert first.lines() == _expected(url=url, ns=boot_ns, secret=ssh_secret, first=True)
        head = _head(repo.bare)
        second = await cli(dev_cluster, *args)
        assert second.rc == 0, second.err
        assert _head(repo.bare) == head
    secret = await kube.get("v1", "Secret", "flux-system", boot_ns)
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert data["identity"] == key.read_text()
    assert data["identity.pub"].split()[:2] == public.split()[:2]
    assert data["known_hosts"].startswith(f"[127.0.0.1]:{sshd.port} ")
    assert key.read_text() not in first.out + first.err


async def test_bootstrap_git_with_a_bearer_token(
        dev_cluster: cluster.ClusterStatus, kube: KubeClient, controller: Path,
        boot_ns: str, tmp_path: Path) -> None:
    token = f"bearer-{uuid.uuid4().hex}"
    Repo.create(tmp_path / "srv", "fleet")
    with GitHTTPServer(tmp_path / "srv", token=token) as server:
        url = server.url("fleet")
        result = await cli(dev_cluster, "bootstrap", "git", f"--url={url}", f"--path={PATH}",
                           "--namespace", boot_ns, f"--password={token}",
                           "--with-bearer-token", "--token-auth", "--silent")
        assert result.rc == 0, result.err + controller.read_text()[-3000:]
        assert result.lines()[-1] == "✔ all components are healthy"
    secret = await kube.get("v1", "Secret", "flux-system", boot_ns)
    assert {k: base64.b64decode(v).decode() for k, v in secret["data"].items()} == {
        "bearerToken": token}
    assert token not in result.out + result.err + controller.read_text()


async def test_credentials_in_the_url_are_moved_out_of_it(
        dev_cluster: cluster.ClusterStatus, kube: KubeClient, controller: Path,
        boot_ns: str, tmp_path: Path) -> None:
    token = f"tok-{uuid.uuid4().hex}"
    repo = Repo.create(tmp_path / "srv", "fleet")
    with GitHTTPServer(tmp_path / "srv", username="git", password=token) as server:
        clean = server.url("fleet")
        with_creds = clean.replace("http://", f"http://git:{token}@")
        result = await cli(dev_cluster, "bootstrap", "git", f"--url={with_creds}",
                           f"--path={PATH}", "--namespace", boot_ns, "--token-auth",
                           "--silent")
        assert result.rc == 0, result.err + controller.read_text()[-3000:]
    assert token not in result.out + result.err
    assert token not in _git_log(repo.bare)
    repo_obj = await kube.get("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system",
                              boot_ns)
    assert repo_obj["spec"]["url"] == clean
    await _assert_token_only_in_secret(kube, boot_ns, token)


async def test_bootstrap_git_anonymous_has_no_secret(
        dev_cluster: cluster.ClusterStatus, kube: KubeClient, controller: Path,
        boot_ns: str, tmp_path: Path) -> None:
    Repo.create(tmp_path / "srv", "fleet")
    with GitHTTPServer(tmp_path / "srv") as server:
        url = server.url("fleet")
        result = await cli(dev_cluster, "bootstrap", "git", f"--url={url}", "--branch=main",
                           f"--path={PATH}", "--namespace", boot_ns, "--silent")
        assert result.rc == 0, result.err + controller.read_text()[-3000:]
    expected = _expected(url=url, ns=boot_ns, secret=[], first=True)
    expected.remove(f'► determining if source secret "{boot_ns}/flux-system" exists')
    assert result.lines() == expected
    repo_obj = await kube.get("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system",
                              boot_ns)
    assert "secretRef" not in repo_obj["spec"]
    assert await kube.get_or_none("v1", "Secret", "flux-system", boot_ns) is None
