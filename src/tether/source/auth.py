"""Git credentials from a ``secretRef`` Secret, handed to the git CLI without leaking them.

Design: secrets never travel in argv (visible in ``ps``), logs, events or status. HTTP
credentials become an ``Authorization`` header passed through git's environment-config
(``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n``), scoped to the repository's origin
(``http.<origin>/.extraHeader``) and with redirects disabled, so the header never reaches
another host (a submodule elsewhere, a redirect target); SSH keys, ``known_hosts`` and CA
files are written to a private temporary directory (0700, files 0600) removed afterwards,
and ssh runs with
``StrictHostKeyChecking=yes`` — an unknown or changed host key is an error. The passphrase
of a protected key reaches ssh through an askpass script that echoes it from ssh's own
environment. :func:`redact` scrubs secret values and URL userinfo from any text we report.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shlex
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from tether import errors

__all__ = ["Credentials", "git_env", "proxy_url", "redact"]

_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
_USERINFO = re.compile(r"(\w+://)[^/@\s]*@")


@dataclass(frozen=True)
class Credentials:
    """Auth material read from a Secret's ``data`` (values decoded to bytes)."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    bearer_token: str | None = field(default=None, repr=False)
    identity: bytes | None = field(default=None, repr=False)
    known_hosts: bytes | None = None
    ca_crt: bytes | None = None

    @classmethod
    def from_secret(cls, secret: Mapping[str, Any]) -> Credentials:
        """Decode a Secret object; AuthError (naming keys, never values) when malformed."""
        name = (secret.get("metadata") or {}).get("name", "?")
        data: dict[str, bytes] = {}
        for key, value in (secret.get("data") or {}).items():
            try:
                data[key] = base64.b64decode(str(value), validate=True)
            except ValueError:
                raise errors.AuthError(
                    f"secret '{name}': key {key!r} is not valid base64") from None
        for key, value in (secret.get("stringData") or {}).items():
            data[key] = str(value).encode()

        def text(key: str) -> str | None:
            raw = data.get(key)
            return raw.decode("utf-8", errors="strict").strip("\n") if raw is not None else None

        creds = cls(
            username=text("username"), password=text("password"),
            bearer_token=text("bearerToken"), identity=data.get("identity"),
            known_hosts=data.get("known_hosts"), ca_crt=data.get("ca.crt") or data.get("caFile"),
        )
        if creds.bearer_token and (creds.username or creds.password) and not creds.identity:
            raise errors.AuthError(
                f"secret '{name}': set either 'bearerToken' or 'username'/'password', not both")
        return creds

    def secret_values(self) -> list[str]:
        """Every secret string, for :func:`redact`."""
        values = [v for v in (self.password, self.bearer_token) if v]
        if self.username and self.password:
            values.append(base64.b64encode(f"{self.username}:{self.password}".encode()).decode())
        return values


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, without userinfo."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def redact(text: str, secrets: list[str]) -> str:
    """Remove URL userinfo and any of ``secrets`` from ``text``."""
    text = _USERINFO.sub(r"\1***@", text)
    for value in sorted(secrets, key=len, reverse=True):
        if len(value) >= 3:
            text = text.replace(value, "*****")
    return text


def _write(path: Path, data: bytes) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def _ssh_command(tmp: Path, creds: Credentials | None, timeout: float) -> str:
    if creds is None or not creds.known_hosts:
        raise errors.AuthError(
            "SSH needs 'known_hosts' in the secretRef Secret (host keys are always verified)")
    known = _write(tmp / "known_hosts", creds.known_hosts)
    args = ["ssh", "-F", "/dev/null", "-o", f"UserKnownHostsFile={known}",
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
            "-o", f"ConnectTimeout={max(1, int(timeout))}",
            "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no"]
    if creds.identity:
        key = _write(tmp / "identity", creds.identity)
        args += ["-i", str(key), "-o", "IdentitiesOnly=yes"]
    # A passphrase is fed by an askpass script that echoes it from the environment;
    # without one, BatchMode forbids every prompt.
    args += ["-o", "BatchMode=no" if creds.password else "BatchMode=yes"]
    return shlex.join(args)


