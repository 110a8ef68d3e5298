"""Global flags shared by every command (Flux's ``--kubeconfig``, ``--context``, ``-n``).

This is the one place that reads the environment (``KUBECONFIG``); everything below the CLI
gets explicit values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the client (lightkube, httpx) loads only when a command connects
    from tether.cluster import client

__all__ = ["GlobalOptions", "current", "set_current"]


@dataclass(frozen=True)
class GlobalOptions:
    """Flags given before the sub-command."""

    kubeconfig: str | None
    context: str | None
    namespace: str
    timeout: float

    def resolved_kubeconfig(self) -> str | None:
        """``--kubeconfig``, else the first file of ``KUBECONFIG``, else None (default)."""
        if self.kubeconfig:
            return self.kubeconfig
        env = os.environ.get("KUBECONFIG", "")
        paths = [p for p in env.split(os.pathsep) if p]
        existing = [p for p in paths if os.path.isfile(p)]
        if existing:
            return existing[0]
        return paths[0] if paths else None

    def connect(self) -> client.KubeClient:
        """A KubeClient for the selected kubeconfig and context."""
        from tether.cluster import client

        return client.KubeClient.connect(
            kubeconfig_path=self.resolved_kubeconfig(), context=self.context
        )


_current = GlobalOptions(kubeconfig=None, context=None, namespace="flux-system", timeout=300.0)


def set_current(options: GlobalOptions) -> None:
    """Record the parsed global flags (called by the root callback)."""
    global _current
    _current = options


def current() -> GlobalOptions:
    """The parsed global flags."""
    return _current
