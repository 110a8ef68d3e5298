"""``tether tree kustomization NAME [--compact] [-o json|yaml]``: what a Kustomization applied.

Design: the tree is read from ``status.inventory`` only (Flux's id format, parsed by
:class:`tether.cluster.inventory.Inventory`), so it shows what the controller *recorded*,
not a guess from labels; a child Kustomization in the inventory is expanded from its own
inventory, with a visited set so a cycle prints once instead of recursing forever. Building
(:func:`build`) and rendering (:func:`render_ascii`, :func:`to_data`) are separate so the
shape is unit-tested on literal trees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tether import errors
from tether.cli import kinds, options, output, session
from tether.cli.main import app
from tether.cluster.changeset import ObjectRef
from tether.cluster.inventory import Inventory

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient

__all__ = ["Node", "build", "render_ascii", "to_data"]

tree_app = typer.Typer(help="Print the resources reconciled by Flux objects.",
                       no_args_is_help=True)
app.add_typer(tree_app, name="tree")

_TOOLKIT = ("toolkit.fluxcd.io",)


@dataclass
class Node:
    """One object and what it manages."""

    ref: ObjectRef
    children: list[Node] = field(default_factory=list)


def _is_kustomization(ref: ObjectRef) -> bool:
    return ref.kind == kinds.KUSTOMIZATION.kind and ref.group == kinds.KUSTOMIZATION.group


def _is_toolkit(ref: ObjectRef) -> bool:
    return ref.group.endswith(_TOOLKIT)


async def _expand(kube: KubeClient, node: Node, *, compact: bool,
                  seen: set[tuple[str, str, str, str]]) -> None:
    ks = await kube.get_or_none(kinds.KUSTOMIZATION.api_version, kinds.KUSTOMIZATION.kind,
                                node.ref.name, node.ref.namespace)
    if ks is None:
        return
    for ref in Inventory.from_status((ks.get("status") or {}).get("inventory")).refs:
        if compact and not _is_toolkit(ref):
            continue
        child = Node(ref)
        node.children.append(child)
        if _is_kustomization(ref) and ref.key not in seen:
            seen.add(ref.key)
            await _expand(kube, child, compact=compact, seen=seen)


async def build(kube: KubeClient, *, name: str, namespace: str, compact: bool = False) -> Node:
    """The tree under Kustomization ``namespace/name`` (NotFoundError if it does not exist)."""
    await kube.get(kinds.KUSTOMIZATION.api_version, kinds.KUSTOMIZATION.kind, name, namespace)
    root = Node(ObjectRef(group=kinds.KUSTOMIZATION.group, kind=kinds.KUSTOMIZATION.kind,
                          namespace=namespace, name=name, version="v1"))
    await _expand(kube, root, compact=compact, seen={root.ref.key})
    return root


def render_ascii(root: Node) -> str:
    """Flux's tree: the root subject, then ``├── ``/``└── `` branches, ``│   `` indents."""
    lines = [root.ref.subject]

    def walk(node: Node, prefix: str) -> None:
        for i, child in enumerate(node.children):
            last = i == len(node.children) - 1
            lines.append(f"{prefix}{'└── ' if last else '├── '}{child.ref.subject}")
            walk(child, prefix + ("    " if last else "│   "))

    walk(root, "")
    return "\n".join(lines) + "\n"


def to_data(node: Node) -> dict[str, Any]:
    """The tree as data for ``-o json|yaml`` (Flux's ObjMetadata field names)."""
    data: dict[str, Any] = {"resource": {
        "Namespace": node.ref.namespace, "Name": node.ref.name,
        "GroupKind": {"Group": node.ref.group, "Kind": node.ref.kind}}}
    if node.children:
        data["resources"] = [to_data(c) for c in node.children]
    return data


def _tree(name: str, compact: bool, fmt: str) -> None:
    if fmt not in ("", "json", "yaml"):
        raise errors.ConfigError(f"unknown output format {fmt!r}", hint="use json or yaml")

    async def body(kube: KubeClient, opts: options.GlobalOptions) -> Node:
        return await build(kube, name=name, namespace=opts.namespace, compact=compact)

    root = session.run(body)
    if fmt == "json":
        typer.echo(json.dumps(to_data(root), indent=2))
    elif fmt == "yaml":
        typer.echo(output.dump_yaml(to_data(root)), nl=False)
    else:
        typer.echo(render_ascii(root), nl=False)


def tree_kustomization(
    name: Annotated[str, typer.Argument(help="The Kustomization name.")],
    compact: Annotated[bool, typer.Option(
        "--compact", help="Only Flux objects (Kustomizations, sources).")] = False,
    fmt: Annotated[str, typer.Option("--output", "-o", help="json|yaml (default: tree).")]
    = "",
) -> None:
    """Print the objects a Kustomization applied, nested ones expanded (alias: ks)."""
    _tree(name, compact, fmt)


tree_app.command("kustomization")(tree_kustomization)
tree_app.command("ks", hidden=True)(tree_kustomization)
