#!/usr/bin/env python3
"""Benchmark: ``tether kustomize build`` against the real ``kustomize build`` (v5.8.1).

Job: measure wall time on three trees and print a table with ratios (tether / kustomize):

a. the GitOps monorepo overlay of our corpus (``apps/staging`` over ``apps/base``);
b. 1,000 Deployments + 1,000 generated ConfigMaps (each Deployment ``envFrom`` its own
   ConfigMap, so every hash-suffixed name is fixed up), with ``namePrefix`` and
   ``namespace`` - generated into a temporary directory;
c. 100 overlays of one base (each with its own ``namePrefix`` and a strategic-merge patch),
   aggregated by one top kustomization - also generated.

For each tree it times both CLIs as separate processes (best of ``--repeat`` runs, so the
process start-up is included on both sides) and tether's in-process ``build()`` +
``to_yaml()``; it also checks that both CLIs print the same bytes.

Design decision: this is a script, not a timed test - timings depend on the machine. The
kustomize binary is the pinned one from ``tether dev binaries`` (override: ``--kustomize``).

Usage: ``.venv/bin/python bench/kustomize_build.py [--repeat 3] [--only a,b,c]
[--sizes 250,500,1000]`` (``--sizes`` repeats tree (b) at several sizes to show growth).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tether.kustomize import BuildOptions, OnDiskFS, build, to_yaml  # noqa: E402

MONOREPO = ROOT / "tests" / "testdata" / "kustomize" / "gitops_apps_staging_overlay" / "input"
DEFAULT_KUSTOMIZE = Path.home() / ".cache" / "tether" / "bin" / "kustomize-5.8.1" / "kustomize"
TETHER = ROOT / ".venv" / "bin" / "tether"


@dataclass
class Row:
    """One tree's measurements, in seconds."""

    name: str
    objects: int
    kustomize: float
    tether_cli: float
    tether_inproc: float
    identical: bool


def _deployment(name: str, configmap: str) -> str:
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n"
        f"  labels:\n    app: {name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n"
        f"      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n"
        f"    spec:\n      containers:\n      - name: main\n        image: nginx:1.25\n"
        f"        envFrom:\n        - configMapRef:\n            name: {configmap}\n"
    )


def make_big_tree(root: Path, count: int = 1000) -> Path:
    """Tree (b): ``count`` Deployments, each using its own generated ConfigMap."""
    root.mkdir(parents=True, exist_ok=True)
    docs = [_deployment(f"app-{i:04d}", f"config-{i:04d}") for i in range(count)]
    (root / "deployments.yaml").write_text("---\n".join(docs), encoding="utf-8")
    gens = "".join(
        f"- name: config-{i:04d}\n  literals:\n  - INDEX={i}\n  - COLOR=blue\n"
        for i in range(count)
    )
    (root / "kustomization.yaml").write_text(
        "namePrefix: bench-\nnamespace: bench\nresources:\n- deployments.yaml\n"
        f"configMapGenerator:\n{gens}",
        encoding="utf-8",
    )
    return root


def make_overlays_tree(root: Path, count: int = 100) -> Path:
    """Tree (c): one base, ``count`` overlays of it, one top kustomization over them all."""
    base = root / "base"
    base.mkdir(parents=True, exist_ok=True)
    (base / "app.yaml").write_text(
        _deployment("web", "web-config")
        + "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n"
        "  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 8080\n",
        encoding="utf-8",
    )
    (base / "kustomization.yaml").write_text(
        "resources:\n- app.yaml\nconfigMapGenerator:\n- name: web-config\n  literals:\n"
        "  - MODE=base\n",
        encoding="utf-8",
    )
    names = []
    for i in range(count):
        name = f"overlay-{i:03d}"
        names.append(name)
        overlay = root / name
        overlay.mkdir(exist_ok=True)
        (overlay / "kustomization.yaml").write_text(
            f"namePrefix: o{i:03d}-\nresources:\n- ../base\nlabels:\n- pairs:\n"
            f"    overlay: o{i:03d}\npatches:\n- patch: |\n    apiVersion: apps/v1\n"
            "    kind: Deployment\n    metadata:\n      name: web\n    spec:\n"
            f"      replicas: {i % 5 + 1}\n      template:\n        spec:\n"
            "          containers:\n          - name: main\n            env:\n"
            f"            - name: OVERLAY\n              value: o{i:03d}\n",
            encoding="utf-8",
        )
    top = root / "all"
    top.mkdir(exist_ok=True)
    resources = "".join(f"- ../{n}\n" for n in names)
    (top / "kustomization.yaml").write_text(f"resources:\n{resources}", encoding="utf-8")
    return top


