"""Differential test: our corpus through the real kustomize v5.8.1 binary and through ours.

Job: catch drift in both directions - a recorded ``expected.yaml`` that no longer matches the
binary, and an engine change that no longer matches it - by running every case of
``tests/testdata/kustomize`` through ``kustomize build`` (the pinned binary from
``tether dev binaries``) and through ``tether.kustomize.build``, and comparing bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from tests.unit.kustomize.test_corpus import CASES, CORPUS, build_case

from tether.devcluster import binaries

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
