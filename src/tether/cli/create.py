"""``tether create source git NAME …`` and ``create kustomization NAME …`` (``--export``).

Design: flags become an object dict in one pure function per kind
(:func:`git_repository`, :func:`kustomization`) whose output is exactly what
``--export`` prints (Flux's shape: only the fields given, durations in Go form, keys
sorted). Without ``--export`` the same dict is created or its spec/labels updated, and the
command waits for Ready like ``flux create``. Credentials are not generated here: pass an
existing Secret with ``--secret-ref``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlparse

import typer

from tether import errors
from tether.api import meta
from tether.cli import kinds, options, output, session, waiting
from tether.cli.main import app

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient, Obj

__all__ = ["git_repository", "kustomization", "parse_source", "upsert"]

create_app = typer.Typer(help="Create or update sources and resources.", no_args_is_help=True)
create_source = typer.Typer(help="Create or update sources.", no_args_is_help=True)
app.add_typer(create_app, name="create")
create_app.add_typer(create_source, name="source")


def _duration(text: str, flag: str) -> str:
    try:
        return meta.format_duration(meta.parse_duration(text))
    except errors.InvalidSpecError as exc:
        raise errors.ConfigError(f"invalid {flag} {text!r}: {exc}") from exc


def _labels(pairs: list[str]) -> dict[str, str]:
    labels = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise errors.ConfigError(f"invalid label {pair!r}", hint="use --label key=value")
        labels[key] = value
    return labels


def _metadata(name: str, namespace: str, labels: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        out["labels"] = _labels(labels)
    return out


def git_repository(
    name: str,
    *,
    namespace: str,
    url: str,
    ref: dict[str, str],
    interval: str = "1m",
    secret_ref: str = "",
    labels: list[str] | None = None,
) -> Obj:
    """The GitRepository ``flux create source git`` would make; ConfigError on bad flags."""
    scheme = urlparse(url).scheme
    if not url:
        raise errors.ConfigError("url is required")
    if scheme not in ("ssh", "http", "https"):
        raise errors.ConfigError(
            f"git URL scheme '{scheme}' not supported, can be: ssh, http and https")
    chosen = {k: v for k, v in ref.items() if v}
    if not chosen:
        raise errors.ConfigError("a Git ref is required, use one of the following: "
                                 "--branch, --tag, --commit or --tag-semver")
    spec: dict[str, Any] = {"interval": _duration(interval, "--interval"), "url": url}
    if "commit" in chosen:
        spec["ref"] = {k: chosen[k] for k in ("commit", "branch") if k in chosen}
    else:
        top = next(k for k in ("semver", "tag", "branch") if k in chosen)
        spec["ref"] = {top: chosen[top]}
    if secret_ref:
        spec["secretRef"] = {"name": secret_ref}
    return {"apiVersion": kinds.GIT_REPOSITORY.api_version, "kind": "GitRepository",
            "metadata": _metadata(name, namespace, labels or []), "spec": spec}


def parse_source(text: str, *, namespace: str) -> dict[str, str]:
    """``[Kind/]name[.namespace]`` → a sourceRef (kind defaults to GitRepository)."""
    kind_text, sep, rest = text.partition("/")
    if not sep:
        kind_text, rest = "GitRepository", text
    kind = kinds.by_name(kind_text)
    if kind is None or kind is kinds.KUSTOMIZATION or not rest:
        raise errors.ConfigError(f"invalid --source {text!r}",
                                 hint="use GitRepository/name or GitRepository/name.namespace")
    name, dot, ns = rest.partition(".")
    ref = {"kind": kind.kind, "name": name}
    if dot and ns and ns != namespace:
        ref["namespace"] = ns
    return ref


def kustomization(
    name: str,
    *,
    namespace: str,
    source: str,
    path: str = "./",
    prune: bool = False,
    interval: str = "1m",
    wait: bool = False,
    depends_on: list[str] | None = None,
    target_namespace: str = "",
    labels: list[str] | None = None,
) -> Obj:
    """The Kustomization ``flux create kustomization`` would make."""
    if not source:
        raise errors.ConfigError("source is required", hint="--source GitRepository/NAME")
    if path.startswith("/") or ".." in path.split("/"):
        raise errors.ConfigError(f"invalid --path {path!r}: must be relative, without '..'")
    rel = path if path.startswith("./") or path == "." else f"./{path}"
    spec: dict[str, Any] = {
        "interval": _duration(interval, "--interval"),
        "path": rel,
        "prune": prune,
        "sourceRef": parse_source(source, namespace=namespace),
    }
    deps = []
    for dep in depends_on or []:
        dep_ns, sep, dep_name = dep.rpartition("/")
        deps.append({"name": dep_name, **({"namespace": dep_ns} if sep and dep_ns else {})})
    if deps:
        spec["dependsOn"] = deps
    if wait:
        spec["wait"] = True
    if target_namespace:
        spec["targetNamespace"] = target_namespace
    return {"apiVersion": kinds.KUSTOMIZATION.api_version, "kind": "Kustomization",
            "metadata": _metadata(name, namespace, labels or []), "spec": spec}


async def upsert(kube: KubeClient, obj: Obj) -> tuple[Obj, bool]:
    """Create ``obj``, or replace the existing object's spec and labels; (result, created)."""
    meta_ = obj["metadata"]
    existing = await kube.get_or_none(obj["apiVersion"], obj["kind"], meta_["name"],
                                      meta_["namespace"])
    if existing is None:
        return await kube.create(obj), True
    existing["spec"] = obj["spec"]
    if meta_.get("labels"):
        existing["metadata"]["labels"] = meta_["labels"]
    return await kube.replace(existing), False


