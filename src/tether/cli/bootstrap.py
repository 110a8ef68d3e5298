"""``tether bootstrap git`` and ``tether bootstrap github``: flags in, library call out.

This is the only place that reads secrets from the outside world (``GITHUB_TOKEN``, a
``--password``, a ``--private-key-file``); they are handed to the library as values and
never printed — errors reaching the user are one line, masked by the library.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import typer

from tether import errors
from tether.api import meta
from tether.bootstrap import components, github, gitrepo, provider, run
from tether.cli import options
from tether.cli.install import TerminalReporter
from tether.cli.main import app

__all__ = ["bootstrap_app"]

bootstrap_app = typer.Typer(
    help="Deploy Tether on a cluster the GitOps way: commit its manifests, then sync them.",
    no_args_is_help=True)
app.add_typer(bootstrap_app, name="bootstrap")

_BRANCH = typer.Option("main", "--branch", help="Git branch.")
_PATH = typer.Option("", "--path", help="Path relative to the repository root, "
                     "e.g. clusters/my-cluster.")
_IMAGE = typer.Option(components.DEFAULT_IMAGE, "--image", help="Controller image reference.")
_COMPONENTS = typer.Option(list(components.COMPONENTS), "--components",
                           help="Components to enable (comma-separated or repeated).")
_SECRET = typer.Option("flux-system", "--secret-name", help="Name of the source Secret.")
_AUTHOR = typer.Option("Tether", "--author-name", help="Author of the commits.")
_EMAIL = typer.Option("tether@users.noreply.local", "--author-email",
                      help="Author email of the commits.")
_NETPOL = typer.Option(True, "--network-policy/--no-network-policy",
                       help="Deny ingress from other namespaces (Flux's NetworkPolicies).")
_INTERVAL = typer.Option("1m0s", "--interval", help="Sync interval of the GitRepository.")
_KEYFILE = typer.Option(None, "--private-key-file", help="SSH private key for push and sync.")
_NS = typer.Option(None, "--namespace", "-n", help="Install namespace (default: global -n).")


def _install_options(*, namespace: str | None, image: str, component: list[str],
                     network_policy: bool) -> components.InstallOptions:
    parts = [c.strip() for v in component for c in v.split(",") if c.strip()]
    return components.InstallOptions(namespace=namespace or options.current().namespace,
                                     image=image, components=tuple(dict.fromkeys(parts)),
                                     network_policy=network_policy)


def _interval(text: str) -> str:
    """Validate a Go duration (``1m``, ``30s``) and return it in Go's canonical form."""
    try:
        seconds = meta.parse_duration(text)
    except errors.InvalidSpecError as exc:
        raise errors.ConfigError(f"--interval: {exc.one_line()}") from exc
    if seconds <= 0:
        raise errors.ConfigError("--interval must be positive")
    return meta.format_duration(seconds)


