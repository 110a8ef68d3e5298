"""The docstring examples of the engine's modules run as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "tether.kustomize.fs",
    "tether.kustomize.fieldspec",
    "tether.kustomize.selector",
    "tether.kustomize.filters.namespace",
    "tether.kustomize.filters.affix",
    "tether.kustomize.filters.labels",
    "tether.kustomize.filters.replicas",
    "tether.kustomize.filters.images",
    "tether.kustomize.filters.sort_order",
    "tether.kustomize.filters.vars",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
