"""``tether diff kustomization NAME --path DIR``: what applying DIR would change.

Design: build as the controller would (:mod:`tether.cli.rendering`), then ask the API server
— a server-side *dry-run* apply with the controller's field manager — what each object
would become, and compare that with the live object the same way the controller detects
drift (labels, annotations, everything outside metadata/status). Objects of the current
inventory that the build no longer has are ``deleted`` when the Kustomization prunes.
Lines are Flux's (``► Kind/ns/name created|drifted|deleted``) followed, for drifted objects,
by a field diff (dotted path, ``± value change``, ``- old``, ``+ new``); Secret values are
never printed. Exit codes: 0 no differences, 1 differences, 2 any error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import typer
import yaml

from tether import errors
from tether.cli import build, kinds, rendering, session
from tether.cli.main import app
from tether.cluster import ssa
from tether.cluster.changeset import ObjectRef
from tether.cluster.inventory import Inventory

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient, Obj

__all__ = ["DiffError", "changes", "comparable", "render_changes"]

diff_app = typer.Typer(help="Diff a flux object against the cluster.", no_args_is_help=True)
app.add_typer(diff_app, name="diff")


class DiffError(errors.GitOpsError):
    """Any failure of ``diff``: exit code 2, so 1 keeps meaning "differences found"."""

    exit_code: ClassVar[int] = 2


def comparable(obj: Mapping[str, Any]) -> dict[str, Any]:
    """What drift detection compares: labels, annotations and all but metadata/status."""
    meta = obj.get("metadata") or {}
    out = {k: v for k, v in obj.items() if k not in ("metadata", "status")}
    out["metadata"] = {k: meta[k] for k in ("labels", "annotations") if meta.get(k)}
    return out


def _key(item: Any, index: int) -> str:
    if isinstance(item, Mapping) and isinstance(item.get("name"), str):
        return str(item["name"])
    return str(index)


def changes(old: Any, new: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """``(dotted path, old, new)`` for every differing leaf; missing sides are None.

    List items with a ``name`` are matched by name (``spec.ports.http.port``), others by index.
    """
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in sorted(set(old) | set(new)):
            yield from changes(old.get(key), new.get(key), f"{path}.{key}" if path else key)
    elif isinstance(old, list) and isinstance(new, list):
        olds = {_key(v, i): v for i, v in enumerate(old)}
        news = {_key(v, i): v for i, v in enumerate(new)}
        for key in [*olds, *(k for k in news if k not in olds)]:
            yield from changes(olds.get(key), news.get(key), f"{path}.{key}")
    elif old != new:
        yield path, old, new


def _value(value: Any) -> list[str]:
    if isinstance(value, (Mapping, list)):
        return yaml.safe_dump(value, default_flow_style=False, sort_keys=True).splitlines()
    return [str(value) if value is not None else "null"]


def render_changes(old: Mapping[str, Any], new: Mapping[str, Any], *, secret: bool) -> str:
    """The field diff of a drifted object, dyff-like; Secret values shown as masks."""
    lines: list[str] = []
    for path, before, after in changes(comparable(old), comparable(new)):
        masked = secret and path.split(".")[0] in ("data", "stringData")
        lines.append(path)
        if before is None:
            lines += ["+ one entry added:"] + [f"+ {v}" for v in (
                [f"{rendering.MASK} (after)"] if masked else _value(after))]
        elif after is None:
            lines += ["- one entry removed:"] + [f"- {v}" for v in (
                [f"{rendering.MASK} (before)"] if masked else _value(before))]
        else:
            lines.append("± value change")
            lines += [f"- {rendering.MASK} (before)", f"+ {rendering.MASK} (after)"] if masked \
                else [f"- {v}" for v in _value(before)] + [f"+ {v}" for v in _value(after)]
        lines.append("")
    return "\n".join(lines)


async def _dry_run(kube: KubeClient, obj: Obj) -> tuple[str, Obj | None, Obj | None]:
    ref = ObjectRef.from_object(obj)
    live: Obj | None = None
    try:
        live = await kube.get_or_none(obj["apiVersion"], obj["kind"], ref.name,
                                      ref.namespace or None)
    except errors.NotFoundError:
        live = None
    if live is None:
        return "created", None, None
    dry = await kube.apply(obj, field_manager=ssa.FIELD_MANAGER, force=True, dry_run=True)
    return ("drifted" if ssa.has_drifted(live, dry) else "unchanged"), live, dry


async def _stale(kube: KubeClient, ks: Obj, built: list[Obj]) -> list[ObjectRef]:
    if not (ks.get("spec") or {}).get("prune"):
        return []
    old = Inventory.from_status((ks.get("status") or {}).get("inventory"))
    new = Inventory.of(ObjectRef.from_object(o) for o in built)
    gone = []
    for ref in old.refs:
        if ref in new:
            continue
        if await kube.get_or_none(ref.api_version, ref.kind, ref.name, ref.namespace or None):
            gone.append(ref)
    return gone


async def diff_text(kube: KubeClient, *, name: str, namespace: str, path: Path,
                    kustomization_file: Path | None) -> tuple[str, bool]:
    """(report, differences found) for Kustomization ``namespace/name`` against ``path``."""
    ks = await kube.get_or_none(kinds.KUSTOMIZATION.api_version, kinds.KUSTOMIZATION.kind,
                                name, namespace) or {}
    if kustomization_file is not None:
        file_ks = rendering.load_kustomization_file(kustomization_file, name=name,
                                                    namespace=namespace)
        ks = {**file_ks, "status": ks.get("status") or {}}
    elif not ks:
        raise errors.NotFoundError(f"Kustomization {namespace}/{name} not found", status=404)
    built = await rendering.render_local(ks, path, kube=kube)
    out: list[str] = []
    found = False
    for obj in built:
        action, live, dry = await _dry_run(kube, obj)
        if action == "unchanged":
            continue
        found = True
        out.append(f"► {ObjectRef.from_object(obj).subject} {action}")
        if live is not None and dry is not None:
            out.append("\n" + render_changes(live, dry, secret=obj.get("kind") == "Secret"))
    for ref in await _stale(kube, ks, built):
        found = True
        out.append(f"► {ref.subject} deleted")
    return ("\n".join(out) + "\n" if out else ""), found


def diff_kustomization(name: build.Name, path: build.PathOpt,
                       kustomization_file: build.KsFile = None) -> None:
    """Show what applying a local directory would change; exit 1 when it would (alias: ks)."""
    try:
        text, found = session.run(lambda kube, opts: diff_text(
            kube, name=name, namespace=opts.namespace, path=path,
            kustomization_file=kustomization_file))
    except DiffError:
        raise
    except errors.GitOpsError as exc:
        raise DiffError(str(exc), hint=exc.hint) from exc
    typer.echo(text, nl=False)
    if found:
        raise typer.Exit(1)


diff_app.command("kustomization")(diff_kustomization)
diff_app.command("ks", hidden=True)(diff_kustomization)

