"""The compiled OpenAPI table strategic merge relies on."""

from __future__ import annotations

from tether.kustomize.smp.schema import (
    Schema,
    compile_definitions,
    is_associative,
    merge_keys_of,
    strategy_of,
)


def _field_path(schema: Schema, where: str) -> dict[str, object]:
    """``"apps/v1 Deployment spec template ..."``: a type, then field names (``[]`` = items)."""
    api_version, kind, *path = where.split()
    node = schema.for_type(api_version, kind)
    for step in path:
        assert node is not None
        node = schema.elements(node) if step == "[]" else schema.field(node, step)
    assert node is not None
    return node


def test_builtin_knows_the_pod_template_merge_keys() -> None:
    schema = Schema.builtin()
    containers = _field_path(schema, "apps/v1 Deployment spec template spec containers")
    assert strategy_of(containers) == "merge"
    assert merge_keys_of(containers) == ["name"]
    ports = _field_path(schema, "apps/v1 Deployment spec template spec containers [] ports")
    assert merge_keys_of(ports) == ["containerPort", "protocol"]
    svc_ports = _field_path(schema, "v1 Service spec ports")
    assert merge_keys_of(svc_ports) == ["port", "protocol"]
    mounts = _field_path(schema, "v1 Pod spec containers [] volumeMounts")
    assert merge_keys_of(mounts) == ["mountPath"]
    finalizers = _field_path(schema, "v1 ConfigMap metadata finalizers")
    assert is_associative(finalizers)
    assert merge_keys_of(finalizers) == []


def test_replace_lists_and_map_values() -> None:
    schema = Schema.builtin()
    tolerations = _field_path(schema, "v1 Pod spec tolerations")
    assert not is_associative(tolerations)
    label = _field_path(schema, "v1 Pod metadata labels anything")
    assert label == {}


def test_unknown_kinds_have_no_schema() -> None:
    assert Schema.builtin().for_type("example.com/v1", "Widget") is None
    assert Schema.builtin().for_type("v1", "Deployment") is None


def test_kustomization_types_are_included() -> None:
    assert Schema.builtin().for_type("kustomize.config.k8s.io/v1beta1", "Kustomization") is not None


def test_compile_follows_kyaml_rules() -> None:
    layer = compile_definitions(
        {
            "a": {
                "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "A"}],
                "properties": {
                    "ref": {"$ref": "#/definitions/b", "x-kubernetes-patch-strategy": "merge"},
                    "list": {
                        "type": "array",
                        "items": {"$ref": "#/definitions/b"},
                        "x-kubernetes-patch-strategy": "merge",
                        "x-kubernetes-patch-merge-key": "id",
                        "x-kubernetes-list-map-keys": ["id", "zone"],
                    },
                    "keyonly": {"type": "array", "x-kubernetes-patch-merge-key": "id"},
                },
            },
            "b": {"properties": {"id": {"type": "string"}}},
        }
    )
    assert layer.gvk == {"v1|A": "a"}
    props = layer.definitions["a"]["p"]
    assert props["ref"] == "b"  # siblings of $ref are dropped, as kyaml resolves
    assert props["list"] == {"i": "b", "s": "merge", "k": ["id", "zone"]}
    assert props["keyonly"] == {}  # a merge key without a strategy means nothing


def test_custom_document_scopes() -> None:
    from tether.kustomize.smp import load_schema, namespace_scopes

    gvk = {"group": "example.com", "version": "v1", "kind": "Widget"}
    cluster = {"group": "example.com", "version": "v1", "kind": "Gadget"}
    document = {
        "definitions": {},
        "paths": {
            "/apis/example.com/v1/widgets": {"get": {"x-kubernetes-group-version-kind": gvk}},
            "/apis/example.com/v1/namespaces/{namespace}/widgets": {
                "get": {"x-kubernetes-group-version-kind": gvk}
            },
            "/apis/example.com/v1/gadgets": {"get": {"x-kubernetes-group-version-kind": cluster}},
        },
    }
    scopes = namespace_scopes(load_schema(document, source="schema.json"))
    assert scopes == {("example.com/v1", "Widget"): True, ("example.com/v1", "Gadget"): False}
    assert Schema.builtin().namespace_scopes == {}
