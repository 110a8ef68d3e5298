"""Bootstrap: commit the install and sync manifests to Git, then make the cluster follow it.

Job: Flux's ``bootstrap.Run`` as a short script of phases — clone, reconcile components
(generate → commit → push → install when the cluster does not yet sync itself), reconcile
the source Secret, reconcile the sync configuration (generate → commit → push → apply),
then wait for the GitRepository, the Kustomization and the controller. Design decisions:
every phase is idempotent on its own (no commit when the generated files are unchanged,
the direct install is skipped once the ``flux-system`` Kustomization has applied a revision
— from then on the cluster upgrades itself from Git — and an existing SSH secret and its
deploy key are kept), so re-running bootstrap is safe. Provider specifics (GitHub's repository
creation and deploy keys) stay outside: this module only receives URLs, credentials and an
optional ``register_key`` hook. Secrets flow from the CLI into :class:`gitrepo.Credentials`
and the Secret object only; they are never in a commit, a message or an argv.
"""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from tether import errors
from tether import kustomize as kbuild
from tether.api import kustomize, source
from tether.bootstrap import components, gitrepo, install, report, sourcesecret, sync
from tether.cluster.client import KubeClient, Obj

__all__ = ["BootstrapOptions", "SecretPlan", "component_objects", "run"]

_PUSH_ATTEMPTS = 3

KeyHook = Callable[[str], Awaitable[str | None]]
"""Given a new public key, register it (deploy key); may return a line to report."""


@dataclass(frozen=True, repr=False)
class SecretPlan:
    """What the cluster authenticates to Git with."""

    kind: Literal["basic", "bearer", "ssh", "none"]
    username: str = "git"
    password: str | None = None
    private_key_pem: bytes | None = None
    """An existing SSH key (``--private-key-file``); None generates one."""
    known_hosts: str | None = None

    def __repr__(self) -> str:
        return f"SecretPlan(kind={self.kind!r}, username={self.username!r})"


@dataclass(frozen=True)
class BootstrapOptions:
    """Everything one bootstrap run needs."""

    repo_url: str
    """Where bootstrap clones and pushes."""
    sync_url: str
    """What the cluster's GitRepository fetches (may differ: SSH vs HTTPS)."""
    branch: str
    path: str
    install: components.InstallOptions
    git_credentials: gitrepo.Credentials = field(default_factory=gitrepo.Credentials)
    secret: SecretPlan = field(default_factory=lambda: SecretPlan(kind="none"))
    secret_name: str = "flux-system"
    author_name: str = "Tether"
    author_email: str = "tether@users.noreply.local"
    timeout: float = 300.0
    register_key: KeyHook | None = None
    interval: str = "1m0s"
    """The GitRepository's sync interval (Flux's ``--interval``)."""

    @property
    def namespace(self) -> str:
        """Where Flux objects live; also the manifests' directory name."""
        return self.install.namespace

    @property
    def manifests_dir(self) -> str:
        """``<path>/<namespace>`` inside the repository."""
        base = sync.normalize_path(self.path)
        return f"{base}/{self.namespace}" if base else self.namespace


async def run(kube: KubeClient, opts: BootstrapOptions, *, reporter: report.Reporter,
              workdir: Path | None = None) -> None:
    """Bootstrap the cluster from ``opts``; raise GitOpsError on the first failed phase."""
    opts.install.validate()
    opts = await _pin_host_keys(opts)
    head: str | None = None
    for attempt in range(1, _PUSH_ATTEMPTS + 1):
        try:
            head = await _reconcile_git(kube, opts, reporter=reporter, workdir=workdir)
            break
        except gitrepo.PushRejectedError:
            # Someone pushed between our clone and our push: start over from a fresh
            # clone (every phase is idempotent), as Flux does.
            if attempt == _PUSH_ATTEMPTS:
                raise
            reporter.warning(f'branch "{opts.branch}" moved during bootstrap; cloning again')
    revision = f"{opts.branch}@sha1:{head}" if head else None
    await _wait(kube, opts, reporter=reporter, revision=revision)


def _is_ssh(url: str) -> bool:
    return url.startswith("ssh://") or ("://" not in url and "@" in url)


