"""The spinner is decoration only: silent without a terminal, elapsed time in its line."""

from __future__ import annotations

import io

from rich.console import Console

from tether.cli.spinner import Spinner


def test_no_terminal_no_output() -> None:
    sink = io.StringIO()
    with Spinner("waiting for Kustomization x", console=Console(file=sink)) as spinner:
        spinner.detail = "Ready=Unknown (Progressing): building"
    assert not spinner.enabled
    assert sink.getvalue() == ""


def test_line_has_elapsed_seconds_and_detail() -> None:
    spinner = Spinner("waiting", console=Console(file=io.StringIO()))
    spinner.detail = "still building"
    assert spinner.line().startswith("waiting (0s) still building")


def test_terminal_draws_and_clears() -> None:
    sink = io.StringIO()
    console = Console(file=sink, force_terminal=True, width=80)
    with Spinner("waiting for GitRepository y", console=console):
        pass
    assert "waiting for GitRepository y" in sink.getvalue()
