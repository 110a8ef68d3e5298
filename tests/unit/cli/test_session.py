"""session.run: a missing Flux CRD error carries an install hint; other errors pass through."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tether import errors
from tether.cli import options, session
from tether.cluster.client import KubeClient

KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
"""


@pytest.fixture
def offline(tmp_path: Path) -> Iterator[None]:
    path = tmp_path / "kubeconfig"
    path.write_text(KUBECONFIG)
    before = options.current()
    options.set_current(options.GlobalOptions(kubeconfig=str(path), context=None,
                                              namespace="flux-system", timeout=5))
    yield
    options.set_current(before)


def test_missing_crd_gets_a_hint(offline: None) -> None:
    async def body(kube: KubeClient, opts: options.GlobalOptions) -> None:
        raise errors.NotFoundError("no matches for kind 'Kustomization' in version "
                                   "'kustomize.toolkit.fluxcd.io/v1'", status=404)

    with pytest.raises(errors.NotFoundError) as info:
        session.run(body)
    assert "tether install" in info.value.one_line()


def test_other_not_found_errors_pass_unchanged(offline: None) -> None:
    async def body(kube: KubeClient, opts: options.GlobalOptions) -> str:
        raise errors.NotFoundError("get Kustomization/flux-system/x: not found", status=404)

    with pytest.raises(errors.NotFoundError) as info:
        session.run(body)
    assert info.value.hint is None
