"""``tether trace KIND/NAME`` (or ``trace KIND NAME``): which Kustomization and source manage
an object.

Design: ownership is read from the object's labels ``kustomize.toolkit.fluxcd.io/name`` and
``…/namespace`` (set by every apply), following ``ownerReferences`` upwards when the object
itself is unlabelled (a Pod → its ReplicaSet → its Deployment). The kind on the command
line is resolved through API discovery, so any kind the cluster serves (``deploy``,
``configmap``, ``Deployment``) can be traced. The report is Flux's ``Key:  value`` blocks
separated by ``---``, rendered by a pure function (:func:`render`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tether import errors
from tether.cli import kinds, options, session
from tether.cli.main import app

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient, Obj

__all__ = ["owner_of", "render", "resolve_kind"]

NAME_LABEL = "kustomize.toolkit.fluxcd.io/name"
NAMESPACE_LABEL = "kustomize.toolkit.fluxcd.io/namespace"
_WIDTH = 17


async def _resources(kube: KubeClient, group_version: str) -> list[dict[str, Any]]:
    path = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
    try:
        doc = await kube.request("GET", path, what=f"discover {group_version}")
    except errors.NotFoundError:
        return []
    return [r for r in doc.get("resources", []) if "/" not in r.get("name", "")]


def _matches(resource: Mapping[str, Any], text: str) -> bool:
    names = {str(resource.get("kind", "")).lower(), str(resource.get("name", "")),
             str(resource.get("singularName", ""))}
    names.update(resource.get("shortNames") or [])
    return text.lower() in names


async def resolve_kind(kube: KubeClient, text: str, *, api_version: str = "") -> tuple[str, str]:
    """``deploy`` → (``apps/v1``, ``Deployment``) by discovery; NotFoundError if unknown."""
    versions = [api_version] if api_version else ["v1"]
    if not api_version:
        groups = await kube.request("GET", "/apis", what="discover API groups")
        versions += [g["preferredVersion"]["groupVersion"] for g in groups.get("groups", [])]
    for group_version in versions:
        for resource in await _resources(kube, group_version):
            if _matches(resource, text):
                return group_version, str(resource["kind"])
    raise errors.NotFoundError(f"the server doesn't have a resource type {text!r}", status=404)


async def owner_of(kube: KubeClient, obj: Obj, *, depth: int = 5) -> tuple[str, str] | None:
    """(namespace, name) of the Kustomization managing ``obj`` or an owner of it."""
    labels = (obj.get("metadata") or {}).get("labels") or {}
    if labels.get(NAME_LABEL):
        return str(labels.get(NAMESPACE_LABEL, "")), str(labels[NAME_LABEL])
    if depth == 0:
        return None
    namespace = (obj.get("metadata") or {}).get("namespace")
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        try:
            owner = await kube.get_or_none(ref["apiVersion"], ref["kind"], ref["name"],
                                           namespace)
        except errors.ClusterError:
            continue
        if owner is not None:
            found = await owner_of(kube, owner, depth=depth - 1)
            if found:
                return found
    return None


def _line(key: str, value: object) -> str:
    return f"{key + ':':<{_WIDTH}}{value}"


def _status_lines(obj: Mapping[str, Any] | None) -> list[str]:
    ready = kinds.condition(obj or {}, "Ready")
    if ready is None:
        return [_line("Status", "Unknown")]
    when = ready.get("lastTransitionTime", "")
    verb = "Last reconciliation failed at" if ready.get("status") == "False" else \
        "Last reconciled at"
    return [_line("Status", f"{verb} {when}"), _line("Message", ready.get("message", ""))]


def _ks_block(ks: Mapping[str, Any]) -> list[str]:
    meta, spec = ks["metadata"], ks.get("spec") or {}
    lines = [_line("Kustomization", meta["name"]), _line("Namespace", meta.get("namespace"))]
    if spec.get("targetNamespace"):
        lines.append(_line("Target", spec["targetNamespace"]))
    lines += [_line("Path", spec.get("path", "")),
              _line("Revision", (ks.get("status") or {}).get("lastAppliedRevision", ""))]
    return lines + _status_lines(ks)


def _source_block(src: Mapping[str, Any]) -> list[str]:
    meta, spec = src["metadata"], src.get("spec") or {}
    lines = [_line(src.get("kind", "GitRepository"), meta["name"]),
             _line("Namespace", meta.get("namespace")), _line("URL", spec.get("url", ""))]
    ref = spec.get("ref") or {}
    if ref.get("tag") or ref.get("semver"):
        lines.append(_line("Tag", ref.get("tag") or ref.get("semver")))
    elif ref.get("branch"):
        lines.append(_line("Branch", ref["branch"]))
    revision = ((src.get("status") or {}).get("artifact") or {}).get("revision")
    if revision:
        lines.append(_line("Revision", revision))
    return lines + _status_lines(src)


def render(obj: Mapping[str, Any], ks: Mapping[str, Any] | None,
           src: Mapping[str, Any] | None) -> str:
    """Flux's trace report for ``obj`` managed by ``ks`` fed by ``src``."""
    meta = obj.get("metadata") or {}
    lines = [_line("Object", f"{obj.get('kind')}/{meta.get('name')}")]
    if meta.get("namespace"):
        lines.append(_line("Namespace", meta["namespace"]))
    lines.append(_line("Status", "Managed by Flux"))
    for block in ([_ks_block(ks)] if ks else []) + ([_source_block(src)] if src else []):
        lines += ["---", *block]
    return "\n".join(lines) + "\n"


def _split(args: list[str]) -> tuple[str, str]:
    if len(args) == 1 and "/" in args[0]:
        kind, _, name = args[0].partition("/")
        return kind, name
    if len(args) == 2:
        return args[0], args[1]
    raise errors.ConfigError("either `<kind>/<name>` or `<kind> <name>` is required")


async def _trace(kube: KubeClient, opts: options.GlobalOptions, args: list[str],
                 api_version: str) -> str:
    kind_text, name = _split(args)
    group_version, kind = await resolve_kind(kube, kind_text, api_version=api_version)
    obj = await kube.get(group_version, kind, name, opts.namespace)
    owner = await owner_of(kube, obj)
    if owner is None:
        raise errors.GitOpsError(f"{kind}/{name} is not managed by Flux (no "
                                 f"{NAME_LABEL} label on it or its owners)")
    ks_ns, ks_name = owner
    ks = await kube.get(kinds.KUSTOMIZATION.api_version, kinds.KUSTOMIZATION.kind, ks_name,
                        ks_ns or opts.namespace)
    ref = (ks.get("spec") or {}).get("sourceRef") or {}
    src_kind = kinds.by_name(str(ref.get("kind", "")))
    src = None
    if src_kind is not None and src_kind is not kinds.KUSTOMIZATION:
        src = await kube.get_or_none(src_kind.api_version, src_kind.kind, str(ref.get("name")),
                                     str(ref.get("namespace") or ks["metadata"]["namespace"]))
    return render(obj, ks, src)


@app.command("trace")
def trace(
    args: Annotated[list[str], typer.Argument(help="KIND/NAME or KIND NAME.")],
    api_version: Annotated[str, typer.Option(
        "--api-version", help="Skip discovery: the object's apiVersion.")] = "",
) -> None:
    """Trace an object back to the Kustomization and source that manage it."""
    typer.echo(session.run(lambda kube, opts: _trace(kube, opts, args, api_version)), nl=False)
