"""The wrapper-module replace list is generated from k8s.io/kubernetes's own go.mod."""

from __future__ import annotations

from pathlib import Path

from tether.devcluster import binaries

GOMOD = """module k8s.io/kubernetes

go 1.26.0

require (
\tk8s.io/api v0.0.0
\tgithub.com/spf13/cobra v1.10.2
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/cri-streaming => ./staging/src/k8s.io/cri-streaming
\tk8s.io/streaming => ./staging/src/k8s.io/streaming
)
"""


def test_staging_replacements_follow_the_gomod() -> None:
    assert binaries.staging_replacements(GOMOD, version="1.36.3") == {
        "k8s.io/api": "v0.36.3",
        "k8s.io/cri-streaming": "v0.36.3",
        "k8s.io/streaming": "v0.36.3",
    }


def test_non_staging_replaces_are_ignored() -> None:
    text = "replace k8s.io/foo => k8s.io/foo v0.1.0\nreplace k8s.io/x => ../x\n"
    assert binaries.staging_replacements(text, version="1.36.3") == {}


def test_locate_is_versioned_and_outside_the_repo(tmp_path: Path) -> None:
    bins = binaries.locate(tmp_path)
    assert bins.kube_apiserver == tmp_path / "k8s-1.36.3" / "kube-apiserver"
    assert bins.etcd == tmp_path / "etcd-3.6.10" / "etcd"
    assert bins.kustomize == tmp_path / "kustomize-5.8.1" / "kustomize"
    assert str(binaries.cache_root()).endswith(".cache/tether/bin")
