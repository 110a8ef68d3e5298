"""Strategic merge against recorded kustomize v5.8.1 results.

Each case in ``oracle_cases.json`` is a resource, one patch and (optionally) a custom OpenAPI
document; ``expected`` is what the real ``kustomize build`` printed for it (or ``error``).
The cases are ours; ``python scripts/regen_kustomize_corpus.py --smp-cases`` re-records the
expectations from the binary. The engine's post-merge step (restoring name, kind and
namespace, as ``Resource.ApplySmPatch`` does) is reproduced here so only the merge is tested.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tether.kustomize import yamlio
from tether.kustomize.smp import Schema, SmpError, merge

_DATA = json.loads((Path(__file__).parent / "oracle_cases.json").read_text(encoding="utf-8"))
_CASES: list[dict[str, Any]] = _DATA["cases"]


def _apply(case: dict[str, Any]) -> Any:
    resource = yamlio.load_one(case["resource"], source="resource")
    patch = yamlio.load_one(case["patch"], source="patch")
    schema = Schema.custom(case["openapi"]) if "openapi" in case else None
    out = merge(resource, patch, schema=schema)
    if out is None:
        return None
    out["kind"] = resource["kind"]
    out.setdefault("metadata", {})["name"] = resource["metadata"]["name"]
    # normalise through the writer and reader, like the kustomize output we recorded
    return yamlio.load_one(yamlio.dump(out), source="out")


@pytest.mark.parametrize("case", _CASES, ids=[c["name"] for c in _CASES])
def test_matches_kustomize(case: dict[str, Any]) -> None:
    if case.get("error"):
        with pytest.raises(SmpError):
            _apply(case)
        return
    assert _apply(case) == case["expected"]


def test_case_count() -> None:
    assert len(_CASES) >= 70
