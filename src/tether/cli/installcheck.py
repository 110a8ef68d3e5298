"""The full ``tether check`` (without ``--pre``): controllers ready, CRDs present.

Design: the checks collect :class:`Line` values (glyph + text) instead of printing, so the
output is unit-tested on literal Deployments and CRDs and ``check.py`` keeps its ``--pre``
path unchanged. Controllers are the Deployments labelled ``app.kubernetes.io/part-of=flux``
in the namespace (what ``tether install`` creates), judged by the same kstatus rules the
health checks use; CRDs are ours by name, reported with their stored version as Flux does
(``✔ gitrepositories.source.toolkit.fluxcd.io/v1``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from tether.cli import kinds
from tether.cluster import health

if TYPE_CHECKING:
    from tether.cluster.client import KubeClient

__all__ = ["CRD_NAMES", "Line", "controller_lines", "crd_lines", "run"]

PART_OF: Final = "app.kubernetes.io/part-of=flux"
CRD_NAMES: Final = ("gitrepositories.source.toolkit.fluxcd.io",
                    "kustomizations.kustomize.toolkit.fluxcd.io")


@dataclass(frozen=True)
class Line:
    """One output line: ``glyph text``; ``ok`` False marks a failed check."""

    glyph: str
    text: str
    ok: bool = True

    def __str__(self) -> str:
        return f"{self.glyph} {self.text}"


def controller_lines(deployments: Sequence[Mapping[str, Any]], *, namespace: str) -> list[Line]:
    """``✔ name: deployment ready`` + ``► image`` per controller Deployment."""
    if not deployments:
        return [Line("✗", f"no controller Deployments ({PART_OF}) in {namespace} namespace",
                     ok=False)]
    out: list[Line] = []
    for dep in sorted(deployments, key=lambda d: d["metadata"]["name"]):
        name = dep["metadata"]["name"]
        result = health.compute(dep)
        if result.status is health.Status.CURRENT:
            out.append(Line("✔", f"{name}: deployment ready"))
        else:
            detail = f" ({result.message})" if result.message else ""
            out.append(Line("✗", f"{name}: deployment not ready{detail}", ok=False))
        containers = ((dep.get("spec") or {}).get("template") or {}).get("spec") or {}
        out += [Line("►", str(c.get("image", ""))) for c in containers.get("containers") or []]
    return out


def crd_lines(crds: Mapping[str, Mapping[str, Any] | None]) -> list[Line]:
    """``✔ <crd>/<stored version>`` per expected CRD, ``✗ <crd> not found`` if missing."""
    out: list[Line] = []
    for name in CRD_NAMES:
        crd = crds.get(name)
        if crd is None:
            out.append(Line("✗", f"{name} not found", ok=False))
            continue
        stored = (crd.get("status") or {}).get("storedVersions") or []
        version = stored[-1] if stored else next(
            (v.get("name") for v in (crd.get("spec") or {}).get("versions") or []
             if v.get("storage")), "")
        established = kinds.condition(crd, "Established")
        if established is not None and established.get("status") != "True":
            out.append(Line("✗", f"{name}/{version} not established", ok=False))
        else:
            out.append(Line("✔", f"{name}/{version}"))
    return out


async def run(kube: KubeClient, *, namespace: str) -> list[Line]:
    """Every line of the controllers and CRDs sections, headers included."""
    deployments, _ = await kube.list("apps/v1", "Deployment", namespace=namespace,
                                     label_selector=PART_OF)
    crds = {name: await kube.get_or_none("apiextensions.k8s.io/v1",
                                         "CustomResourceDefinition", name)
            for name in CRD_NAMES}
    return [Line("►", "checking controllers"),
            *controller_lines(deployments, namespace=namespace),
            Line("►", "checking crds"), *crd_lines(crds)]