def _split_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """``https://u:p@h/r`` → (``https://h/r``, u, p): a password never stays in the URL,
    which is committed to Git (gotk-sync.yaml) and stored in the GitRepository."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.password is None:
        return url, None, None
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, unquote(parts.username or "") or None, unquote(parts.password)


def _read_key(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.expanduser().read_bytes()
    except OSError as exc:
        raise errors.ConfigError(f"cannot read --private-key-file {path}: "
                                 f"{exc.strerror}") from exc


def _git_plan(*, url: str, username: str, password: str | None, key: bytes | None,
              token_auth: bool, bearer: bool = False) -> run.SecretPlan:
    if url.startswith(("ssh://", "git@")) and not token_auth:
        return run.SecretPlan(kind="ssh", private_key_pem=key)
    if password is not None and bearer:
        return run.SecretPlan(kind="bearer", password=password)
    if password is not None:
        return run.SecretPlan(kind="basic", username=username, password=password)
    if token_auth:
        raise errors.ConfigError("--token-auth needs --password (the token)")
    return run.SecretPlan(kind="none")


def _confirm_key(silent: bool) -> run.KeyHook:
    async def hook(public_key: str) -> str | None:
        if not silent:
            typer.echo(f"Please give the key access to your repository: {public_key}")
            if sys.stdin.isatty() and not typer.confirm("Have you added the deploy key?"):
                raise errors.ConfigError("the deploy key was not confirmed")
        return None
    return hook


@bootstrap_app.command("git")
def bootstrap_git(
    url: str = typer.Option(..., "--url", help="Git repository URL (https://, http://, ssh://)."),
    branch: str = _BRANCH,
    path: str = _PATH,
    username: str = typer.Option("git", "--username", "-u", help="Basic auth username."),
    password: str | None = typer.Option(None, "--password", "-p",
                                        help="Basic auth password or token."),
    private_key_file: Path | None = _KEYFILE,
    token_auth: bool = typer.Option(False, "--token-auth",
                                    help="Sync over HTTPS with --password, not SSH."),
    with_bearer_token: bool = typer.Option(False, "--with-bearer-token",
                                           help="Send --password as a Bearer token."),
    silent: bool = typer.Option(False, "--silent", "-s", help="Skip the deploy key prompt."),
    namespace: str | None = _NS,
    image: str = _IMAGE,
    component: list[str] = _COMPONENTS,
    secret_name: str = _SECRET,
    author_name: str = _AUTHOR,
    author_email: str = _EMAIL,
    interval: str = _INTERVAL,
    network_policy: bool = _NETPOL,
) -> None:
    """Bootstrap from any Git server (smart HTTP(S) or SSH)."""
    url, url_user, url_password = _split_userinfo(url)
    if url_password is not None and password is None:
        username, password = url_user or username, url_password
    key = _read_key(private_key_file)
    creds = gitrepo.Credentials(
        username=username, password=None if with_bearer_token else password,
        bearer_token=password if with_bearer_token else None, private_key_pem=key)
    glob = options.current()
    opts = run.BootstrapOptions(
        repo_url=url, sync_url=url, branch=branch, path=path,
        install=_install_options(namespace=namespace, image=image, component=component,
                                 network_policy=network_policy),
        git_credentials=creds, secret_name=secret_name, timeout=glob.timeout,
        secret=_git_plan(url=url, username=username, password=password, key=key,
                         token_auth=token_auth, bearer=with_bearer_token),
        register_key=_confirm_key(silent), author_name=author_name, author_email=author_email,
        interval=_interval(interval))

    async def go() -> None:
        async with glob.connect() as kube:
            await run.run(kube, opts, reporter=TerminalReporter())

    asyncio.run(go())


def _github_token() -> str:
    token = os.environ.get("GITHUB_TOKEN", "")
    if not token and sys.stdin.isatty():
        token = typer.prompt("Please enter your GitHub personal access token (PAT)",
                             hide_input=True)
    if not token:
        raise errors.ConfigError("GITHUB_TOKEN is not set",
                                 hint="export GITHUB_TOKEN=<personal access token>")
    return token


@bootstrap_app.command("github")
def bootstrap_github(
    owner: str = typer.Option(..., "--owner", help="GitHub user or organization name."),
    repository: str = typer.Option(..., "--repository", help="GitHub repository name."),
    branch: str = _BRANCH,
    path: str = _PATH,
    personal: bool = typer.Option(False, "--personal", help="The owner is a GitHub user."),
    private: bool = typer.Option(True, "--private/--public",
                                 help="Create the repository as private (default) or public."),
    token_auth: bool = typer.Option(False, "--token-auth",
                                    help="Sync over HTTPS with the token, not a deploy key."),
    read_write_key: bool = typer.Option(False, "--read-write-key",
                                        help="Give the deploy key write access."),
    hostname: str | None = typer.Option(None, "--hostname",
                                        help="GitHub Enterprise hostname."),
    api_url: str | None = typer.Option(None, "--api-url", hidden=True,
                                       help="Override the GitHub API base URL."),
    namespace: str | None = _NS,
    image: str = _IMAGE,
    component: list[str] = _COMPONENTS,
    secret_name: str = _SECRET,
    author_name: str = _AUTHOR,
    author_email: str = _EMAIL,
    interval: str = _INTERVAL,
    network_policy: bool = _NETPOL,
) -> None:
    """Bootstrap from a GitHub repository, creating it when missing (token: GITHUB_TOKEN)."""
    token = _github_token()
    glob = options.current()
    opts = provider.GitHubOptions(
        owner=owner, repository=repository, branch=branch, path=path, personal=personal,
        private=private, token_auth=token_auth, read_write_key=read_write_key,
        install=_install_options(namespace=namespace, image=image, component=component,
                                 network_policy=network_policy),
        secret_name=secret_name, timeout=glob.timeout, author_name=author_name,
        author_email=author_email, interval=_interval(interval))
    base = api_url or github.api_base(hostname)

    async def go() -> None:
        async with glob.connect() as kube, github.GitHubClient(token=token,
                                                               base_url=base) as gh:
            await provider.bootstrap_github(kube, gh, opts=opts, token=token,
                                            reporter=TerminalReporter())

    asyncio.run(go())
