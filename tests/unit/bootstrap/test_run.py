"""Bootstrap's pure decisions: which objects the direct install applies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tether.bootstrap import components, run, sync


def _write_components(directory: Path) -> list[dict[str, Any]]:
    opts = components.InstallOptions()
    objs = components.generate(opts)
    directory.mkdir(parents=True)
    (directory / sync.COMPONENTS_FILE).write_text(
        components.render(objs, banner=components.header(opts)))
    (directory / sync.SYNC_FILE).write_text(
        sync.render(sync.SyncOptions(url="http://h/r.git"), install=opts))
    return objs


def test_generated_objects_when_there_is_no_kustomization(tmp_path: Path) -> None:
    objs = _write_components(tmp_path / "clusters/dev/flux-system")
    assert run.component_objects(tmp_path, "clusters/dev/flux-system", generated=objs) is objs


def test_user_patches_apply_on_the_direct_install(tmp_path: Path) -> None:
    directory = tmp_path / "clusters/dev/flux-system"
    objs = _write_components(directory)
    (directory / sync.KUSTOMIZATION_FILE).write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources: [gotk-components.yaml, gotk-sync.yaml]\n"
        "patches:\n- target: {kind: Deployment, name: tether-controller}\n"
        "  patch: |\n    - op: replace\n      path: /spec/template/spec/containers/0/image\n"
        "      value: registry.local/tether:dev\n")
    built = run.component_objects(tmp_path, "clusters/dev/flux-system", generated=objs)
    kinds = sorted(str(o["kind"]) for o in built)
    assert kinds == sorted(str(o["kind"]) for o in objs)  # sync objects left out
    (deploy,) = [o for o in built if o["kind"] == "Deployment"]
    assert deploy["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "registry.local/tether:dev")


def test_manifests_dir_is_path_plus_namespace() -> None:
    opts = run.BootstrapOptions(repo_url="u", sync_url="u", branch="main", path="./clusters/x/",
                                install=components.InstallOptions(namespace="ops"))
    assert opts.manifests_dir == "clusters/x/ops"
    root = run.BootstrapOptions(repo_url="u", sync_url="u", branch="main", path="",
                                install=components.InstallOptions())
    assert root.manifests_dir == "flux-system"
