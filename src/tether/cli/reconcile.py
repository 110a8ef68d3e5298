"""``tether reconcile source git NAME`` / ``reconcile kustomization NAME [--with-source]``.

Design: the request handshake is Flux's — merge-patch the annotation
``reconcile.fluxcd.io/requestedAt`` with a fresh timestamp, then wait until the controller
copied it to ``status.lastHandledReconcileAt`` and decided Ready at the current generation
(:mod:`tether.cli.waiting`). The outcome is Flux's lines: ``✔ fetched revision …`` /
``✔ applied revision …`` or one ``✗ … reconciliation failed: <Ready message>`` with exit 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tether import errors
from tether.cli import kinds, options, output, session, waiting
from tether.cli.main import app

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient, Obj

__all__ = ["reconcile_object", "source_of"]

reconcile_app = typer.Typer(help="Reconcile sources and resources.", no_args_is_help=True)
source_app = typer.Typer(help="Reconcile sources.", no_args_is_help=True)
app.add_typer(reconcile_app, name="reconcile")
reconcile_app.add_typer(source_app, name="source")


def is_suspended(obj: Obj) -> bool:
    """``spec.suspend`` is true."""
    return bool((obj.get("spec") or {}).get("suspend"))


async def request(kube: KubeClient, kind: kinds.Kind, *, name: str, namespace: str) -> str:
    """Set the ``requestedAt`` annotation; returns the token written."""
    token = waiting.request_token()
    patch = {"metadata": {"annotations": {kinds.REQUESTED_AT: token}}}
    await kube.patch(kind.api_version, kind.kind, name, patch, namespace=namespace)
    return token


async def reconcile_object(
    kube: KubeClient, kind: kinds.Kind, *, name: str, namespace: str,
    deadline: waiting.Deadline,
) -> Obj:
    """Annotate, wait for the controller, print Flux's lines; GitOpsError on failure."""
    obj = await kube.get(kind.api_version, kind.kind, name, namespace)
    if is_suspended(obj):
        raise errors.GitOpsError(f"{kind.kind} {namespace}/{name}: resource is suspended",
                                 hint=f"tether resume {kind.human} {name}")
    output.action(f"annotating {kind.kind} {name} in {namespace} namespace")
    token = await request(kube, kind, name=name, namespace=namespace)
    output.success(f"{kind.kind} annotated")
    output.waiting(f"waiting for {kind.kind} reconciliation")
    obj = await waiting.wait_for(
        kube, kind, name=name, namespace=namespace, deadline=deadline, token=token,
        done=lambda o: waiting.handled(o, token) and waiting.readiness(o) is not None,
    )
    if waiting.readiness(obj) != "True":
        _, message = kinds.ready_and_message(obj)
        raise errors.GitOpsError(f"{kind.kind} reconciliation failed: {message}")
    output.success(kind.success_line(obj))
    return obj


def source_of(ks: Obj) -> tuple[kinds.Kind, str, str]:
    """The (kind, name, namespace) of a Kustomization's ``sourceRef``."""
    ref = (ks.get("spec") or {}).get("sourceRef") or {}
    kind = kinds.by_name(str(ref.get("kind", "")))
    if kind is None or kind is kinds.KUSTOMIZATION:
        raise errors.ConfigError(
            f"source kind {ref.get('kind')!r} of Kustomization "
            f"{ks['metadata'].get('namespace')}/{ks['metadata']['name']} is not supported")
    namespace = str(ref.get("namespace") or ks["metadata"].get("namespace", ""))
    return kind, str(ref.get("name", "")), namespace


async def _kustomization(kube: KubeClient, opts: options.GlobalOptions, name: str,
                         with_source: bool) -> None:
    kind = kinds.KUSTOMIZATION
    deadline = waiting.Deadline(opts.timeout)
    if with_source:
        ks = await kube.get(kind.api_version, kind.kind, name, opts.namespace)
        if is_suspended(ks):
            raise errors.GitOpsError(f"{kind.kind} {opts.namespace}/{name}: "
                                     "resource is suspended")
        src_kind, src_name, src_ns = source_of(ks)
        await reconcile_object(kube, src_kind, name=src_name, namespace=src_ns,
                               deadline=deadline)
    await reconcile_object(kube, kind, name=name, namespace=opts.namespace, deadline=deadline)


@source_app.command("git")
def reconcile_source_git(
    name: Annotated[str, typer.Argument(help="The GitRepository name.")],
) -> None:
    """Trigger a GitRepository reconciliation and wait for its artifact."""
    session.run(lambda kube, opts: reconcile_object(
        kube, kinds.GIT_REPOSITORY, name=name, namespace=opts.namespace,
        deadline=waiting.Deadline(opts.timeout)))


def reconcile_kustomization(
    name: Annotated[str, typer.Argument(help="The Kustomization name.")],
    with_source: Annotated[bool, typer.Option(
        "--with-source", help="Reconcile the Kustomization's source first.")] = False,
) -> None:
    """Trigger a Kustomization reconciliation and wait for it (alias: ks)."""
    session.run(lambda kube, opts: _kustomization(kube, opts, name, with_source))


reconcile_app.command("kustomization")(reconcile_kustomization)
reconcile_app.command("ks", hidden=True)(reconcile_kustomization)
