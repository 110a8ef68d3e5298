"""docs/cli.md is generated from the CLI itself and must never go stale.

The generation runs in a fresh interpreter, as the ``tether`` command does: inside the
test process the command modules may already have been imported (by other tests) in
another order, and typer lists commands in registration order.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
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
    check = subprocess.run([sys.executable, str(REPO / "scripts" / "gen_cli_reference.py"),
                            "--check"], capture_output=True, text=True, check=False)
    assert check.returncode == 0, (
        "docs/cli.md is stale: regenerate it with `.venv/bin/python scripts/gen_cli_reference.py`"
        f"\n{check.stdout}{check.stderr}")


def test_reference_covers_every_visible_command() -> None:
    text: str = _generator().render()
    for heading in ("## tether get sources git", "## tether reconcile kustomization",
                    "## tether bootstrap github", "## tether kustomize build",
                    "## tether dev cluster up", "## tether demo change"):
        assert heading in text
    assert "## tether get ks" not in text  # hidden aliases are not listed
