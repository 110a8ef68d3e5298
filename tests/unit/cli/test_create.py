"""``create … --export`` objects: exactly Flux's YAML for the same flags."""

from __future__ import annotations

import pytest

from tether import errors
from tether.cli import create, output


def test_git_repository_export_matches_flux() -> None:
    obj = create.git_repository("podinfo", namespace="flux-system",
                                url="https://github.com/stefanprodan/podinfo",
                                ref={"branch": "master"})
    assert output.dump_yaml_docs([obj]) == (
        "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n"
        "  name: podinfo\n  namespace: flux-system\nspec:\n  interval: 1m0s\n  ref:\n"
        "    branch: master\n  url: https://github.com/stefanprodan/podinfo\n"
    )


def test_ref_precedence_and_secret() -> None:
    obj = create.git_repository("x", namespace="ns", url="ssh://git@h/r.git",
                                ref={"branch": "main", "tag": "v1", "semver": ">=1"},
                                secret_ref="creds", interval="5m")
    assert obj["spec"] == {"interval": "5m0s", "url": "ssh://git@h/r.git",
                           "ref": {"semver": ">=1"}, "secretRef": {"name": "creds"}}
    pinned = create.git_repository("x", namespace="ns", url="https://h/r",
                                   ref={"branch": "main", "commit": "abc"})
    assert pinned["spec"]["ref"] == {"commit": "abc", "branch": "main"}


@pytest.mark.parametrize(("url", "ref", "message"), [
    ("git@github.com:x/y", {"branch": "main"}, "scheme '' not supported"),
    ("https://h/r", {}, "a Git ref is required"),
    ("", {"branch": "main"}, "url is required"),
])
def test_git_repository_flag_errors(url: str, ref: dict[str, str], message: str) -> None:
    with pytest.raises(errors.ConfigError, match=message):
        create.git_repository("x", namespace="ns", url=url, ref=ref)


def test_kustomization_export_matches_flux() -> None:
    # fluxcd/flux2 cmd/flux/testdata/create_kustomization (without decryption)
    obj = create.kustomization("mysql", namespace="flux-system", source="apps", path="./apps")
    assert output.dump_yaml_docs([obj]) == (
        "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n"
        "  name: mysql\n  namespace: flux-system\nspec:\n  interval: 1m0s\n  path: ./apps\n"
        "  prune: false\n  sourceRef:\n    kind: GitRepository\n    name: apps\n"
    )


def test_kustomization_options() -> None:
    obj = create.kustomization("x", namespace="flux-system", source="GitRepository/a.other",
                               path="deploy", prune=True, wait=True, interval="10m",
                               depends_on=["infra", "team/db"], target_namespace="apps",
                               labels=["tier=web"])
    assert obj["metadata"]["labels"] == {"tier": "web"}
    assert obj["spec"] == {
        "interval": "10m0s", "path": "./deploy", "prune": True, "wait": True,
        "sourceRef": {"kind": "GitRepository", "name": "a", "namespace": "other"},
        "dependsOn": [{"name": "infra"}, {"name": "db", "namespace": "team"}],
        "targetNamespace": "apps",
    }


@pytest.mark.parametrize(("source", "path"), [
    ("Kustomization/x", "./"), ("", "./"), ("apps", "../up"), ("apps", "/abs"),
])
def test_kustomization_flag_errors(source: str, path: str) -> None:
    with pytest.raises(errors.ConfigError):
        create.kustomization("x", namespace="ns", source=source, path=path)


def test_bad_interval_is_a_config_error() -> None:
    with pytest.raises(errors.ConfigError, match="--interval"):
        create.kustomization("x", namespace="ns", source="a", interval="soon")


def test_ref_name_ignore_paths_and_submodules() -> None:
    obj = create.git_repository("x", namespace="ns", url="https://h/r",
                                ref={"branch": "main", "name": "refs/pull/1/head"},
                                ignore_paths=["/*", "!/deploy"], recurse_submodules=True)
    assert obj["spec"]["ref"] == {"name": "refs/pull/1/head"}
    assert obj["spec"]["ignore"] == "/*\n!/deploy"
    assert obj["spec"]["recurseSubmodules"] is True
    assert "ignore: |-\n    /*\n    !/deploy\n" in output.dump_yaml_docs([obj])


def test_basic_auth_secret() -> None:
    repo = create.git_repository("fleet", namespace="ns", url="https://h/r",
                                 ref={"branch": "main"})
    assert create.basic_auth_secret(repo, username="", password="") is None
    secret = create.basic_auth_secret(repo, username="git", password="tok")
    assert secret is not None
    assert secret["metadata"] == {"name": "fleet", "namespace": "ns"}
    assert secret["stringData"] == {"username": "git", "password": "tok"}
    ssh = create.git_repository("fleet", namespace="ns", url="ssh://git@h/r",
                                ref={"branch": "main"})
    with pytest.raises(errors.ConfigError, match="SSH keys"):
        create.basic_auth_secret(ssh, username="git", password="tok")
