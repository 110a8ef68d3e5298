"""Post-build substitution: bash forms, escaping, strict mode, opt-out, value precedence."""

from __future__ import annotations

from typing import Any

import pytest

from tether import errors
from tether.controller import postbuild
from tether.controller.postbuild import substitute_text

ENV = {"APP": "podinfo", "EMPTY": "", "REPLICAS": "3", "REGION": "eu-west-1"}


@pytest.mark.parametrize(("text", "expected"), [
    ("name: ${APP}", "name: podinfo"),
    ("${APP}-${REGION}", "podinfo-eu-west-1"),
    ("${MISSING:=fallback}", "fallback"),
    ("${MISSING:-fallback}", "fallback"),
    ("${EMPTY:-fallback}", "fallback"),
    ("${EMPTY-fallback}", ""),
    ("${MISSING-fallback}", "fallback"),
    ("${APP:=fallback}", "podinfo"),
    ("${MISSING:-${APP}}", "podinfo"),
    ("$${APP}", "${APP}"),
    ("echo $APP $$ $", "echo $APP $$ $"),
    ("${#APP}", "7"),
    ("${APP:0:3}", "pod"),
    ("${APP:3}", "info"),
    ("${REGION/-/_}", "eu_west-1"),
    ("${REGION//-/_}", "eu_west_1"),
    ("${REGION#eu-}", "west-1"),
    ("${REGION%-1}", "eu-west"),
    ("${APP^}", "Podinfo"),
    ("${APP^^}", "PODINFO"),
    ("no vars here", "no vars here"),
])
def test_forms(text: str, expected: str) -> None:
    assert substitute_text(text, ENV, strict=True) == expected


def test_strict_mode_fails_on_undefined_and_lax_mode_empties() -> None:
    with pytest.raises(errors.BuildError, match='variable not set \\(strict mode\\): "NOPE"'):
        substitute_text("x: ${NOPE}", ENV, strict=True)
    assert substitute_text("x: '${NOPE}'", ENV, strict=False) == "x: ''"


def test_malformed_expressions_are_build_errors() -> None:
    for bad in ("${APP", "${1abc}", "${}"):
        with pytest.raises(errors.BuildError):
            substitute_text(bad, ENV, strict=True)


def _deploy(**meta: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "${APP}", "namespace": "apps", **meta},
            "spec": {"replicas": "${REPLICAS}"}}


def test_object_substitution_reparses_yaml_types() -> None:
    out = postbuild.substitute_all([_deploy()], ENV)
    assert out[0]["metadata"]["name"] == "podinfo"
    assert out[0]["spec"]["replicas"] == 3


def test_disabled_mark_leaves_object_alone() -> None:
    marked = _deploy(annotations={"kustomize.toolkit.fluxcd.io/substitute": "disabled"})
    assert postbuild.substitute_all([marked], ENV)[0] == marked


def test_no_vars_skips_unless_always() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n"},
           "data": {"script": "${HOME}"}}
    assert postbuild.substitute_all([obj], {}) == [obj]
    with pytest.raises(errors.BuildError, match="ConfigMap/n/c"):
        postbuild.substitute_all([obj], {}, always=True)
    defaulted = {**obj, "data": {"v": "${X:=1}"}}
    assert postbuild.substitute_all([defaulted], {}, always=True)[0]["data"] == {"v": 1}


def test_collect_vars_precedence_and_validation() -> None:
    merged = postbuild.collect_vars(
        sources=[{"A": "cm", "B": "cm"}, {"B": "secret\n"}], inline={"A": "inline"})
    assert merged == {"A": "inline", "B": "secret"}
    with pytest.raises(errors.BuildError, match="'bad-name' var name is invalid"):
        postbuild.collect_vars(sources=[], inline={"bad-name": "x"})
