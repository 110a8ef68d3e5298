"""``bootstrap github``: make sure the repository exists, then run the plain bootstrap.

Job: the provider half of Flux's ``bootstrap_provider.go`` for GitHub — check the token's
user, create the repository when missing (personal or organisation, private by default),
choose the sync URL (HTTPS with the token when ``--token-auth``, SSH with a deploy key
otherwise) and register the deploy key through the API. Design decision: this module only
*composes* :mod:`tether.bootstrap.run` with a :class:`github.GitHubClient`; every Git and
cluster step is the same code path as ``bootstrap git``, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from tether import errors
from tether.bootstrap import components, github, gitrepo, report, run, sync
from tether.cluster.client import KubeClient

__all__ = ["GitHubOptions", "bootstrap_github", "deploy_key_title"]


@dataclass(frozen=True, repr=False)
class GitHubOptions:
    """Flags of ``tether bootstrap github``."""

    owner: str
    repository: str
    branch: str
    path: str
    install: components.InstallOptions
    personal: bool = False
    private: bool = True
    token_auth: bool = False
    read_write_key: bool = False
    secret_name: str = "flux-system"
    timeout: float = 300.0
    author_name: str = "Tether"
    author_email: str = "tether@users.noreply.local"
    interval: str = "1m0s"

    def __repr__(self) -> str:
        return f"GitHubOptions(owner={self.owner!r}, repository={self.repository!r})"


def deploy_key_title(*, secret_name: str, branch: str, namespace: str, path: str) -> str:
    """Flux's deploy key title: ``<secret>-<branch>-<namespace>-./<path>``."""
    return f"{secret_name}-{branch}-{namespace}-./{sync.normalize_path(path)}"


async def _repository(gh: github.GitHubClient, opts: GitHubOptions, *,
                      reporter: report.Reporter) -> github.Repository:
    host = urlsplit(gh.base_url).hostname or gh.base_url
    host = "github.com" if host == "api.github.com" else host
    reporter.action(f"connecting to {host}")
    login = await gh.user()
    if opts.personal and login.lower() != opts.owner.lower():
        raise errors.ConfigError(
            f"--personal: the token belongs to {login!r}, not to owner {opts.owner!r}")
    repo = await gh.get_repository(opts.owner, opts.repository)
    if repo is None:
        repo = await gh.create_repository(owner=opts.owner, name=opts.repository,
                                          personal=opts.personal, private=opts.private)
        reporter.success(f'repository "{repo.clone_url}" created')
    return repo


async def bootstrap_github(kube: KubeClient, gh: github.GitHubClient, *, opts: GitHubOptions,
                           token: str, reporter: report.Reporter) -> None:
    """Create the repository if needed, then bootstrap it (token never leaves credentials)."""
    if not token:
        raise errors.ConfigError("a GitHub token is required", hint="set GITHUB_TOKEN")
    repo = await _repository(gh, opts, reporter=reporter)
    creds = gitrepo.Credentials(username="git", password=token)
    title = deploy_key_title(secret_name=opts.secret_name, branch=opts.branch,
                             namespace=opts.install.namespace, path=opts.path)

    async def register(public_key: str) -> str | None:
        added = await gh.ensure_deploy_key(owner=repo.owner, name=repo.name, title=title,
                                           key=public_key, read_only=not opts.read_write_key)
        state = "configured" if added else "found"
        return f'{state} deploy key "{title}" for "{repo.clone_url}"'

    base = run.BootstrapOptions(
        repo_url=repo.clone_url, sync_url=repo.clone_url, branch=opts.branch, path=opts.path,
        install=opts.install, git_credentials=creds, secret_name=opts.secret_name,
        timeout=opts.timeout, author_name=opts.author_name, author_email=opts.author_email,
        interval=opts.interval)
    if opts.token_auth:
        plan = run.SecretPlan(kind="basic", username="git", password=token)
        options = replace(base, secret=plan)
    else:
        options = replace(base, sync_url=repo.ssh_sync_url, register_key=register,
                          secret=run.SecretPlan(kind="ssh"))
    await run.run(kube, options, reporter=reporter)
