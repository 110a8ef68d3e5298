"""``tether install`` / ``tether uninstall``, and the terminal reporter bootstrap shares.

The CLI only parses flags and calls :mod:`tether.bootstrap.install`. Progress lines use
Flux's glyphs; every wait prints its ``◎`` line and then shows the shared CLI spinner
(``tether.cli.spinner``: elapsed time, on stderr, only when stderr is a terminal), so
pipes, logs and tests see exactly the same lines.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import typer

from tether.bootstrap import components, install, report
from tether.cli import options, spinner
from tether.cli.main import app

__all__ = ["TerminalReporter", "install_cmd", "uninstall_cmd"]


class TerminalReporter:
    """Prints glyph lines; spinner with elapsed time around waits on a terminal."""

    def __init__(self, *, silent: bool = False) -> None:
        self.silent = silent

    def _line(self, text: str) -> None:
        if not self.silent:
            typer.echo(text)

    def action(self, message: str) -> None:
        """``► message``."""
        self._line(f"► {message}")

    def success(self, message: str) -> None:
        """``✔ message``."""
        self._line(f"✔ {message}")

    def generate(self, message: str) -> None:
        """``✚ message``."""
        self._line(f"✚ {message}")

    def warning(self, message: str) -> None:
        """``⚠️ message``."""
        self._line(f"⚠️ {message}")

    def plain(self, message: str) -> None:
        """``message`` as is."""
        self._line(message)

    @contextlib.contextmanager
    def waiting(self, message: str) -> Iterator[None]:
        """``◎ message`` and, on a terminal, a spinner with elapsed time until the block exits."""
        self._line(f"◎ {message}")
        if self.silent:
            yield
            return
        with spinner.Spinner(message):  # draws only when stderr is a terminal
            yield


_COMPONENTS = typer.Option(list(components.COMPONENTS), "--components",
                           help="Components to enable (comma-separated or repeated).")


_NETPOL = typer.Option(True, "--network-policy/--no-network-policy",
                       help="Deny ingress from other namespaces (Flux's NetworkPolicies).")


def _namespace(local: str | None) -> str:
    return local or options.current().namespace


@app.command("install")
def install_cmd(
    export: bool = typer.Option(False, "--export", help="Print the manifests, do not apply."),
    namespace: str | None = typer.Option(
        None, "--namespace", "-n", help="Install namespace (default: the global -n)."),
    image: str = typer.Option(components.DEFAULT_IMAGE, "--image",
                              help="Controller image reference."),
    component: list[str] = _COMPONENTS,
    network_policy: bool = _NETPOL,
) -> None:
    """Install or upgrade Tether's controller, CRDs and RBAC (non-GitOps)."""
    opts = components.InstallOptions(namespace=_namespace(namespace), image=image,
                                     components=_split(component),
                                     network_policy=network_policy)
    if export:
        text = components.render(components.generate(opts), banner=components.header(opts))
        typer.echo(text, nl=False)
        return
    glob = options.current()

    async def go() -> None:
        async with glob.connect() as kube:
            await install.install(kube, opts, timeout=glob.timeout, reporter=TerminalReporter())

    asyncio.run(go())


def _split(values: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return tuple(dict.fromkeys(out))


@app.command("uninstall")
def uninstall_cmd(
    keep_namespace: bool = typer.Option(False, "--keep-namespace",
                                        help="Do not delete the namespace."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only print what would be deleted."),
    silent: bool = typer.Option(False, "--silent", "-s", help="Do not ask for confirmation."),
    namespace: str | None = typer.Option(
        None, "--namespace", "-n", help="Install namespace (default: the global -n)."),
) -> None:
    """Remove Tether's components, CRDs and namespace; workloads they applied are kept."""
    ns = _namespace(namespace)
    if not (silent or dry_run) and not typer.confirm(
            f"Are you sure you want to delete Tether and its custom resource definitions "
            f"from namespace {ns}?"):
        raise typer.Exit(1)
    glob = options.current()
    opts = install.UninstallOptions(namespace=ns, keep_namespace=keep_namespace,
                                    dry_run=dry_run)

    async def go() -> None:
        async with glob.connect() as kube:
            await install.uninstall(kube, opts, reporter=TerminalReporter())

    asyncio.run(go())


_: type[report.Reporter] = TerminalReporter  # structural check: a Reporter
