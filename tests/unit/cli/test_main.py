"""The CLI's lazy command table matches what the sub-command modules really register."""

from __future__ import annotations

import subprocess
import sys

from tether.cli import main


def _registered_by_module() -> dict[str, str]:
    """Import every command module, then map each top-level command to its module."""
    for name in main._COMMAND_MODULES:
        __import__(f"tether.cli.{name}")
    owners: dict[str, str] = {}
    for command in main.app.registered_commands:
        module = command.callback.__module__ if command.callback else ""
        name = command.name or (command.callback.__name__ if command.callback else "")
        owners[name.replace("_", "-")] = module.rsplit(".", 1)[-1]
    for group in main.app.registered_groups:
        instance = group.typer_instance
        assert instance is not None
        module = next(m for m in main._COMMAND_MODULES if any(
            value is instance for value in vars(sys.modules[f"tether.cli.{m}"]).values()))
        name = group.name or instance.info.name
        assert isinstance(name, str)
        owners[name] = module
    return owners


def test_lazy_table_is_complete_and_right() -> None:
    owners = _registered_by_module()
    owners.pop("version")  # defined in main itself
    assert owners == main._LAZY


def test_command_of_skips_global_options() -> None:
    assert main._command_of(["--kubeconfig", "k", "-n", "x", "get", "ks"]) == "get"
    assert main._command_of(["--help"]) is None


def test_kustomize_build_does_not_load_the_cluster_client() -> None:
    code = ("import sys; from tether.cli import main; main._register(['kustomize', 'build']); "
            "print(sorted(m for m in sys.modules if m.startswith(('lightkube', 'aiohttp'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