async def _pin_host_keys(opts: BootstrapOptions) -> BootstrapOptions:
    """Scan SSH host keys once: the clone checks them strictly and the Secret pins them."""
    if not _is_ssh(opts.repo_url) or opts.git_credentials.known_hosts:
        return opts
    known = await sourcesecret.scan_known_hosts(opts.repo_url)
    creds = replace(opts.git_credentials, known_hosts=known)
    secret = opts.secret
    if secret.kind == "ssh" and not secret.known_hosts and opts.sync_url == opts.repo_url:
        secret = replace(secret, known_hosts=known)
    return replace(opts, git_credentials=creds, secret=secret)


async def _reconcile_git(kube: KubeClient, opts: BootstrapOptions, *,
                         reporter: report.Reporter, workdir: Path | None) -> str | None:
    """Clone, then the three phases that may commit and push; return the branch head."""
    with tempfile.TemporaryDirectory(prefix="tether-bootstrap-", dir=workdir) as tmp:
        wc = gitrepo.WorkingCopy(Path(tmp) / "repo", url=opts.repo_url, branch=opts.branch,
                                 credentials=opts.git_credentials)
        try:
            reporter.action(f'cloning branch "{opts.branch}" from Git repository '
                            f'"{opts.repo_url}"')
            await wc.clone()
            reporter.success("cloned repository")
            await _reconcile_components(kube, wc, opts=opts, reporter=reporter)
            await _reconcile_secret(kube, opts, reporter=reporter)
            await _reconcile_sync(kube, wc, opts=opts, reporter=reporter)
            return await wc.head()
        finally:
            wc.close()


async def _commit_and_push(wc: gitrepo.WorkingCopy, opts: BootstrapOptions, *, what: str,
                           message: str, reporter: report.Reporter) -> None:
    sha = await wc.commit(message, paths=[opts.manifests_dir], author_name=opts.author_name,
                          author_email=opts.author_email)
    if sha is None:
        reporter.success(f"{what} manifests are up to date")
        return
    reporter.success(f'committed {what} manifests to "{opts.branch}" ("{sha}")')
    reporter.action(f'pushing {what} manifests to "{opts.repo_url}"')
    await wc.push()


async def _needs_install(kube: KubeClient, opts: BootstrapOptions) -> bool:
    """True until the sync Kustomization has applied a revision (then Git drives upgrades)."""
    try:
        ks = await kube.get_or_none(kustomize.API_VERSION, kustomize.KIND, "flux-system",
                                    opts.namespace)
    except errors.ClusterError:
        return True
    return ks is None or not (ks.get("status") or {}).get("lastAppliedRevision")


async def _reconcile_components(kube: KubeClient, wc: gitrepo.WorkingCopy, *,
                                opts: BootstrapOptions, reporter: report.Reporter) -> None:
    reporter.action("generating component manifests")
    objs = components.generate(opts.install)
    text = components.render(objs, banner=components.header(opts.install))
    wc.write(f"{opts.manifests_dir}/{sync.COMPONENTS_FILE}", text)
    reporter.success("generated component manifests")
    await _commit_and_push(wc, opts, what="component",
                           message=f"Add Tether {opts.install.version} component manifests",
                           reporter=reporter)
    if await _needs_install(kube, opts):
        reporter.action(f'installing components in "{opts.namespace}" namespace')
        objs = component_objects(wc.path, opts.manifests_dir, generated=objs)
        await install.apply_components(kube, objs, timeout=opts.timeout)
        reporter.success("installed components")
    reporter.success("reconciled components")


def component_objects(root: Path, manifests_dir: str, *, generated: list[Obj]) -> list[Obj]:
    """What the direct install applies: the user's ``kustomization.yaml`` built, if any.

    When the directory already has a ``kustomization.yaml`` (a user's, possibly with
    ``patches:``), it is built with Tether's kustomize engine so the patches apply on the
    very first install, as Flux does; the sync objects are left for the sync phase.
    Otherwise the generated objects are used as they are.
    """
    directory = root / manifests_dir
    if not (directory / sync.KUSTOMIZATION_FILE).is_file():
        return generated
    resmap = kbuild.build(kbuild.OnDiskFS(str(root)), str(directory))
    toolkit = (source.GROUP, kustomize.GROUP)
    return [o for o in resmap.objects()
            if str(o.get("apiVersion", "")).split("/")[0] not in toolkit]


