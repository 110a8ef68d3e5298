"""``tether kustomize build DIR``: print what ``kustomize build DIR`` prints.

Thin by design: it maps flags to ``BuildOptions``, injects the git fetcher for remote bases
and writes ``to_yaml`` to stdout. Defaults follow the kustomize CLI (legacy kind order,
root-only load restrictions); ``--reorder none`` keeps input order, as Flux does.
"""

from __future__ import annotations

import os
import sys

import typer

from tether import errors
from tether.cli.kustomize_fetcher import GitFetcher
from tether.cli.main import app
from tether.kustomize import builder
from tether.kustomize.fs import OnDiskFS
from tether.kustomize.loader import LOAD_RESTRICTIONS_NONE, LOAD_RESTRICTIONS_ROOT_ONLY

kustomize_app = typer.Typer(help="Build kustomization targets (native kustomize v5.8.1).",
                            no_args_is_help=True)
app.add_typer(kustomize_app, name="kustomize")

_REORDER = {"legacy": builder.REORDER_LEGACY, "none": builder.REORDER_NONE}
_RESTRICTORS = (LOAD_RESTRICTIONS_ROOT_ONLY, LOAD_RESTRICTIONS_NONE)


@kustomize_app.command("build")
def build(
    directory: str = typer.Argument(".", help="Directory holding a kustomization file."),
    reorder: str = typer.Option(
        "legacy", "--reorder", help="Output order: 'legacy' (kind order) or 'none' (input)."
    ),
    load_restrictor: str = typer.Option(
        LOAD_RESTRICTIONS_ROOT_ONLY, "--load-restrictor",
        help="LoadRestrictionsRootOnly (default) or LoadRestrictionsNone.",
    ),
    output: str | None = typer.Option(None, "--output", "-o", help="Write to this file."),
    enable_helm: bool = typer.Option(False, "--enable-helm", help="Not supported."),
) -> None:
    """Build a kustomization target and print the objects as YAML."""
    if reorder not in _REORDER:
        raise errors.ConfigError(f"--reorder must be 'legacy' or 'none', not {reorder!r}")
    if load_restrictor not in _RESTRICTORS:
        raise errors.ConfigError(f"--load-restrictor must be one of {', '.join(_RESTRICTORS)}")
    if enable_helm:
        raise errors.UnsupportedError("--enable-helm: Helm charts are not supported")
    root = os.path.abspath(directory)
    with GitFetcher() as fetcher:
        options = builder.BuildOptions(
            load_restrictions=load_restrictor, reorder=_REORDER[reorder], fetcher=fetcher
        )
        text = builder.to_yaml(builder.build(OnDiskFS(), root, options))
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
