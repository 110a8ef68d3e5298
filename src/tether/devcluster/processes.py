"""Start, identify and stop the control plane's processes — only ever our own.

Each process is started in its own session (so a signal reaches its whole group) with its
output in ``logs/<name>.log``. We record its pid together with its kernel start time
(``/proc/<pid>/stat`` field 22): a pid alone can be reused by an unrelated process after a
crash or reboot, the pair cannot, so ``stop`` never signals a process we did not start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["Proc", "alive", "last_log_lines", "start", "stop"]


@dataclass(frozen=True)
class Proc:
    """A process we started: its name, pid, kernel start time and log file."""

    name: str
    pid: int
    start_ticks: int
    log: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the state file."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Proc:
        """Inverse of ``to_dict``."""
        return cls(name=str(data["name"]), pid=int(data["pid"]),
                   start_ticks=int(data["start_ticks"]), log=str(data["log"]))


def _start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may contain spaces.
    fields = raw[raw.rindex(")") + 2:].split()
    state = fields[0]
    if state == "Z":
        return None
    return int(fields[19])


def alive(proc: Proc) -> bool:
    """True when the very process we started is still running."""
    return _start_ticks(proc.pid) == proc.start_ticks


def start(name: str, argv: list[str], *, cwd: Path, logs: Path) -> Proc:
    """Start ``argv`` detached in its own session, output to ``logs/<name>.log``."""
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{name}.log"
    with open(log_path, "ab") as log:
        child = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    ticks = _start_ticks(child.pid)
    # A child that died instantly has no /proc entry left to read; record 0 so that
    # ``alive`` is False and the caller reports its log.
    return Proc(name=name, pid=child.pid, start_ticks=ticks or 0, log=str(log_path))


def _signal_group(proc: Proc, sig: signal.Signals) -> None:
    if not alive(proc):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def stop(procs: list[Proc], *, grace: float = 10.0) -> list[str]:
    """Stop our processes one at a time, in reverse start order; return those that ran.

    One at a time because each depends on the one started before it (an API server whose
    etcd is already gone hangs in shutdown): SIGTERM, wait up to ``grace``, then SIGKILL.
    """
    stopped = []
    for proc in reversed(procs):
        if not alive(proc):
            continue
        stopped.append(proc.name)
        _signal_group(proc, signal.SIGTERM)
        if not _wait_gone(proc, timeout=grace):
            _signal_group(proc, signal.SIGKILL)
            _wait_gone(proc, timeout=5.0)
    return stopped


def _wait_gone(proc: Proc, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while alive(proc):
        _reap([proc])
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _reap(procs: list[Proc]) -> None:
    """Collect those of ``procs`` that are exited children of this process (no zombies)."""
    for proc in procs:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(proc.pid, os.WNOHANG)


def last_log_lines(proc: Proc, count: int = 3) -> str:
    """The last ``count`` non-empty lines of a process's log, joined with `` | ``."""
    try:
        with open(proc.log, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 16384))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return " | ".join(lines[-count:])
