"""The ``tether`` command: parse, call the library, map errors to exit codes.

The CLI is thin (kopf/uvicorn style): each sub-command module validates its flags, builds
what the library needs, and calls it. Every ``GitOpsError`` is caught once here and printed
as one line with ``✗`` — never a traceback — with the error's ``exit_code``.
"""

from __future__ import annotations

import importlib
import sys

import typer

from tether import __version__, errors
from tether.cli import argv, options

app = typer.Typer(
    name="tether",
    help="Tether: GitOps for Kubernetes, Flux-compatible.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    kubeconfig: str | None = typer.Option(
        None, "--kubeconfig", help="Path to the kubeconfig file (default: $KUBECONFIG)."
    ),
    context: str | None = typer.Option(None, "--context", help="Kubernetes context to use."),
    namespace: str = typer.Option(
        "flux-system", "--namespace", "-n", help="The namespace scope for this operation."
    ),
    timeout: str = typer.Option(
        "5m", "--timeout", help="Timeout for operations that wait (5m, 90s, 1m30s or seconds)."
    ),
) -> None:
    """Tether: GitOps for Kubernetes, Flux-compatible."""
    options.set_current(options.GlobalOptions(
        kubeconfig=kubeconfig, context=context, namespace=namespace,
        timeout=argv.parse_timeout(timeout),
    ))


@app.command()
def version() -> None:
    """Print the tether version."""
    typer.echo(f"tether: v{__version__}")


_COMMAND_MODULES = (
    # One sub-command module per line; each registers its commands on ``app``.
    "check",
    "controller",
    "demo",
    "dev",
    "install",
    "bootstrap",
    "get",
    "reconcile",
    "suspend",
    "create",
    "export",
    "delete",
    "tree",
    "trace",
    "stats",
    "events",
    "logs",
    "build",
    "diff",
    "kustomize",
)


_LAZY = {
    # top-level command -> the module that registers it. Lets `tether kustomize build` or
    # `tether get ks` import only what they need (start-up time is a feature); any command
    # not listed here (and `--help`) imports every module. tests/unit/cli/test_main.py
    # checks this table against what the modules really register.
    "bootstrap": "bootstrap",
    "build": "build",
    "check": "check",
    "controller": "controller",
    "create": "create",
    "delete": "delete",
    "demo": "demo",
    "dev": "dev",
    "diff": "diff",
    "events": "events",
    "export": "export",
    "get": "get",
    "install": "install",
    "kustomize": "kustomize",
    "logs": "logs",
    "reconcile": "reconcile",
    "resume": "suspend",
    "stats": "stats",
    "suspend": "suspend",
    "trace": "trace",
    "tree": "tree",
    "uninstall": "install",
}
_VALUE_OPTIONS = {"--kubeconfig", "--context", "--namespace", "-n", "--timeout"}


def _command_of(argv: list[str]) -> str | None:
    """The top-level command in ``argv`` (skipping global options and their values)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def _register(argv: list[str] | None = None) -> None:
    # Imported here (not at module top) so that ``tether.cli.main`` has defined ``app``
    # before the sub-command modules import it.
    command = _command_of(sys.argv[1:] if argv is None else argv)
    if command == "version":  # defined here: nothing to import
        return
    wanted = [_LAZY[command]] if command in _LAZY else list(_COMMAND_MODULES)
    for name in wanted:
        importlib.import_module(f"tether.cli.{name}")


def main() -> None:
    """Entry point of the console script."""
    args = argv.hoist_global_flags(sys.argv[1:])  # `get ks -n apps` works as in Flux
    _register(args)
    try:
        app(args=args)
    except errors.GitOpsError as exc:
        typer.echo(f"✗ {exc.one_line()}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("✗ interrupted", err=True)
        sys.exit(130)
