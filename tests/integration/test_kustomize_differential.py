"""Differential test: our corpus through the real kustomize v5.8.1 binary and through ours.

Job: catch drift in both directions - a recorded ``expected.yaml`` that no longer matches the
binary, and an engine change that no longer matches it - by running every case of
``tests/testdata/kustomize`` through ``kustomize build`` (the pinned binary from
``tether dev binaries``) and through ``tether.kustomize.build``, and comparing bytes. A
second test throws seeded random resource/patch pairs (every directive, colliding merge
keys, missing keys, custom resources) at both ``kustomize`` and ``smp.merge``.
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from tests.unit.kustomize.test_corpus import CASES, CORPUS, build_case

from tether import errors
from tether.devcluster import binaries
from tether.kustomize import smp, yamlio

pytestmark = pytest.mark.oracle


@pytest.fixture(scope="module")
def kustomize() -> Path:
    binary = binaries.locate().kustomize
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"{binary} is missing: run `tether dev binaries` (builds kustomize v5.8.1)")
    version = subprocess.run([str(binary), "version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"v{binaries.KUSTOMIZE_VERSION}"
    return binary


@pytest.mark.parametrize("name", CASES)
def test_same_bytes_as_kustomize(kustomize: Path, name: str) -> None:
    meta = json.loads((CORPUS / name / "case.json").read_text(encoding="utf-8"))
    proc = subprocess.run(
        [str(kustomize), "build", meta.get("path", ".")],
        cwd=CORPUS / name / "input",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert build_case(name) == proc.stdout


# --------------------------------------------------------------------------- random SMP


class _Gen:
    """Random Deployments/Services/custom resources and patches with every SMP directive,
    drawn from small value pools so that merge keys collide often."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, values: list[Any]) -> Any:
        return self.rng.choice(values)

    def env(self, patch: bool) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for _ in range(self.rng.randint(0, 4)):
            item: dict[str, Any] = {"name": self.pick(["A", "B", "C"])}
            roll = self.rng.random()
            if patch and roll < 0.15:
                item["$patch"] = "delete"
            elif patch and roll < 0.25:
                item["value"] = None
            else:
                item["value"] = self.pick(["1", "x", "true"])
            out.append(item)
        if patch and self.chance(0.1):
            out.insert(0, {"$patch": self.pick(["replace", "merge"])})
        return out

    def ports(self, patch: bool) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for _ in range(self.rng.randint(0, 3)):
            port: dict[str, Any] = {"containerPort": self.pick([80, 81, 443])}
            if self.chance(0.6):
                port["protocol"] = self.pick(["TCP", "UDP"])
            if self.chance(0.4):
                port["name"] = self.pick(["http", "m"])
            if patch and self.chance(0.1):
                port["$patch"] = "delete"
            out.append(port)
        return out

    def container(self, patch: bool) -> dict[str, Any]:
        box: dict[str, Any] = {}
        if not self.chance(0.04):
            box["name"] = self.pick(["a", "b", "c"])
        if self.chance(0.7):
            box["image"] = self.pick(["nginx", "redis:7"])
        if self.chance(0.5):
            box["env"] = self.env(patch)
        if self.chance(0.4):
            box["ports"] = self.ports(patch)
        if self.chance(0.3):
            box["args"] = [self.pick(["x", "y"]) for _ in range(self.rng.randint(0, 2))]
        if patch and self.chance(0.12):
            box["$patch"] = self.pick(["delete", "replace"])
        return box

    def deployment(self, name: str, patch: bool) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "containers": [self.container(patch) for _ in range(self.rng.randint(0, 3))]
        }
        if self.chance(0.3):
            spec["volumes"] = [
                {"name": self.pick(["v1", "v2"]), "emptyDir": {}}
                for _ in range(self.rng.randint(0, 2))
            ]
        if self.chance(0.2):
            spec["tolerations"] = [{"key": self.pick(["k1", "k2"]), "operator": "Exists"}]
        meta: dict[str, Any] = {"name": name}
        if self.chance(0.3):
            meta["finalizers"] = [self.pick(["f1", "f2"]) for _ in range(self.rng.randint(0, 2))]
        if self.chance(0.3):
            meta["labels"] = {self.pick(["a", "b"]): None if patch and self.chance(0.3) else "v"}
        doc = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta}
        doc["spec"] = {"template": {"spec": spec}}
        return doc

    def service(self, name: str, patch: bool) -> dict[str, Any]:
        ports = []
        for _ in range(self.rng.randint(0, 3)):
            port: dict[str, Any] = {"port": self.pick([80, 443, 53])}
            if self.chance(0.7):
                port["protocol"] = self.pick(["TCP", "UDP"])
            if self.chance(0.5):
                port["targetPort"] = self.pick([8080, "http"])
            if patch and self.chance(0.1):
                port["$patch"] = "delete"
            ports.append(port)
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name},
            "spec": {"ports": ports},
        }

    def custom(self, name: str, patch: bool) -> dict[str, Any]:
        items = [{"name": self.pick(["a", "b"])} for _ in range(self.rng.randint(0, 3))]
        spec: dict[str, Any] = {"items": items, "m": {self.pick(["x", "y"]): 1}}
        if self.chance(0.3):
            spec["template"] = self.deployment("inner", patch)
        return {
            "apiVersion": "example.com/v1",
            "kind": "Thing",
            "metadata": {"name": name},
            "spec": spec,
        }

    def pair(self, index: int) -> tuple[dict[str, Any], dict[str, Any]]:
        make = self.pick([self.deployment, self.deployment, self.service, self.custom])
        name = f"r{index}"
        return make(name, False), make(name, True)


