"""docs/cli.md is generated from the CLI itself and must never go stale."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[3]


def _generator() -> ModuleType:
    path = REPO / "scripts" / "gen_cli_reference.py"
    spec = importlib.util.spec_from_file_location("gen_cli_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_cli_reference_equals_a_fresh_generation() -> None:
    fresh: str = _generator().render()
    committed = (REPO / "docs" / "cli.md").read_text()
    assert committed == fresh, (
        "docs/cli.md is stale: regenerate it with `.venv/bin/python scripts/gen_cli_reference.py`")


def test_reference_covers_every_visible_command() -> None:
    text: str = _generator().render()
    for heading in ("## tether get sources git", "## tether reconcile kustomization",
                    "## tether bootstrap github", "## tether kustomize build",
                    "## tether dev cluster up", "## tether demo change"):
        assert heading in text
    assert "## tether get ks" not in text  # hidden aliases are not listed