def _askpass(tmp: Path) -> Path:
    script = tmp / "askpass"
    _write(script, b'#!/bin/sh\nprintf \'%s\\n\' "$TETHER_SSH_PASSPHRASE"\n')
    os.chmod(script, 0o700)
    return script


def proxy_url(secret: Mapping[str, Any]) -> tuple[str, list[str]]:
    """A proxy URL (with credentials) from a ``proxySecretRef`` Secret, and its secrets."""
    name = (secret.get("metadata") or {}).get("name", "?")
    data = Credentials.from_secret(secret)
    raw = (secret.get("data") or {}).get("address")
    if raw is None:
        raise errors.AuthError(f"proxy secret '{name}': missing 'address'")
    address = base64.b64decode(str(raw)).decode().strip()
    parts = urlsplit(address if "://" in address else f"http://{address}")
    if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
        raise errors.AuthError(f"proxy secret '{name}': 'address' is not a proxy URL")
    if data.username or data.password:
        userinfo = f"{quote(data.username or '', safe='')}:{quote(data.password or '', safe='')}"
        parts = parts._replace(netloc=f"{userinfo}@{parts.netloc.rsplit('@', 1)[-1]}")
    return parts.geturl(), [v for v in (data.password,) if v]


@contextlib.contextmanager
def git_env(
    url: str, creds: Credentials | None, *, timeout: float, proxy: str | None = None
) -> Iterator[dict[str, str]]:
    """The environment for git commands against ``url``; temp files are removed on exit.

    ``proxy`` (from ``proxy_url``) wins over the process's ``HTTPS_PROXY``/``ALL_PROXY``,
    which are otherwise passed through, like Flux.
    """
    tmp = Path(tempfile.mkdtemp(prefix="tether-git-auth-"))
    os.chmod(tmp, 0o700)
    try:
        config: list[tuple[str, str]] = [
            ("http.followRedirects", "false"), ("credential.helper", ""),
            ("core.hooksPath", "/dev/null"), ("protocol.version", "2"),
            ("advice.detachedHead", "false"), ("init.defaultBranch", "main"),
            ("core.askPass", ""),
        ]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp),
            "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_ALLOW_PROTOCOL": "http:https:ssh",
            "GIT_ASKPASS": "/bin/false", "SSH_ASKPASS": "/bin/false",
        }
        env.update({k: v for k, v in os.environ.items() if k.lower() in _PROXY_VARS})
        if proxy is not None:
            if url.startswith("ssh://"):
                raise errors.InvalidSpecError(
                    "spec.proxySecretRef applies to http(s) URLs only, not ssh://")
            config.append(("http.proxy", proxy))
        if url.startswith("ssh://"):
            env["GIT_SSH_COMMAND"] = _ssh_command(tmp, creds, timeout)
            if creds is not None and creds.password:
                env.update(SSH_ASKPASS=str(_askpass(tmp)), SSH_ASKPASS_REQUIRE="force",
                           TETHER_SSH_PASSPHRASE=creds.password)
        elif creds is not None:
            # Scoped to the repository's origin: never sent to another host (submodules).
            header_key = f"http.{_origin(url)}/.extraHeader"
            if creds.bearer_token:
                config.append((header_key, f"Authorization: Bearer {creds.bearer_token}"))
            elif creds.username is not None or creds.password is not None:
                basic = f"{creds.username or ''}:{creds.password or ''}".encode()
                config.append((header_key,
                               f"Authorization: Basic {base64.b64encode(basic).decode()}"))
            if creds.ca_crt:
                config.append(("http.sslCAInfo", str(_write(tmp / "ca.crt", creds.ca_crt))))
        env["GIT_CONFIG_COUNT"] = str(len(config))
        for i, (key, value) in enumerate(config):
            env[f"GIT_CONFIG_KEY_{i}"] = key
            env[f"GIT_CONFIG_VALUE_{i}"] = value
        yield env
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
