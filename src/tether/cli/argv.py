"""Global flags anywhere on the command line, as Flux users type them.

Why: ``flux get ks -n apps`` and ``flux reconcile ks x --timeout 2m`` put the global flags
after the sub-command; click only accepts a group's options before its sub-command. Rather
than repeat ``-n``/``--timeout``/``--kubeconfig``/``--context`` on every command,
:func:`hoist_global_flags` moves them (with their values, ``--flag value`` or
``--flag=value``) to the front of argv before typer parses it; everything after ``--`` is
left alone. :func:`parse_timeout` accepts Go durations (``5m``, ``1m30s``) as well as plain
seconds, since Flux's ``--timeout`` is a Go duration.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from tether import errors
from tether.api import meta

__all__ = ["GLOBAL_FLAGS", "hoist_global_flags", "parse_timeout"]

GLOBAL_FLAGS: Final = frozenset({"--kubeconfig", "--context", "--namespace", "-n", "--timeout"})
"""The root callback's options; each takes one value."""


def _split(arg: str) -> tuple[str, str | None]:
    if arg.startswith("--") and "=" in arg:
        name, _, value = arg.partition("=")
        return name, value
    return arg, None


def hoist_global_flags(args: Sequence[str]) -> list[str]:
    """``get ks -n apps`` → ``-n apps get ks``; order among the moved flags is kept."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        name, inline = _split(arg)
        if name in GLOBAL_FLAGS and inline is not None:
            front.append(arg)
        elif name in GLOBAL_FLAGS and i + 1 < len(args):
            front += [arg, args[i + 1]]
            i += 1
        elif arg.startswith("-n") and len(arg) > 2 and not arg.startswith("--"):
            front.append(arg)  # -nNAMESPACE
        else:
            rest.append(arg)
        i += 1
    return front + rest


def parse_timeout(text: str) -> float:
    """``300`` / ``300.5`` seconds, or a Go duration ``5m`` / ``1m30s``; ConfigError otherwise."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return meta.parse_duration(text)
    except errors.InvalidSpecError as exc:
        raise errors.ConfigError(f"invalid --timeout {text!r}",
                                 hint="use seconds (300) or a Go duration (5m, 1m30s)") from exc
