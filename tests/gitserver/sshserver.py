"""SSH Git server: Debian's openssh-server on a loopback port with its own host key.

Key auth only, for the current user (root in CI); ``known_hosts_line()`` gives the line a
client must trust. Requires ``/usr/sbin/sshd`` (``scripts/ensure-system-deps.sh``).
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def generate_key(path: Path, *, kind: str = "ed25519", passphrase: str = "") -> str:
    """Create a key pair at ``path`` (+ ``.pub``); return the public key line."""
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", passphrase, "-C", "test",
                    "-f", str(path)], check=True, capture_output=True)
    return path.with_suffix(path.suffix + ".pub").read_text().strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SSHGitServer:
    """sshd serving repositories under ``root`` at ``ssh://<user>@127.0.0.1:<port>/<path>``."""

    def __init__(self, root: Path, state: Path, *, authorized_keys: list[str]) -> None:
        self.root = root
        self.state = state
        self.user = getpass.getuser()
        self.port = _free_port()
        self._proc: subprocess.Popen[bytes] | None = None
        state.mkdir(parents=True, exist_ok=True)
        self.host_key = state / "host_key"
        if not self.host_key.exists():
            generate_key(self.host_key)
        (state / "authorized_keys").write_text("\n".join(authorized_keys) + "\n")
        (state / "sshd_config").write_text("\n".join([
            f"Port {self.port}", "ListenAddress 127.0.0.1", f"HostKey {self.host_key}",
            f"AuthorizedKeysFile {state / 'authorized_keys'}", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "UsePAM no",
            "StrictModes no", "PermitRootLogin prohibit-password", f"PidFile {state / 'pid'}",
            "LogLevel ERROR", "Subsystem sftp internal-sftp",
            "SetEnv GIT_CONFIG_NOSYSTEM=1",
        ]) + "\n")

    def url(self, name: str) -> str:
        """The clone URL of repository ``name`` (absolute path on this host)."""
        return f"ssh://{self.user}@127.0.0.1:{self.port}{self.root}/{name}.git"

    def known_hosts_line(self) -> str:
        """The ``known_hosts`` entry for this server."""
        key = self.host_key.with_suffix(".pub").read_text().split()
        return f"[127.0.0.1]:{self.port} {key[0]} {key[1]}"

    def start(self) -> SSHGitServer:
        """Run sshd in the foreground (``-D``) and wait until the port accepts."""
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        log = open(self.state / "sshd.log", "ab")  # noqa: SIM115 - owned by the process
        self._proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(self.state / "sshd_config")],
                                      stdout=log, stderr=log, env={"PATH": os.environ["PATH"]})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {(self.state / 'sshd.log').read_text()}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError("sshd did not start listening")

    def stop(self) -> None:
        """Terminate sshd (only the process we started)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(timeout=10)
        self._proc = None

    def __enter__(self) -> SSHGitServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
