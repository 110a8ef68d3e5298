"""Install Tether's CRDs (generated from the models) into a cluster and wait until served.

Design: ``tether install`` and the tests share this one function; it server-side applies
``crd.manifest(spec)`` for each kind, waits for the ``Established`` condition, and drops the
client's discovery cache for the group so the new kind is usable immediately.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from tether import errors
from tether.api import crd, source
from tether.cluster import client

__all__ = ["ALL", "FIELD_MANAGER", "install"]

FIELD_MANAGER = "tether-controller"
ALL: tuple[crd.CRDSpec, ...] = (source.CRD,)
"""The CRDs this package defines (other kinds add their own spec when installing)."""


async def install(
    kube: client.KubeClient, specs: Sequence[crd.CRDSpec] = ALL, *, timeout: float = 60.0
) -> None:
    """Apply the CRDs of ``specs`` and wait until each is Established; ClusterError if not."""
    for spec in specs:
        await kube.apply(crd.manifest(spec), field_manager=FIELD_MANAGER)
    deadline = time.monotonic() + timeout
    for spec in specs:
        while True:
            obj = await kube.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", spec.name)
            conditions = (obj.get("status") or {}).get("conditions") or []
            if any(c.get("type") == "Established" and c.get("status") == "True"
                   for c in conditions):
                break
            if time.monotonic() > deadline:
                raise errors.ClusterError(f"CRD {spec.name} was not established in {timeout:g}s")
            await asyncio.sleep(0.2)
        kube.forget(spec.api_version)
