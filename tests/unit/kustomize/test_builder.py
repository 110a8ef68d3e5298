"""builder: golden builds whose expected output came from the real kustomize v5.8.1 binary.

Each ``golden/<case>.json`` holds the files of a small tree, the directory to build, the
output order and the exact ``kustomize build`` output (or ``ERROR`` when kustomize fails).
They cover what the shared corpus covers thinly: components, replacements, images, labels,
generators with behaviors, patches with selectors, namespace + RoleBinding subjects, build
metadata, vars, openapi, builtin plugin configs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tether import errors
from tether.kustomize import BuildOptions, InMemoryFS, build, to_yaml
from tether.kustomize.builder import REORDER_LEGACY

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.stem for p in GOLDEN.glob("*.json"))


def _fs(files: dict[str, str]) -> InMemoryFS:
    return InMemoryFS({"/" + path: content for path, content in files.items()})


@pytest.mark.parametrize("name", CASES)
def test_golden(name: str) -> None:
    case = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    root = "/" + case["run_dir"].strip("./")
    options = BuildOptions(reorder=case["reorder"])
    if case["expected"] == "ERROR":
        with pytest.raises(errors.BuildError):
            build(_fs(case["files"]), root, options)
        return
    assert to_yaml(build(_fs(case["files"]), root, options)) == case["expected"]


def test_helm_is_unsupported_not_just_an_error() -> None:
    fs = _fs({"kustomization.yaml": "helmCharts:\n- name: x\n"})
    with pytest.raises(errors.UnsupportedError, match="not supported"):
        build(fs, "/")


def test_exec_plugins_are_unsupported() -> None:
    fs = _fs(
        {
            "kustomization.yaml": "transformers: [t.yaml]\n",
            "t.yaml": "apiVersion: example.com/v1\nkind: MyPlugin\nmetadata: {name: p}\n",
        }
    )
    with pytest.raises(errors.UnsupportedError, match="not supported"):
        build(fs, "/")


def test_errors_are_one_line_and_name_the_file() -> None:
    fs = _fs({"app/kustomization.yaml": "resources: []\nnameprefx: a-\n"})
    with pytest.raises(errors.BuildError) as info:
        build(fs, "/app")
    assert "/app/kustomization.yaml" in info.value.one_line()
    assert "nameprefx" in info.value.one_line()
    assert "\n" not in info.value.one_line()


def test_remote_bases_need_a_fetcher() -> None:
    fs = _fs({"kustomization.yaml": "resources: [https://github.com/org/repo//base?ref=v1]\n"})
    with pytest.raises(errors.BuildError, match="no remote fetcher"):
        build(fs, "/")


def test_sort_options_beat_the_requested_order() -> None:
    files = {
        "kustomization.yaml": "resources: [r.yaml]\nsortOptions: {order: fifo}\n",
        "r.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\n"
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n",
    }
    rm = build(_fs(files), "/", BuildOptions(reorder=REORDER_LEGACY))
    assert [r.kind for r in rm] == ["Service", "Namespace"]