async def _ssh_secret(kube: KubeClient, opts: BootstrapOptions, *,
                      reporter: report.Reporter) -> dict[str, object] | None:
    """The SSH Secret to apply, or None to keep the existing one."""
    plan = opts.secret
    existing = await kube.get_or_none("v1", "Secret", opts.secret_name, opts.namespace)
    if existing is not None and plan.private_key_pem is None:
        return None
    reporter.action("generating source secret")
    known_hosts = plan.known_hosts or await sourcesecret.scan_known_hosts(opts.sync_url)
    if plan.private_key_pem is not None:
        keypair = sourcesecret.keypair_from_pem(plan.private_key_pem)
    else:
        keypair = sourcesecret.generate_keypair()
        reporter.success(f"public key: {keypair.public}")
        if opts.register_key is not None:
            line = await opts.register_key(keypair.public)
            if line:
                reporter.success(line)
    return sourcesecret.ssh_secret(name=opts.secret_name, namespace=opts.namespace,
                                   keypair=keypair, known_hosts=known_hosts)


async def _reconcile_secret(kube: KubeClient, opts: BootstrapOptions, *,
                            reporter: report.Reporter) -> None:
    plan = opts.secret
    if plan.kind == "none":
        return
    reporter.action(f'determining if source secret "{opts.namespace}/{opts.secret_name}" '
                    f'exists')
    if plan.kind == "basic":
        reporter.action("generating source secret")
        secret: dict[str, object] | None = sourcesecret.token_secret(
            name=opts.secret_name, namespace=opts.namespace, username=plan.username,
            password=plan.password or "")
    elif plan.kind == "bearer":
        reporter.action("generating source secret")
        secret = sourcesecret.bearer_secret(name=opts.secret_name, namespace=opts.namespace,
                                            token=plan.password or "")
    else:
        secret = await _ssh_secret(kube, opts, reporter=reporter)
    if secret is None:
        reporter.success("source secret up to date")
        return
    reporter.action(f'applying source secret "{opts.namespace}/{opts.secret_name}"')
    await kube.apply(dict(secret), field_manager=install.FIELD_MANAGER)
    reporter.success("reconciled source secret")


async def _reconcile_sync(kube: KubeClient, wc: gitrepo.WorkingCopy, *,
                          opts: BootstrapOptions, reporter: report.Reporter) -> None:
    reporter.action("generating sync manifests")
    sync_opts = sync.SyncOptions(
        url=opts.sync_url, branch=opts.branch, path=opts.path, namespace=opts.namespace,
        secret_name=None if opts.secret.kind == "none" else opts.secret_name,
        interval=opts.interval)
    wc.write(f"{opts.manifests_dir}/{sync.SYNC_FILE}",
             sync.render(sync_opts, install=opts.install))
    kfile = f"{opts.manifests_dir}/{sync.KUSTOMIZATION_FILE}"
    if wc.read(kfile) is None:  # a user's kustomization.yaml (and its patches) is kept
        wc.write(kfile, sync.kustomization_file([sync.COMPONENTS_FILE, sync.SYNC_FILE]))
    reporter.success("generated sync manifests")
    await _commit_and_push(wc, opts, what="sync", message="Add Tether sync manifests",
                           reporter=reporter)
    reporter.action("applying sync manifests")
    await install.apply_components(kube, sync.generate(sync_opts), timeout=opts.timeout)
    reporter.success("reconciled sync configuration")


async def _wait(kube: KubeClient, opts: BootstrapOptions, *, reporter: report.Reporter,
                revision: str | None) -> None:
    ns = opts.namespace
    for api_version, kind in ((source.API_VERSION, source.KIND),
                              (kustomize.API_VERSION, kustomize.KIND)):
        # Ask for a reconcile now (Flux does too): the head may be newer than what the
        # controller saw at its last interval, and Ready must be for that head.
        await install.request_reconcile(kube, api_version=api_version, kind=kind,
                                        name="flux-system", namespace=ns)
        with reporter.waiting(f'waiting for {kind} "{ns}/flux-system" to be reconciled'):
            await install.wait_ready(kube, api_version=api_version, kind=kind,
                                     name="flux-system", namespace=ns, timeout=opts.timeout,
                                     revision=revision)
        reporter.success(f"{kind} reconciled successfully")
    reporter.action("confirming components are healthy")
    quiet = report.Recorder()
    await install.verify(kube, components.generate(opts.install), timeout=opts.timeout,
                         reporter=quiet)
    for line in quiet.lines:
        reporter.success(line.removeprefix("✔ "))
    reporter.success("all components are healthy")
