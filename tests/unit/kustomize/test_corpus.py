"""Our own kustomize corpus: every case must build byte-identically to kustomize v5.8.1.

Each ``tests/testdata/kustomize/<case>/`` holds an ``input/`` tree, a ``case.json`` naming the
directory to build (``path``) and ``expected.yaml``, the exact output of the real
``kustomize build`` (recorded by ``scripts/regen_kustomize_corpus.py``, never by hand). The
build runs as the CLI does by default: legacy order unless the case sets ``sortOptions``,
root-only load restrictions, the on-disk file system confined to the case's ``input/``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tether.kustomize import BuildOptions, OnDiskFS, build, to_yaml

CORPUS = Path(__file__).resolve().parents[2] / "testdata" / "kustomize"
CASES = sorted(p.parent.name for p in CORPUS.glob("*/case.json"))


def build_case(name: str) -> str:
    """Our ``kustomize build`` output for one case, as the CLI would print it."""
    case_dir = CORPUS / name
    meta = json.loads((case_dir / "case.json").read_text(encoding="utf-8"))
    root = (case_dir / "input").resolve()
    target = (root / meta.get("path", ".")).resolve()
    resmap = build(OnDiskFS(str(root)), str(target), BuildOptions(reorder="unspecified"))
    return to_yaml(resmap)


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("name", CASES)
def test_case_matches_kustomize(name: str) -> None:
    expected = (CORPUS / name / "expected.yaml").read_text(encoding="utf-8")
    assert build_case(name) == expected
