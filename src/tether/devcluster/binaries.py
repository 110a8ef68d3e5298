"""Build (once) and cache the real control-plane binaries from the Go module proxy.

Why build instead of download: this workplace reaches only package registries, and the
Go module proxy serves Kubernetes, etcd, kwok and kustomize as source. Each tool is built
with the ordinary ``go`` client into ``~/.cache/tether/bin/<tool>-<version>/`` and reused
from then on; nothing is ever written into the repository.

``k8s.io/kubernetes`` cannot be ``go install``-ed (its go.mod replaces every staging module
with a local directory), so we build it from a throw-away wrapper module that requires it and
replaces each staging module with its published ``v0.Y.Z`` — the list is read from the pinned
version's own go.mod, never hard-coded, so a new minor with new staging modules still builds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tether import errors

__all__ = [
    "ETCD_VERSION",
    "KUBERNETES_VERSION",
    "KUSTOMIZE_VERSION",
    "KWOK_VERSION",
    "Binaries",
    "Progress",
    "cache_root",
    "ensure",
    "locate",
]

KUBERNETES_VERSION = "1.36.3"
ETCD_VERSION = "3.6.10"
KWOK_VERSION = "0.8.0"
KUSTOMIZE_VERSION = "5.8.1"

Progress = Callable[[str], None]
"""Receives one human-readable line per step (what is being built, elapsed time)."""


@dataclass(frozen=True)
class Binaries:
    """Paths of every binary the dev cluster and the oracle tests need."""

    kube_apiserver: Path
    kube_controller_manager: Path
    kube_scheduler: Path
    kubectl: Path
    etcd: Path
    kwok: Path
    kustomize: Path

    def all(self) -> list[Path]:
        """Every path, in build order."""
        return [self.kube_apiserver, self.kube_controller_manager, self.kube_scheduler,
                self.kubectl, self.etcd, self.kwok, self.kustomize]


def cache_root(home: Path | None = None) -> Path:
    """``~/.cache/tether/bin`` (outside any repository)."""
    return (home or Path.home()) / ".cache" / "tether" / "bin"


def locate(root: Path | None = None) -> Binaries:
    """Where each pinned binary lives (whether or not it is built yet)."""
    base = root or cache_root()
    k8s = base / f"k8s-{KUBERNETES_VERSION}"
    return Binaries(
        kube_apiserver=k8s / "kube-apiserver",
        kube_controller_manager=k8s / "kube-controller-manager",
        kube_scheduler=k8s / "kube-scheduler",
        kubectl=k8s / "kubectl",
        etcd=base / f"etcd-{ETCD_VERSION}" / "etcd",
        kwok=base / f"kwok-{KWOK_VERSION}" / "kwok",
        kustomize=base / f"kustomize-{KUSTOMIZE_VERSION}" / "kustomize",
    )


def ensure(*, progress: Progress, root: Path | None = None, go: str | None = None) -> Binaries:
    """Build whatever is missing; return the paths. Raises DevClusterError with a hint.

    ``go`` names the Go toolchain to use (default: ``go`` on PATH, else /usr/local/go).
    """
    bins = locate(root)
    missing = [p for p in bins.all() if not _is_executable(p)]
    if not missing:
        return bins
    go = _go_binary(go)
    k8s_bins = [bins.kube_apiserver, bins.kube_controller_manager, bins.kube_scheduler,
                bins.kubectl]
    if any(p in missing for p in k8s_bins):
        _build_kubernetes(go=go, out=bins.kube_apiserver.parent, progress=progress)
    if bins.etcd in missing:
        _build_etcd(go=go, out=bins.etcd.parent, progress=progress)
    if bins.kwok in missing:
        _go_install(go=go, out=bins.kwok.parent, progress=progress,
                    package=f"sigs.k8s.io/kwok/cmd/kwok@v{KWOK_VERSION}")
    if bins.kustomize in missing:
        _go_install(go=go, out=bins.kustomize.parent, progress=progress,
                    package=f"sigs.k8s.io/kustomize/kustomize/v5@v{KUSTOMIZE_VERSION}")
    still = [str(p) for p in bins.all() if not _is_executable(p)]
    if still:
        raise errors.DevClusterError(f"build finished but these are missing: {', '.join(still)}")
    return bins


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _go_binary(explicit: str | None) -> str:
    if explicit is not None:
        go = shutil.which(explicit)
    else:
        go = shutil.which("go") or shutil.which("/usr/local/go/bin/go")
    if go is None:
        raise errors.DevClusterError(
            "no Go toolchain found: the dev cluster binaries are built from the Go module proxy",
            hint="install Go >= 1.26 and put `go` on PATH",
        )
    return go


def _go_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"})
    env.update(extra or {})
    return env


def _run(
    argv: list[str], *, cwd: Path, what: str, progress: Progress,
    extra_env: dict[str, str] | None = None,
) -> str:
    """Run one go command, reporting elapsed time every 30 s; DevClusterError on failure."""
    start = time.monotonic()
    progress(f"► {what}")
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen(argv, cwd=cwd, env=_go_env(extra_env), stdout=log,
                                stderr=subprocess.STDOUT, text=True)
        while True:
            try:
                proc.wait(timeout=30)
                break
            except subprocess.TimeoutExpired:
                progress(f"  … {what} ({time.monotonic() - start:.0f}s elapsed)")
        log.seek(0)
        output = log.read()
    if proc.returncode != 0:
        tail = " | ".join(line for line in output.strip().splitlines()[-3:])
        raise errors.DevClusterError(
            f"{what} failed (exit {proc.returncode}): {tail}",
            hint="check network access to the Go module proxy and free disk space",
        )
    progress(f"✔ {what} ({time.monotonic() - start:.0f}s)")
    return output


def staging_replacements(gomod_text: str, *, version: str) -> dict[str, str]:
    """Map each staging module of k8s.io/kubernetes's go.mod to its published v0.Y.Z.

    >>> staging_replacements("replace (\\n\\tk8s.io/api => ./staging/src/k8s.io/api\\n)",
    ...                      version="1.36.3")
    {'k8s.io/api': 'v0.36.3'}
    """
    pattern = re.compile(r"^\s*(k8s\.io/[A-Za-z0-9._-]+)\s*=>\s*\./staging/", re.MULTILINE)
    v0 = "v0." + version.split(".", 1)[1]
    return {m: v0 for m in pattern.findall(gomod_text)}


def _build_kubernetes(*, go: str, out: Path, progress: Progress) -> None:
    version = KUBERNETES_VERSION
    minor = version.split(".")[1]
    with tempfile.TemporaryDirectory(prefix="tether-k8s-") as tmp:
        work = Path(tmp)
        (work / "go.mod").write_text(
            "module tether.invalid/k8sbins\n\ngo 1.26.0\n\ngodebug default=go1.26\n"
        )
        info = json.loads(_run([go, "mod", "download", "-json", f"k8s.io/kubernetes@v{version}"],
                               cwd=work, what=f"download k8s.io/kubernetes v{version}",
                               progress=progress))
        replacements = staging_replacements(Path(info["GoMod"]).read_text(), version=version)
        if not replacements:
            raise errors.DevClusterError(f"no staging modules found in k8s.io/kubernetes "
                                         f"v{version}'s go.mod")
        edits = [f"-replace={m}={m}@{v}" for m, v in sorted(replacements.items())]
        _run([go, "mod", "edit", *edits], cwd=work, what="write wrapper go.mod",
             progress=progress)
        cmds = [f"k8s.io/kubernetes/cmd/{c}" for c in
                ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")]
        _run([go, "get", *(f"{c}@v{version}" for c in cmds)], cwd=work,
             what=f"resolve Kubernetes v{version} modules", progress=progress)
        pkg = "k8s.io/component-base/version"
        ldflags = " ".join([
            "-s -w", f"-X {pkg}.gitVersion=v{version}", f"-X {pkg}.gitMajor=1",
            f"-X {pkg}.gitMinor={minor}", f"-X {pkg}.gitTreeState=clean",
            f"-X {pkg}.gitCommit=unknown", f"-X {pkg}.buildDate=1970-01-01T00:00:00Z",
        ])
        staging = out.with_name(out.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        _run([go, "build", "-p", "2", "-trimpath", "-ldflags", ldflags, "-o", f"{staging}/",
              *cmds], cwd=work, progress=progress,
             what="build kube-apiserver, kube-controller-manager, kube-scheduler, kubectl")
        _publish(staging, out)


def _build_etcd(*, go: str, out: Path, progress: Progress) -> None:
    with tempfile.TemporaryDirectory(prefix="tether-etcd-") as tmp:
        work = Path(tmp)
        (work / "go.mod").write_text("module tether.invalid/etcdbin\n\ngo 1.25.0\n")
        _run([go, "get", f"go.etcd.io/etcd/server/v3@v{ETCD_VERSION}"], cwd=work,
             what=f"resolve etcd v{ETCD_VERSION}", progress=progress)
        staging = out.with_name(out.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        _run([go, "build", "-trimpath", "-ldflags", "-s -w", "-o", str(staging / "etcd"),
              "go.etcd.io/etcd/server/v3"], cwd=work, what=f"build etcd v{ETCD_VERSION}",
             progress=progress)
        _publish(staging, out)


def _go_install(*, go: str, out: Path, package: str, progress: Progress) -> None:
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    argv = [go, "install", "-trimpath", "-ldflags", "-s -w", package]
    with tempfile.TemporaryDirectory(prefix="tether-goinstall-") as tmp:
        _run(argv, cwd=Path(tmp), what=f"build {package}", progress=progress,
             extra_env={"GOBIN": str(staging)})
    _publish(staging, out)


def _publish(staging: Path, out: Path) -> None:
    """Move freshly built binaries into place (so a killed build never leaves half a set)."""
    out.mkdir(parents=True, exist_ok=True)
    for item in staging.iterdir():
        item.replace(out / item.name)
    shutil.rmtree(staging, ignore_errors=True)
