"""Shared helpers of the bootstrap integration tests: run the ``tether`` CLI as a process."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass

from tether.devcluster import cluster

_SHA = re.compile(r"\b[0-9a-f]{40}\b")


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Run:
    """One CLI invocation's outcome."""

    rc: int
    out: str
    err: str

    def lines(self) -> list[str]:
        """stdout lines with 40-hex SHAs replaced by ``<sha>``."""
        return [_SHA.sub("<sha>", line) for line in self.out.splitlines()]


async def cli(status: cluster.ClusterStatus, *args: str,
                 env: dict[str, str] | None = None) -> Run:
    """``python -m tether --kubeconfig … --timeout 120 <args>`` (off the event loop)."""
    argv = [sys.executable, "-m", "tether", "--kubeconfig", status.kubeconfig, "--context",
            cluster.CONTEXT, "--timeout", "120", *args]
    proc = await asyncio.to_thread(
        subprocess.run, argv, capture_output=True, text=True, check=False, timeout=400,
        env={**os.environ, **(env or {})})
    return Run(proc.returncode, proc.stdout, proc.stderr)