def _best(repeat: int, fn: Callable[[], str]) -> tuple[float, str]:
    best = float("inf")
    out = ""
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def _cli(argv: list[str]) -> Callable[[], str]:
    def run() -> str:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"{argv[0]} failed: {proc.stderr.strip()[:500]}")
        return proc.stdout

    return run


def _inproc(root: Path, target: Path) -> Callable[[], str]:
    def run() -> str:
        opts = BuildOptions(reorder="legacy")
        return to_yaml(build(OnDiskFS(str(root)), str(target), opts))

    return run


def measure(name: str, *, root: Path, target: Path, kustomize: Path, repeat: int) -> Row:
    """Time one tree with the three runners."""
    k_time, k_out = _best(repeat, _cli([str(kustomize), "build", str(target)]))
    t_time, t_out = _best(repeat, _cli([str(TETHER), "kustomize", "build", str(target)]))
    i_time, _ = _best(repeat, _inproc(root, target))
    objects = k_out.count("\n---\n") + (1 if k_out.strip() else 0)
    return Row(name, objects, k_time, t_time, i_time, k_out == t_out)


def print_table(rows: list[Row]) -> None:
    """The results, with ratios tether / kustomize (below 1.0 means tether is faster)."""
    head = (
        f"{'tree':<34} {'objects':>7} {'kustomize s':>11} {'tether s':>9} {'ratio':>6}"
        f" {'in-proc s':>9} {'ratio':>6} {'same bytes':>10}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r.name:<34} {r.objects:>7} {r.kustomize:>11.3f} {r.tether_cli:>9.3f}"
            f" {r.tether_cli / r.kustomize:>6.2f} {r.tether_inproc:>9.3f}"
            f" {r.tether_inproc / r.kustomize:>6.2f} {'yes' if r.identical else 'NO':>10}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best of)")
    parser.add_argument("--only", default="a,b,c", help="comma-separated subset of a,b,c")
    parser.add_argument("--kustomize", type=Path, default=DEFAULT_KUSTOMIZE)
    parser.add_argument(
        "--sizes", default="1000", help="tree (b) sizes, e.g. 250,500,1000 to see the growth"
    )
    args = parser.parse_args()
    if not args.kustomize.is_file():
        raise SystemExit(f"{args.kustomize} missing: run `tether dev binaries`")
    wanted = set(args.only.split(","))
    rows: list[Row] = []
    tmp = Path(tempfile.mkdtemp(prefix="tether-bench-"))
    try:
        if "a" in wanted:
            target = MONOREPO / "apps" / "staging"
            rows.append(
                measure(
                    "(a) monorepo apps/staging overlay",
                    root=MONOREPO,
                    target=target,
                    kustomize=args.kustomize,
                    repeat=args.repeat,
                )
            )
        for size in (int(n) for n in args.sizes.split(",")) if "b" in wanted else ():
            big = make_big_tree(tmp / f"big-{size}", size)
            rows.append(
                measure(
                    f"(b) {size} Deployments + {size} CMs",
                    root=big,
                    target=big,
                    kustomize=args.kustomize,
                    repeat=args.repeat,
                )
            )
        if "c" in wanted:
            top = make_overlays_tree(tmp / "overlays")
            rows.append(
                measure(
                    "(c) 100 overlays of one base",
                    root=tmp / "overlays",
                    target=top,
                    kustomize=args.kustomize,
                    repeat=args.repeat,
                )
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print_table(rows)
    return 0 if all(r.identical for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
