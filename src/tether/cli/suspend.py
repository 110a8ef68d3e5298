"""``tether suspend|resume source git|kustomization NAME|--all``.

Design: suspending is a merge patch of ``spec.suspend`` (the controller then skips the
object); resuming clears it and, like ``flux resume``, waits until the controller has
reconciled the new generation and reports the revision — or, with ``--all`` / several
objects, waits for each in turn and fails once at the end if any failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tether import errors
from tether.cli import kinds, options, output, session, waiting
from tether.cli.main import app

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient, Obj

__all__ = ["resume_objects", "suspend_objects", "targets"]

suspend_app = typer.Typer(help="Suspend the reconciliation of resources.",
                          no_args_is_help=True)
resume_app = typer.Typer(help="Resume suspended resources.", no_args_is_help=True)
suspend_source = typer.Typer(help="Suspend sources.", no_args_is_help=True)
resume_source = typer.Typer(help="Resume sources.", no_args_is_help=True)
app.add_typer(suspend_app, name="suspend")
app.add_typer(resume_app, name="resume")
suspend_app.add_typer(suspend_source, name="source")
resume_app.add_typer(resume_source, name="source")


async def targets(kube: KubeClient, kind: kinds.Kind, *, names: list[str], all_: bool,
                  namespace: str) -> list[str]:
    """The names to act on: the given ones, or every object of ``kind`` with ``--all``."""
    if all_ == bool(names):
        raise errors.ConfigError(f"{kind.human} name is required (or --all, but not both)")
    if names:
        return names
    items, _ = await kube.list(kind.api_version, kind.kind, namespace=namespace)
    if not items:
        output.failure(f"no {kind.kind} objects found in {namespace} namespace")
    return sorted(i["metadata"]["name"] for i in items)


async def _set_suspend(kube: KubeClient, kind: kinds.Kind, name: str, namespace: str,
                       value: bool) -> Obj:
    return await kube.patch(kind.api_version, kind.kind, name,
                            {"spec": {"suspend": value}}, namespace=namespace)


async def suspend_objects(kube: KubeClient, kind: kinds.Kind, *, names: list[str],
                          namespace: str) -> None:
    """Suspend each object, with Flux's lines."""
    for name in names:
        output.action(f"suspending {kind.human} {name} in {namespace} namespace")
        await _set_suspend(kube, kind, name, namespace, True)
        output.success(f"{kind.human} suspended")


async def resume_objects(kube: KubeClient, kind: kinds.Kind, *, names: list[str],
                         namespace: str, wait: bool, timeout: float) -> None:
    """Resume each object, then (with ``wait``) wait for each to be reconciled.

    One ``timeout`` budget covers all the waits.
    """
    resumed: list[str] = []
    for name in names:
        output.action(f"resuming {kind.human} {name} in {namespace} namespace")
        await _set_suspend(kube, kind, name, namespace, False)
        output.success(f"{kind.human} resumed")
        resumed.append(name)
    if not wait:
        return
    failed: list[str] = []
    deadline = waiting.Deadline(timeout)
    for name in resumed:
        output.waiting(f"waiting for {kind.kind} reconciliation")
        obj = await waiting.wait_for(kube, kind, name=name, namespace=namespace,
                                     deadline=deadline,
                                     done=lambda o: waiting.readiness(o) is not None)
        if waiting.readiness(obj) != "True":
            output.failure(f"{kind.kind} {name} reconciliation failed: "
                           f"{kinds.ready_and_message(obj)[1]}")
            failed.append(name)
            continue
        output.success(f"{kind.kind} {name} reconciliation completed")
        output.success(kind.success_line(obj))
    if failed:
        raise errors.GitOpsError(f"{len(failed)} {kind.kind} object(s) failed to reconcile: "
                                 + ", ".join(failed))


def _suspend(kind: kinds.Kind, names: list[str], all_: bool) -> None:
    async def body(kube: KubeClient, opts: options.GlobalOptions) -> None:
        chosen = await targets(kube, kind, names=names, all_=all_, namespace=opts.namespace)
        await suspend_objects(kube, kind, names=chosen, namespace=opts.namespace)
    session.run(body)


def _resume(kind: kinds.Kind, names: list[str], all_: bool, wait: bool) -> None:
    async def body(kube: KubeClient, opts: options.GlobalOptions) -> None:
        chosen = await targets(kube, kind, names=names, all_=all_, namespace=opts.namespace)
        await resume_objects(kube, kind, names=chosen, namespace=opts.namespace, wait=wait,
                             timeout=opts.timeout)
    session.run(body)


Names = Annotated[list[str] | None, typer.Argument(help="Object name(s).")]
All = Annotated[bool, typer.Option("--all", help="Every object of this kind in the namespace.")]
Wait = Annotated[bool, typer.Option("--wait/--no-wait",
                                    help="Wait for the reconciliation after resuming.")]


@suspend_source.command("git")
def suspend_source_git(names: Names = None, all_: All = False) -> None:
    """Suspend GitRepository reconciliation."""
    _suspend(kinds.GIT_REPOSITORY, names or [], all_)


def suspend_kustomization(names: Names = None, all_: All = False) -> None:
    """Suspend Kustomization reconciliation (alias: ks)."""
    _suspend(kinds.KUSTOMIZATION, names or [], all_)


@resume_source.command("git")
def resume_source_git(names: Names = None, all_: All = False, wait: Wait = True) -> None:
    """Resume GitRepository reconciliation and wait for it."""
    _resume(kinds.GIT_REPOSITORY, names or [], all_, wait)


def resume_kustomization(names: Names = None, all_: All = False, wait: Wait = True) -> None:
    """Resume Kustomization reconciliation and wait for it (alias: ks)."""
    _resume(kinds.KUSTOMIZATION, names or [], all_, wait)


suspend_app.command("kustomization")(suspend_kustomization)
suspend_app.command("ks", hidden=True)(suspend_kustomization)
resume_app.command("kustomization")(resume_kustomization)
resume_app.command("ks", hidden=True)(resume_kustomization)
