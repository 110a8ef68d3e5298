"""generators: data sources, options and kustomize's exact name hash."""

from __future__ import annotations

import pytest

from tether import errors
from tether.kustomize import generators
from tether.kustomize.fs import InMemoryFS
from tether.kustomize.loader import Loader


def _args(kind: str = "ConfigMap", **data: object) -> generators.GeneratorArgs:
    return generators.GeneratorArgs.parse(kind, {"name": "gen", **data}, source="t")


def _loader(files: dict[str, str] | None = None) -> Loader:
    return Loader(fs=InMemoryFS({"/k/" + k: v for k, v in (files or {}).items()}), root="/k")


def test_hash_ignores_the_name_and_matches_kustomize() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x"},
        "data": {"a": "hello"},
    }
    assert generators.hash_suffix(obj) == "679gb42g2c"


def test_hash_escapes_html_like_go_json() -> None:
    plain = {"kind": "ConfigMap", "data": {"a": "<b>&c"}}
    assert generators.hash_suffix(plain) != generators.hash_suffix(
        {"kind": "ConfigMap", "data": {"a": "\\u003cb\\u003e\\u0026c"}}
    )


def test_literals_envs_and_files() -> None:
    files = {"app.env": "# c\nA=1\nB\n  C=x=y\n", "f.txt": "body\n"}
    res = generators.generate(
        _args(literals=["L='quoted'"], envs=["app.env"], files=["k=f.txt"]), _loader(files)
    )
    assert res.obj["data"] == {"A": "1", "B": "", "C": "x=y", "L": "quoted", "k": "body\n"}
    assert res.needs_hash and res.behavior == "create"


def test_repeated_key_is_an_error() -> None:
    with pytest.raises(errors.BuildError, match="illegally repeats"):
        generators.generate(_args(literals=["a=1", "a=2"]), _loader())


def test_secret_values_are_base64_and_wrapped() -> None:
    res = generators.generate(_args("Secret", literals=["k=" + "x" * 60]), _loader())
    assert res.obj["type"] == "Opaque"
    lines = res.obj["data"]["k"].splitlines()
    assert [len(line) for line in lines] == [70, 10]


def test_binary_file_goes_to_binary_data() -> None:
    fs = InMemoryFS({"/k/bin": b"\xff\xfe"})
    res = generators.generate(_args(files=["bin"]), Loader(fs=fs, root="/k"))
    assert res.obj["binaryData"] == {"bin": "//4="}


def test_options_merge_local_wins_and_booleans_or() -> None:
    merged = generators.merge_options(
        {"labels": {"a": "local"}}, {"labels": {"a": "global", "b": "g"}, "immutable": True}
    )
    assert merged == {"labels": {"a": "local", "b": "g"}, "immutable": True}


def test_unknown_generator_field_is_an_error() -> None:
    with pytest.raises(errors.BuildError, match="unknown generator field"):
        _args(colour="red")
