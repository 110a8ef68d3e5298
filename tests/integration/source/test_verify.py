"""spec.verify: PGP and SSH commit signatures, signed tags; unverifiable revisions refused."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from tests.gitserver import GitHTTPServer, Repo, Signer, gpg_signer, ssh_signer
from tests.integration.source.test_gitrepository import _cond, _gitrepo, _until

from tether.cluster import client
from tether.controller import daemon

pytestmark = pytest.mark.cluster


async def _keys_secret(kube: client.KubeClient, namespace: str, *signers: Signer) -> None:
    data = {s.secret_key: base64.b64encode(s.public).decode() for s in signers}
    await kube.create({"apiVersion": "v1", "kind": "Secret",
                       "metadata": {"name": "keys", "namespace": namespace}, "data": data})


def _verified(obj: dict[str, Any]) -> bool:
    return (_cond(obj, "Ready").get("status") == "True"
            and _cond(obj, "SourceVerified").get("status") == "True")


@pytest.mark.parametrize("kind", ["pgp", "ssh"])
async def test_signed_head_is_verified_and_unsigned_is_refused(
    kube: client.KubeClient, namespace: str, controller: daemon.Daemon, tmp_path: Path,
    kind: str,
) -> None:
    signer = (gpg_signer(tmp_path / "gnupg") if kind == "pgp"
              else ssh_signer(tmp_path / "signing_key"))
    repo = Repo.create(tmp_path / "srv", "app")
    signed = repo.commit({"a": "1"}, message="signed", sign=signer.sign)
    await _keys_secret(kube, namespace, signer)
    with GitHTTPServer(tmp_path / "srv") as server:
        await kube.create(_gitrepo("app", namespace, server.url("app"),
                                   verify={"mode": "HEAD", "secretRef": {"name": "keys"}}))
        obj = await _until(kube, namespace, "app", "verified", _verified)
        message = _cond(obj, "SourceVerified")["message"]
        assert message.startswith(f"verified signature of commit '{signed}' with key '")
        assert obj["status"]["sourceVerificationMode"] == "HEAD"
        art = obj["status"]["artifact"]
        repo.commit({"a": "2"}, message="unsigned")
        obj = await _until(kube, namespace, "app", "unsigned commit refused",
                           lambda o: _cond(o, "SourceVerified").get("status") == "False")
        assert _cond(obj, "Ready")["reason"] == "VerificationError"
        assert obj["status"]["artifact"] == art  # the last verified artifact stays


async def test_untrusted_key_and_signed_tag(
    kube: client.KubeClient, namespace: str, controller: daemon.Daemon, tmp_path: Path,
) -> None:
    trusted = gpg_signer(tmp_path / "trusted", email="trusted@example.com")
    stranger = gpg_signer(tmp_path / "stranger", email="stranger@example.com")
    repo = Repo.create(tmp_path / "srv", "app")
    repo.commit({"a": "1"}, message="by a stranger", sign=stranger.sign)
    commit = repo.tag("v1.0.0", sign=trusted.sign)
    await _keys_secret(kube, namespace, trusted)
    with GitHTTPServer(tmp_path / "srv") as server:
        await kube.create(_gitrepo("head", namespace, server.url("app"),
                                   verify={"secretRef": {"name": "keys"}}))
        obj = await _until(kube, namespace, "head", "stranger's signature refused",
                           lambda o: _cond(o, "SourceVerified").get("status") == "False")
        assert "artifact" not in obj["status"]
        await kube.create(_gitrepo("tag", namespace, server.url("app"), ref={"tag": "v1.0.0"},
                                   verify={"mode": "Tag", "secretRef": {"name": "keys"}}))
        obj = await _until(kube, namespace, "tag", "tag verified", _verified)
        assert _cond(obj, "SourceVerified")["message"].startswith(
            "verified signature of tag 'v1.0.0' with key '")
        assert obj["status"]["artifact"]["revision"] == f"v1.0.0@sha1:{commit}"
