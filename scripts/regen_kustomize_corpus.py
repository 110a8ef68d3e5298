#!/usr/bin/env python3
"""Re-record our kustomize corpus' expected outputs from the real kustomize v5.8.1 binary.

Job: for every case under ``tests/testdata/kustomize/<case>/`` (an ``input/`` tree and a
``case.json`` naming the directory to build, ``path``), run ``kustomize build <path>`` inside
``input/`` and write the exact bytes it prints to ``expected.yaml``; with ``--smp-cases``,
also re-record the ``expected`` values of ``tests/unit/kustomize/smp/oracle_cases.json``
(one resource + one patch each).

Design decision: the expectations are never written by hand or by our engine - only by the
pinned binary (``~/.cache/tether/bin/kustomize-5.8.1/kustomize``, built by
``tether dev binaries``; override with ``$TETHER_KUSTOMIZE``), and the script refuses any
other version. The CLI's defaults are used on purpose (legacy order unless the case sets
``sortOptions``, root-only load restrictions), since that is what ``tether kustomize build``
must reproduce. A case whose ``case.json`` says ``"expect": "error"`` must make kustomize fail
and has no ``expected.yaml``.

Usage: ``python scripts/regen_kustomize_corpus.py [--check] [--smp-cases] [CASE ...]``
(``--check`` compares instead of writing and exits 1 on any difference).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "testdata" / "kustomize"
SMP_CASES = ROOT / "tests" / "unit" / "kustomize" / "smp" / "oracle_cases.json"
VERSION = "v5.8.1"

sys.path.insert(0, str(ROOT / "src"))
from tether.kustomize import yamlio  # noqa: E402  (reads YAML exactly as the engine does)


def kustomize_binary() -> Path:
    """The pinned binary; exits with a hint when it is missing or the wrong version."""
    default = Path.home() / ".cache" / "tether" / "bin" / f"kustomize-{VERSION[1:]}" / "kustomize"
    binary = Path(os.environ.get("TETHER_KUSTOMIZE", default))
    if not binary.is_file():
        raise SystemExit(f"{binary} not found: run `tether dev binaries` first")
    out = subprocess.run([str(binary), "version"], capture_output=True, text=True, check=True)
    if out.stdout.strip() != VERSION:
        raise SystemExit(f"{binary} is {out.stdout.strip()!r}, want {VERSION}")
    return binary


def run_case(binary: Path, case_dir: Path) -> tuple[bool, str]:
    """(ok, stdout or stderr) of ``kustomize build`` for one corpus case."""
    meta = json.loads((case_dir / "case.json").read_text(encoding="utf-8"))
    proc = subprocess.run(
        [str(binary), "build", meta.get("path", ".")],
        cwd=case_dir / "input",
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return False, proc.stderr
    return True, proc.stdout


def regen_corpus(binary: Path, names: list[str], *, check: bool) -> int:
    """Write (or with ``check`` compare) every case's expected.yaml; returns failures."""
    failures = 0
    dirs = sorted(p.parent for p in CORPUS.glob("*/case.json"))
    if names:
        dirs = [d for d in dirs if d.name in names]
    for case_dir in dirs:
        meta = json.loads((case_dir / "case.json").read_text(encoding="utf-8"))
        ok, text = run_case(binary, case_dir)
        expected = case_dir / "expected.yaml"
        if meta.get("expect") == "error":
            if ok:
                print(f"FAIL {case_dir.name}: kustomize succeeded but the case expects an error")
                failures += 1
            continue
        if not ok:
            print(f"FAIL {case_dir.name}: kustomize failed: {text.strip().splitlines()[-1:]}")
            failures += 1
            continue
        if check:
            if not expected.is_file() or expected.read_text(encoding="utf-8") != text:
                print(f"DIFF {case_dir.name}")
                failures += 1
            continue
        expected.write_text(text, encoding="utf-8")
    print(f"{len(dirs)} cases, {failures} failures")
    return failures


def _oracle_merge(binary: Path, case: dict[str, Any]) -> dict[str, Any]:
    """Build resource + patch (+ openapi) with kustomize; return the recorded outcome."""
    with tempfile.TemporaryDirectory(prefix="smp-case-") as tmp:
        work = Path(tmp)
        (work / "res.yaml").write_text(case["resource"], encoding="utf-8")
        (work / "patch.yaml").write_text(case["patch"], encoding="utf-8")
        kust = "resources:\n- res.yaml\npatches:\n- path: patch.yaml\n"
        if "openapi" in case:
            (work / "schema.json").write_text(json.dumps(case["openapi"]), encoding="utf-8")
            kust += "openapi:\n  path: schema.json\n"
        (work / "kustomization.yaml").write_text(kust, encoding="utf-8")
        proc = subprocess.run(
            [str(binary), "build", str(work)], capture_output=True, text=True, check=False
        )
    if proc.returncode != 0:
        return {"error": True}
    docs = [d for d in yamlio.load_all(proc.stdout, source="kustomize output") if d is not None]
    return {"expected": docs[0] if docs else None}


def regen_smp(binary: Path, *, check: bool) -> int:
    """Re-record (or check) the strategic-merge cases; returns the number of differences."""
    data = json.loads(SMP_CASES.read_text(encoding="utf-8"))
    diffs = 0
    for case in data["cases"]:
        outcome = _oracle_merge(binary, case)
        recorded = {k: case[k] for k in ("expected", "error") if k in case}
        if outcome != recorded:
            diffs += 1
            print(f"{'DIFF' if check else 'UPDATE'} smp case {case['name']}")
            case.pop("expected", None)
            case.pop("error", None)
            case.update(outcome)
    if not check:
        text = json.dumps(data, indent=1, sort_keys=True) + "\n"
        SMP_CASES.write_text(text, encoding="utf-8")
    print(f"{len(data['cases'])} smp cases, {diffs} changed")
    return diffs if check else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="only these case names")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--smp-cases", action="store_true", help="also the SMP unit cases")
    args = parser.parse_args()
    binary = kustomize_binary()
    failures = regen_corpus(binary, args.cases, check=args.check)
    if args.smp_cases:
        failures += regen_smp(binary, check=args.check)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
