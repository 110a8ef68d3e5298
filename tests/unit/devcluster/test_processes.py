"""We only ever signal processes we started: identity is pid plus kernel start time."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

from tether.devcluster import processes


def test_start_and_stop_a_real_process(tmp_path: Path) -> None:
    proc = processes.start("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"],
                           cwd=tmp_path, logs=tmp_path / "logs")
    assert processes.alive(proc)
    assert processes.stop([proc], grace=5) == ["sleeper"]
    assert not processes.alive(proc)


def test_a_reused_pid_is_not_ours(tmp_path: Path) -> None:
    proc = processes.start("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"],
                           cwd=tmp_path, logs=tmp_path / "logs")
    impostor = dataclasses.replace(proc, start_ticks=proc.start_ticks + 1)
    assert not processes.alive(impostor)
    assert processes.stop([impostor], grace=1) == []  # never signalled
    assert processes.alive(proc)
    processes.stop([proc], grace=5)


def test_last_log_lines_of_a_failed_process(tmp_path: Path) -> None:
    code = ("import sys; print('one'); print('two'); "
            "print('bind: address already in use'); sys.exit(1)")
    proc = processes.start("failing", [sys.executable, "-c", code], cwd=tmp_path,
                           logs=tmp_path / "logs")
    assert os.waitpid(proc.pid, 0)[1] != 0  # our child: wait for it to exit
    assert not processes.alive(proc)
    assert processes.last_log_lines(proc) == "one | two | bind: address already in use"


def test_state_round_trip() -> None:
    proc = processes.Proc(name="etcd", pid=42, start_ticks=7, log="/x/etcd.log")
    assert processes.Proc.from_dict(proc.to_dict()) == proc
