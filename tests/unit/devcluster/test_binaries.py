"""The wrapper-module replace list is generated from k8s.io/kubernetes's own go.mod."""

from __future__ import annotations

from pathlib import Path

import pytest

from tether import errors
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


def test_no_go_toolchain_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(errors.DevClusterError, match="no Go toolchain found") as info:
        binaries.ensure(progress=lambda line: None, root=tmp_path, go=str(tmp_path / "go"))
    assert info.value.hint and "Go >= 1.26" in info.value.hint


def test_failed_build_reports_the_tail_of_go_output(tmp_path: Path) -> None:
    # A stand-in for the external `go` tool that fails like a proxy outage would.
    fake_go = tmp_path / "go"
    fake_go.write_text("#!/bin/sh\necho 'go: k8s.io/kubernetes@v1.36.3: reading proxy: 503'\n"
                       "exit 1\n")
    fake_go.chmod(0o755)
    lines: list[str] = []
    with pytest.raises(errors.DevClusterError, match="503") as info:
        binaries.ensure(progress=lines.append, root=tmp_path / "bin", go=str(fake_go))
    assert "download k8s.io/kubernetes v1.36.3 failed (exit 1)" in str(info.value)
    assert lines[0].startswith("► download k8s.io/kubernetes")
    assert not (tmp_path / "bin" / "k8s-1.36.3").exists()  # nothing half-built published
