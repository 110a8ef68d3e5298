"""Flux's output shapes on literal objects: tables, truncated hashes, status, export YAML."""

from __future__ import annotations

from typing import Any

import pytest

from tether import errors
from tether.cli import get, kinds, output

SHA = "696f056df216eea4f9401adbee0ff744d4df390f"


def gitrepo(name: str, *, ready: str | None = "True", message: str = "",
            revision: str = "", suspend: bool = False, ns: str = "flux-system") -> dict[str, Any]:
    status: dict[str, Any] = {}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": ready, "reason": "Succeeded",
                                 "message": message}]
    if revision:
        status["artifact"] = {"revision": revision}
    return {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"suspend": suspend} if suspend else {}, "status": status}


def test_table_matches_flux_golden_byte_for_byte() -> None:
    # fluxcd/flux2 cmd/flux/testdata/get/get_status_ready_false.golden
    text = output.table([["gr-failed", "", "False", "False",
                          "failed to checkout and determine revision"]],
                        ["NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"])
    assert text == (
        "NAME     \tREVISION\tSUSPENDED\tREADY\tMESSAGE                                   \n"
        "gr-failed\t        \tFalse    \tFalse\tfailed to checkout and determine revision\t\n"
    )


def test_get_sources_git_shape() -> None:
    objs = [gitrepo(n, revision=f"main@sha1:{SHA}",
                    message=f"stored artifact for revision 'main@sha1:{SHA}'")
            for n in ("podinfo", "podinfo-shard1")]
    text = get.render(kinds.GIT_REPOSITORY, objs, get.GetFlags())
    assert text.splitlines() == [
        "NAME          \tREVISION          \tSUSPENDED\tREADY\tMESSAGE" + " " * 43,
        "podinfo       \tmain@sha1:696f056d\tFalse    \tTrue \t"
        "stored artifact for revision 'main@sha1:696f056d'\t",
        "podinfo-shard1\tmain@sha1:696f056d\tFalse    \tTrue \t"
        "stored artifact for revision 'main@sha1:696f056d'\t",
    ]


def test_all_namespaces_adds_namespace_column_and_no_header_drops_it() -> None:
    objs = [gitrepo("a", ns="team"), gitrepo("b", ns="apps")]
    flags = get.GetFlags(all_namespaces=True)
    lines = get.render(kinds.GIT_REPOSITORY, get.select(objs, flags), flags).splitlines()
    assert lines[0].split("\t")[0].strip() == "NAMESPACE"
    assert [line.split("\t")[0].strip() for line in lines[1:]] == ["apps", "team"]
    bare = get.render(kinds.GIT_REPOSITORY, objs, get.GetFlags(no_header=True))
    assert not bare.startswith("NAME")


def test_no_ready_condition_is_waiting_to_be_reconciled() -> None:
    row = output.summary_row(kinds.KUSTOMIZATION, gitrepo("x", ready=None),
                             with_namespace=False, with_kind=False)
    assert row == ["x", "", "False", "False", "waiting to be reconciled"]


def test_get_all_prefixes_lowercase_kind_and_suspended_is_title_case() -> None:
    row = output.summary_row(kinds.GIT_REPOSITORY, gitrepo("x", suspend=True),
                             with_namespace=False, with_kind=True)
    assert row[0] == "gitrepository/x"
    assert row[2] == "True"


def test_kustomization_revision_is_last_applied_revision() -> None:
    ks = {"metadata": {"name": "tkfg"}, "spec": {},
          "status": {"lastAppliedRevision": f"6.3.5@sha1:{SHA}",
                     "conditions": [{"type": "Ready", "status": "True",
                                     "message": f"Applied revision: 6.3.5@sha1:{SHA}"}]}}
    row = output.summary_row(kinds.KUSTOMIZATION, ks, with_namespace=False, with_kind=False)
    assert row == ["tkfg", "6.3.5@sha1:696f056d", "False", "True",
                   "Applied revision: 6.3.5@sha1:696f056d"]


@pytest.mark.parametrize(("selector", "names"), [
    ("ready=false", ["bad"]),
    ("READY=True", ["good"]),
    ("stalled=true", []),
])
def test_status_selector(selector: str, names: list[str]) -> None:
    objs = [gitrepo("good"), gitrepo("bad", ready="False"), gitrepo("new", ready=None)]
    chosen = get.select(objs, get.GetFlags(status_selector=selector))
    assert [o["metadata"]["name"] for o in chosen] == names


def test_bad_status_selector_is_a_config_error() -> None:
    with pytest.raises(errors.ConfigError, match="type=status"):
        output.status_matches(gitrepo("x"), "ready")


def test_truncate_hex_keeps_short_runs() -> None:
    assert output.truncate_hex(f"main@sha1:{SHA}") == "main@sha1:696f056d"
    assert output.truncate_hex("sha256:" + "a" * 64) == "sha256:aaaaaaaa"
    assert output.truncate_hex("abc123") == "abc123"


def test_yaml_records_like_flux_get_o_yaml() -> None:
    objs = [gitrepo("podinfo", revision=f"main@sha1:{SHA}", message="Fetched revision: x")]
    text = get.render(kinds.GIT_REPOSITORY, objs, get.GetFlags(output="yaml"))
    assert text == (
        "- Message: 'Fetched revision: x'\n  Name: podinfo\n  Namespace: flux-system\n"
        "  Ready: 'True'\n  Revision: main@sha1:696f056d\n  Suspended: 'False'\n"
    )


def test_export_strips_server_fields_and_status() -> None:
    live = gitrepo("podinfo", revision="x")
    live["metadata"].update(uid="u", resourceVersion="12", generation=3,
                            managedFields=[{}], labels={"a": "b"})
    live["spec"] = {"interval": "1m0s", "url": "https://x", "ref": {"branch": "main"}}
    assert output.dump_yaml_docs([output.clean_for_export(live)]) == (
        "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n"
        "  labels:\n    a: b\n  name: podinfo\n  namespace: flux-system\nspec:\n"
        "  interval: 1m0s\n  ref:\n    branch: main\n  url: https://x\n"
    )


def test_show_source_column_after_name() -> None:
    ks = {"metadata": {"name": "apps", "namespace": "flux-system"},
          "spec": {"sourceRef": {"kind": "GitRepository", "name": "fleet"}}, "status": {}}
    lines = get.render(kinds.KUSTOMIZATION, [ks],
                       get.GetFlags(all_namespaces=True, show_source=True)).splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "SOURCE", "REVISION", "SUSPENDED",
                                "READY", "MESSAGE"]
    assert [c.strip() for c in lines[1].split("\t")[:3]] == [
        "flux-system", "apps", "GitRepository/flux-system/fleet"]
