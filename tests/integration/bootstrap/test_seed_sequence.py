"""The seed article's sequence with ``tether`` in place of ``flux``, GitHub flavour.

``check --pre`` → ``bootstrap github --token-auth --owner --repository --branch=main
--path=clusters/<cluster> --personal`` (``GITHUB_TOKEN`` in the environment; the API is the
local GitHub stand-in, the only test double) → commit the monorepo files (a cluster
Kustomization pointing at ``apps/``) → ``reconcile source git flux-system`` → ``get sources
git`` and ``get kustomization`` with every row ``True``.
"""

from __future__ import annotations

import base64
import re
import subprocess
import uuid
from pathlib import Path

import pytest
from tests.gitserver import GitHTTPServer
from tests.helpers import eventually
from tests.integration.bootstrap.github_api import FakeGitHub
from tests.integration.bootstrap.harness import cli

from tether.cluster.client import KubeClient
from tether.devcluster import cluster

pytestmark = pytest.mark.cluster

_CLUSTER = "homelab"


def _push_monorepo(url: str, token: str, work: Path, *, namespace: str) -> None:
    header = "Authorization: Basic " + base64.b64encode(f"git:{token}".encode()).decode()
    env = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
           "GIT_CONFIG_VALUE_0": header, "GIT_CONFIG_GLOBAL": "/dev/null",
           "GIT_AUTHOR_NAME": "me", "GIT_AUTHOR_EMAIL": "me@example.com",
           "GIT_COMMITTER_NAME": "me", "GIT_COMMITTER_EMAIL": "me@example.com",
           "PATH": "/usr/bin:/bin"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=work, env=env, check=True, capture_output=True)

    work.mkdir()
    git("clone", "-q", url, ".")
    (work / "apps/base").mkdir(parents=True)
    (work / "apps/base/kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources: [config.yaml]\n")
    (work / "apps/base/config.yaml").write_text(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: homelab-settings\n"
        f"  namespace: {namespace}\ndata:\n  greeting: hello\n")
    (work / f"clusters/{_CLUSTER}/apps.yml").write_text(
        f"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n"
        f"  name: apps\n  namespace: {namespace}\nspec:\n  interval: 1h\n"
        f"  retryInterval: 1m\n  timeout: 5m\n  sourceRef:\n    kind: GitRepository\n"
        f"    name: flux-system\n  path: ./apps/base\n  prune: true\n")
    git("add", "-A")
    git("commit", "-q", "-m", "Add the monorepo")
    git("push", "-q", "origin", "HEAD:main")


def _rows(out: str) -> list[list[str]]:
    return [re.split(r"\s*\t\s*|\s{2,}", line.strip()) for line in out.splitlines()[1:]
            if line.strip()]


async def test_seed_sequence_with_bootstrap_github(
        dev_cluster: cluster.ClusterStatus, kube: KubeClient, controller: Path,
        boot_ns: str, tmp_path: Path) -> None:
    token = f"ghp_{uuid.uuid4().hex}"
    root = tmp_path / "github"
    pre = await cli(dev_cluster, "check", "--pre")
    assert pre.rc == 0 and pre.out.splitlines()[-1] == "✔ prerequisites checks passed"
    with GitHTTPServer(root, username="git", password=token) as git_server, \
            FakeGitHub(root, token=token, user="me",
                       clone_base=f"http://127.0.0.1:{git_server.port}") as api:
        boot = await cli(
            dev_cluster, "bootstrap", "github", "--token-auth", "--owner=me",
            "--repository=homelab", "--branch=main", f"--path=clusters/{_CLUSTER}",
            "--personal", f"--api-url={api.url}", "--namespace", boot_ns,
            env={"GITHUB_TOKEN": token})
        assert boot.rc == 0, boot.err + controller.read_text()[-3000:]
        assert boot.out.splitlines()[-1] == "✔ all components are healthy"
        check = await cli(dev_cluster, "-n", boot_ns, "check")
        assert check.rc == 0, check.out + check.err
        assert "✔ tether-controller: deployment ready" in check.out.splitlines()
        assert check.out.splitlines()[-1] == "✔ all checks passed"
        _push_monorepo(git_server.url("me/homelab"), token, tmp_path / "work",
                       namespace=boot_ns)
        rec = await cli(dev_cluster, "-n", boot_ns, "reconcile", "source", "git",
                            "flux-system")
        assert rec.rc == 0, rec.err
        sources = await cli(dev_cluster, "-n", boot_ns, "get", "sources", "git")
        assert sources.rc == 0, sources.err
        assert sources.out.split()[:5] == ["NAME", "REVISION", "SUSPENDED", "READY",
                                           "MESSAGE"]
        (row,) = _rows(sources.out)
        assert row[0] == "flux-system" and row[3] == "True"

        async def all_kustomizations_ready() -> list[list[str]] | None:
            got = await cli(dev_cluster, "-n", boot_ns, "get", "kustomizations")
            rows = _rows(got.out)
            names = sorted(r[0] for r in rows)
            ready = names == ["apps", "flux-system"] and all(r[3] == "True" for r in rows)
            return rows if ready else None

        await eventually(all_kustomizations_ready, timeout=120, interval=2,
                         what="apps and flux-system Kustomizations Ready")
    cm = await kube.get("v1", "ConfigMap", "homelab-settings", boot_ns)
    assert cm["data"] == {"greeting": "hello"}
    assert token not in boot.out + boot.err + rec.out + sources.out