async def _create_and_wait(kube: KubeClient, opts: options.GlobalOptions, kind: kinds.Kind,
                           obj: Obj) -> None:
    label = f"{kind.kind} source" if kind is kinds.GIT_REPOSITORY else kind.kind
    name = obj["metadata"]["name"]
    output.generate(f"generating {label}")
    output.action(f"applying {label}")
    _, created = await upsert(kube, obj)
    output.success(f"{label} {'created' if created else 'updated'}")
    output.waiting(f"waiting for {label} reconciliation")
    live = await waiting.wait_for(kube, kind, name=name, namespace=opts.namespace,
                                  timeout=opts.timeout,
                                  done=lambda o: waiting.readiness(o) is not None)
    if waiting.readiness(live) != "True":
        raise errors.GitOpsError(f"{kind.kind} reconciliation failed: "
                                 f"{kinds.ready_and_message(live)[1]}")
    if kind is kinds.GIT_REPOSITORY:  # Flux's create source git wording
        output.success(f"{label} reconciliation completed")
        output.success(f"fetched revision: {kind.revision(live)}")
    else:
        output.success(f"{kind.kind} {name} is ready")
        output.success(kind.success_line(live))


def _emit(kind: kinds.Kind, obj: Obj, export: bool) -> None:
    if export:
        typer.echo(output.dump_yaml_docs([obj]), nl=False)
        return
    session.run(lambda kube, opts: _create_and_wait(kube, opts, kind, obj))


Interval = Annotated[str, typer.Option("--interval", help="Reconciliation interval.")]
Export = Annotated[bool, typer.Option("--export", help="Print the YAML instead of applying.")]
Labels = Annotated[list[str] | None, typer.Option("--label", help="key=value (repeatable).")]


@create_source.command("git")
def create_source_git(
    name: Annotated[str, typer.Argument(help="The GitRepository name.")],
    url: Annotated[str, typer.Option("--url", help="http(s):// or ssh:// URL.")] = "",
    branch: Annotated[str, typer.Option("--branch", help="Git branch.")] = "",
    tag: Annotated[str, typer.Option("--tag", help="Git tag.")] = "",
    semver: Annotated[str, typer.Option("--tag-semver", "--semver",
                                        help="Git tag semver range.")] = "",
    commit: Annotated[str, typer.Option("--commit", help="Git commit SHA.")] = "",
    secret_ref: Annotated[str, typer.Option(
        "--secret-ref", help="Existing Secret with the Git credentials.")] = "",
    interval: Interval = "1m",
    export: Export = False,
    label: Labels = None,
) -> None:
    """Create or update a GitRepository source."""
    obj = git_repository(name, namespace=options.current().namespace, url=url,
                         ref={"branch": branch, "tag": tag, "semver": semver, "commit": commit},
                         interval=interval, secret_ref=secret_ref, labels=label)
    _emit(kinds.GIT_REPOSITORY, obj, export)


def create_kustomization(
    name: Annotated[str, typer.Argument(help="The Kustomization name.")],
    source: Annotated[str, typer.Option(
        "--source", help="Source: [GitRepository/]name[.namespace].")] = "",
    path: Annotated[str, typer.Option("--path", help="Path in the source.")] = "./",
    prune: Annotated[bool, typer.Option("--prune", help="Garbage-collect stale objects.")]
    = False,
    wait: Annotated[bool, typer.Option("--wait", help="Health-check all applied objects.")]
    = False,
    depends_on: Annotated[list[str] | None, typer.Option(
        "--depends-on", help="[namespace/]name of a Kustomization (repeatable).")] = None,
    target_namespace: Annotated[str, typer.Option(
        "--target-namespace", help="Namespace for all objects.")] = "",
    interval: Interval = "1m",
    export: Export = False,
    label: Labels = None,
) -> None:
    """Create or update a Kustomization (alias: ks)."""
    obj = kustomization(name, namespace=options.current().namespace, source=source, path=path,
                        prune=prune, interval=interval, wait=wait, depends_on=depends_on,
                        target_namespace=target_namespace, labels=label)
    _emit(kinds.KUSTOMIZATION, obj, export)


create_app.command("kustomization")(create_kustomization)
create_app.command("ks", hidden=True)(create_kustomization)
