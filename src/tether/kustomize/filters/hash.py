"""The name-suffix hash: ``name`` becomes ``name-<hash of content>`` for generated objects.

Runs once, at the top level, before name references are fixed, so references to a
generated ConfigMap/Secret follow its hashed name. See ``generators.hash_suffix``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tether.kustomize import generators
from tether.kustomize.resmap import ResMap


@dataclass(frozen=True)
class HashFilter:
    """Append the content hash to the names of objects that asked for it."""

    def __call__(self, rm: ResMap) -> None:
        for res in rm:
            if res.needs_hash:
                suffix = generators.hash_suffix(res.obj)
                res.store_previous_id()
                res.set_name(f"{res.name}-{suffix}")
        rm.invalidate()
