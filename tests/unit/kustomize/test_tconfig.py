"""tconfig: the builtin field-spec table and kustomize's merge rules."""

from __future__ import annotations

import pytest

from tether import errors
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.tconfig import TransformerConfig, default_config, merge_fs, parse_config


def test_default_table_is_complete() -> None:
    config = default_config()
    assert FieldSpec(path="metadata/name") in config.name_prefix
    assert any(
        s.kind == "Deployment" and s.path == "spec/selector/matchLabels"
        for s in config.common_labels
    )
    assert {n.gvk.kind for n in config.name_reference} >= {"ConfigMap", "Secret", "Service"}
    assert config.var_reference and config.images and config.replicas


def test_kind_specific_spec_shadows_a_kindless_one_when_merged_into_empty() -> None:
    specs = (FieldSpec(path="metadata/name"), FieldSpec(kind="Foo", path="metadata/name"))
    once = merge_fs((), specs)
    assert [s.kind for s in merge_fs((), once)] == ["Foo"]


def test_conflicting_create_flags() -> None:
    with pytest.raises(errors.BuildError, match="conflicting"):
        merge_fs((FieldSpec(path="a", create=True),), (FieldSpec(path="a", create=False),))


def test_parse_config_is_strict() -> None:
    with pytest.raises(errors.BuildError, match="unknown field"):
        parse_config({"namPrefix": []}, source="c.yaml")
    config = parse_config(
        {"nameReference": [{"kind": "Secret", "fieldSpecs": [{"path": "spec/s", "kind": "X"}]}]},
        source="c.yaml",
    )
    merged = default_config().merge(config)
    secret = next(n for n in merged.name_reference if n.gvk.kind == "Secret" and not n.gvk.version)
    assert FieldSpec(kind="X", path="spec/s") in secret.referrers


def test_merging_an_empty_config_is_free() -> None:
    config = default_config()
    assert config.merge(TransformerConfig()) is config
    assert config.merge(config) is config
