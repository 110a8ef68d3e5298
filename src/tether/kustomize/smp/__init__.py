"""Strategic merge patch, as kustomize v5.8.1 applies it (kyaml ``merge2``, not apimachinery).

Job: merge one patch document into one resource, with merge keys and strategies taken from
the OpenAPI schema kustomize uses, so that ``patches``/``patchesStrategicMerge`` render
byte-identically to kustomize.

Interface (everything works on plain JSON-like values as ``tether.kustomize.yamlio`` loads
them)::

    merge(base: dict, patch: dict, *, api_version: str | None = None,
          kind: str | None = None, schema: Schema | None = None) -> dict | None

* ``base`` is merged **in place** and returned (pass a copy you own: no copy is made, for
  speed); ``patch`` is never mutated, so one patch can serve many targets.
* Returns ``None`` when the patch deletes the object (``$patch: delete`` at the top). A
  top-level ``$patch: replace`` leaves the resource unchanged, as in kustomize (whose
  ``ApplyFilter`` keeps its own node when the merge returns the patch's).
* The root schema comes from ``api_version``/``kind`` (the target's, as kustomize sets the
  patch's GVK to the target's); without them, or when that type is unknown, it comes from
  the ``apiVersion``/``kind`` of ``base`` then ``patch``, as in kyaml. Nested maps that carry
  their own ``apiVersion``/``kind`` and get no schema from their parent use their own type's.
* Name, kind and namespace restoration after the merge (``allowNameChange`` /
  ``allowKindChange``) is the caller's job, as in kustomize's ``Resource.ApplySmPatch``.
* Raises :class:`SmpError` (a ``tether.errors.BuildError``) for unknown ``$patch`` values
  and for a patch whose node kind (map/list/scalar) differs from the resource's.

Schemas (:class:`Schema`):

* ``Schema.builtin()`` - the default: Kubernetes v1.21.2 + Kustomization types, from the
  generated table ``k8s_v1_21_2.json`` (``scripts/gen_smp_schema.py``).
* ``Schema.custom(document)`` - for a build whose top kustomization has
  ``openapi: {path: file}``: kustomize then uses *only* that file's definitions (plus the
  Kustomization types); built-in Kubernetes types lose their merge keys.
  ``openapi: {version: v1.21.2}`` is the builtin; other versions are errors in kustomize.
* ``schema.extended(document)`` - builtin (or any schema) plus extra definitions on top.
* Only ``openapi`` changes merge keys: ``configurations`` and ``crds`` feed fieldSpecs
  (name references, labels...) in kustomize, never the strategic-merge schema.
* ``load_schema(document, source=...)`` is ``Schema.custom``; ``namespace_scopes(schema)``
  gives ``(apiVersion, kind) -> namespaced`` from the document's ``paths`` (a GET path with
  ``namespaces/{namespace}`` makes a type namespaced), for the namespace transformer.

Behaviour worth knowing (all checked against the kustomize binary):

* Types without a schema (every custom resource, unless ``openapi`` supplies one) do not
  merge lists: the patch list replaces the resource list. Maps still merge recursively.
* Merged lists put patch elements first, in patch order, then the remaining resource
  elements; a matched element keeps the patch's position. In lists with several keys
  (container ``ports``: ``containerPort``+``protocol``) matched elements are instead
  re-appended in resource order after the patch-only ones.
* Directives: ``$patch: delete|replace|merge`` on maps, list elements and lists (as a lone
  ``- $patch: replace`` element); ``null`` removes a field. ``$setElementOrder/...``,
  ``$retainKeys`` and ``$deleteFromPrimitiveList/...`` are *not* directives in kyaml: they
  are merged into the output as ordinary fields, so we do the same.
* A resource field written as ``null`` that the patch does not touch stays ``null``.
* A scalar replacing a string keeps the string's YAML *style* in kyaml, so a number patched
  over a quoted string becomes a string (``a: '2'`` patched with ``a: 3`` gives ``"3"``).
* Known divergences, both because our loader keeps values but not YAML styles: kyaml drops
  an *empty* ``field:`` that the patch does not touch but keeps ``field: null`` (both are
  ``None`` here, both kept); and the style rule above is applied only when the old string
  could not have been written plain (``'2'``, ``'true'``, ``'yes'``, multi-line...), so
  ``a: 'x'`` patched with ``a: 3`` gives ``3`` here and ``"3"`` in kustomize.
* kyaml also reads per-field schemas from ``# {"$openapi": ...}`` line comments (setters);
  comments do not survive our loader, so such comments have no effect here.
* An element lacking its merge key in the resource list makes kyaml drop the elements
  merged so far, and a Service port patched without ``protocol`` is silently dropped; we
  reproduce both.
"""

from collections.abc import Mapping
from typing import Any

from tether.kustomize.smp.common import SmpError
from tether.kustomize.smp.merge import merge
from tether.kustomize.smp.schema import BUILTIN_VERSION, Schema, compile_document


def load_schema(document: Mapping[str, Any], *, source: str) -> Schema:
    """The schema of a build whose kustomization sets ``openapi: {path: ...}``."""
    return Schema.custom(document, source=source)


def namespace_scopes(schema: Schema) -> dict[tuple[str, str], bool]:
    """``(apiVersion, kind) -> namespaced`` from a custom schema's ``paths`` (kyaml rules)."""
    return schema.namespace_scopes


__all__ = [
    "BUILTIN_VERSION",
    "Schema",
    "SmpError",
    "compile_document",
    "load_schema",
    "merge",
    "namespace_scopes",
]