def _kustomize_merge_all(
    binary: Path, pairs: list[tuple[dict[str, Any], dict[str, Any]]]
) -> dict[str, Any] | None:
    """One ``kustomize build`` applying every patch to its resource; None if it failed."""
    with tempfile.TemporaryDirectory(prefix="smp-diff-") as tmp:
        work = Path(tmp)
        (work / "res.yaml").write_text(yamlio.dump_all([b for b, _ in pairs]), encoding="utf-8")
        kust = "sortOptions:\n  order: fifo\nresources:\n- res.yaml\npatches:\n"
        for i, (_, patch) in enumerate(pairs):
            (work / f"p{i}.yaml").write_text(yamlio.dump(patch), encoding="utf-8")
            kust += f"- path: p{i}.yaml\n"
        (work / "kustomization.yaml").write_text(kust, encoding="utf-8")
        proc = subprocess.run(
            [str(binary), "build", tmp], capture_output=True, text=True, check=False
        )
    if proc.returncode != 0:
        return None
    docs = yamlio.load_all(proc.stdout, source="kustomize")
    return {d["metadata"]["name"]: d for d in docs if d}


def _ours(base: dict[str, Any], patch: dict[str, Any]) -> Any:
    try:
        out = smp.merge(copy.deepcopy(base), patch)
    except errors.BuildError:
        return "error"
    if out is None:
        return None
    out["kind"] = base["kind"]
    out.setdefault("metadata", {})["name"] = base["metadata"]["name"]
    return yamlio.load_one(yamlio.dump(out), source="ours")


@pytest.mark.parametrize("seed", range(4))
def test_random_strategic_merges_match_kustomize(kustomize: Path, seed: int) -> None:
    gen = _Gen(seed)
    pairs = [gen.pair(i) for i in range(100)]
    mismatches = []
    for start in range(0, len(pairs), 25):
        chunk = pairs[start : start + 25]
        built = _kustomize_merge_all(kustomize, chunk)
        for base, patch in chunk:
            name = base["metadata"]["name"]
            if built is None:
                single = _kustomize_merge_all(kustomize, [(base, patch)])
                expected: Any = "error" if single is None else single.get(name)
            else:
                expected = built.get(name)
            if _ours(base, patch) != expected:
                mismatches.append(name)
    assert not mismatches, f"seed {seed}: smp differs from kustomize for {mismatches}"
