"""Shell completion (typer's) reaches the inspect-and-drive commands."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize(("words", "cword", "expected"), [
    ("tether get ", 2, {"kustomizations", "all", "sources"}),
    ("tether re", 1, {"reconcile", "resume"}),
    ("tether get sources ", 3, {"git", "all"}),
])
def test_bash_completion(words: str, cword: int, expected: set[str]) -> None:
    env = {**os.environ, "_TETHER_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(cword)}
    code = "import sys; sys.argv[0] = 'tether'; from tether.cli.main import main; main()"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, check=False, timeout=60)
    assert set(result.stdout.split()) >= expected, result.stderr
