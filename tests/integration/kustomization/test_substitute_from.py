"""substituteFrom on the real dev cluster: ConfigMap then Secret, optional refs, missing refs."""

from __future__ import annotations

import base64

import pytest

from tether import errors
from tether.cluster.client import KubeClient
from tether.controller import postbuild
from tether.controller.postbuild import SubstituteRef

pytestmark = pytest.mark.cluster


async def test_sources_in_order_with_optional(kube: KubeClient, namespace: str) -> None:
    await kube.create({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "vars", "namespace": namespace},
                       "data": {"ENV": "dev", "REGION": "eu"}})
    await kube.create({"apiVersion": "v1", "kind": "Secret",
                       "metadata": {"name": "secret-vars", "namespace": namespace},
                       "data": {"ENV": base64.b64encode(b"prod").decode()}})
    refs = [SubstituteRef("ConfigMap", "vars"), SubstituteRef("Secret", "secret-vars"),
            SubstituteRef("ConfigMap", "absent", optional=True)]
    sources = await postbuild.load_sources(kube, namespace=namespace, refs=refs)
    env = postbuild.collect_vars(sources=sources, inline={"REGION": "us"})
    assert env == {"ENV": "prod", "REGION": "us"}


async def test_missing_required_source_is_a_build_error(kube: KubeClient, namespace: str) -> None:
    with pytest.raises(errors.BuildError, match="substitute from 'Secret/nope'"):
        await postbuild.load_sources(kube, namespace=namespace,
                                     refs=[SubstituteRef("Secret", "nope")])
