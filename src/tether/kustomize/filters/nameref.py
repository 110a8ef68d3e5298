"""Name-reference fix-up: after renames, point every reference at the new name.

For each referral kind (ConfigMap, Secret, Service, ServiceAccount, Role...) the config lists
the referrer fields holding its name (``spec/volumes/configMap/name``, ``roleRef/name``...).
A field whose value equals a *previous* name of a candidate gets the candidate's current
name (and, for ``{name, namespace}`` maps such as RoleBinding subjects, its namespace).

Choosing the candidate follows kustomize: previous name and gvk must match; for
``roleRef`` the role kind must match; the candidate must be in the referrer's namespace
unless either is cluster-scoped or the candidate is a ServiceAccount; then ties are broken
by equal name prefixes/suffixes; several identical results are fine, different ones are an
error.

Design: kustomize scans every resource for every field (O(n²)); we index candidates by
previous name once, so each field costs O(candidates with that name).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tether import errors
from tether.kustomize import fieldspec
from tether.kustomize.fieldspec import FieldSpec
from tether.kustomize.resmap import ResMap
from tether.kustomize.resource import TOTALLY_NOT_A_NAMESPACE, Gvk, Resource
from tether.kustomize.tconfig import NameBackRef

Sieve = Callable[[Resource], bool]


class _Ids:
    """A resource's ids, computed once per fix-up pass (names do not change during it)."""

    __slots__ = ("cluster", "cur", "eff", "org_eff", "prev")

    def __init__(self, res: Resource) -> None:
        self.cur = res.cur_id
        self.prev = res.prev_ids()
        self.cluster = self.cur.gvk.cluster_scoped
        self.eff = self.cur.effective_namespace
        self.org_eff = (self.prev[0] if self.prev else self.cur).effective_namespace


class _IdCache(dict[int, _Ids]):
    def of(self, res: Resource) -> _Ids:
        found = self.get(id(res))
        if found is None:
            found = self[id(res)] = _Ids(res)
        return found


@dataclass(frozen=True)
class NameRefFilter:
    """Rewrite name references according to ``backrefs``."""

    backrefs: tuple[NameBackRef, ...]

    def __call__(self, rm: ResMap) -> None:
        resources = rm.resources
        by_prev_name: dict[str, list[Resource]] = {}
        for res in resources:
            for name in dict.fromkeys(p[1] for p in res.prev):
                by_prev_name.setdefault(name, []).append(res)
        if not by_prev_name:
            return
        cache = _IdCache()
        # Group referrer specs by kind once, keeping kustomize's (backref, spec) order.
        by_kind: dict[str, list[tuple[int, NameBackRef, FieldSpec]]] = {}
        order = 0
        for backref in self.backrefs:
            for spec in backref.referrers:
                by_kind.setdefault(spec.kind, []).append((order, backref, spec))
                order += 1
        for res in resources:
            org = res.org_id()
            entries = (
                sorted(by_kind.get(org.gvk.kind, []) + by_kind.get("", []), key=lambda e: e[0])
                if "" in by_kind
                else by_kind.get(org.gvk.kind, [])
            )
            for _, backref, spec in entries:
                if org.gvk.is_selected(Gvk(spec.group, spec.version, spec.kind)):
                    _Fixer(
                        referrer=res,
                        spec=spec,
                        target=backref.gvk,
                        by_prev_name=by_prev_name,
                        everything=resources,
                        cache=cache,
                    ).run()


class _Fixer:
    """Fixes one referrer field (one spec) of one referrer."""

    def __init__(
        self,
        *,
        referrer: Resource,
        spec: FieldSpec,
        target: Gvk,
        by_prev_name: dict[str, list[Resource]],
        everything: list[Resource],
        cache: _IdCache,
    ) -> None:
        self.ids = cache
        self.all = everything
        self.org_namespaces: set[str] | None = None
        self.referrer = referrer
        self.cur = referrer.cur_id
        self.cur_eff = self.cur.effective_namespace
        self.cur_cluster = self.cur.gvk.cluster_scoped
        self.spec = spec
        self.target = target
        self.by_prev_name = by_prev_name
        self.rb_namespaces = _role_binding_namespaces(referrer)

    def run(self) -> None:
        # The field spec's gvk is replaced by the referrer's own, as kustomize does.
        spec = FieldSpec(path=self.spec.path)
        fieldspec.walk(self.referrer.obj, spec, self._set, create=None)

    # -- candidates ---------------------------------------------------------------------
    def _in_subset(self, cand: Resource) -> bool:
        """kustomize's SubsetThatCouldBeReferencedByResource."""
        if self.cur_cluster:
            return True
        ids = self.ids.of(cand)
        if ids.cluster or ids.eff == self.cur_eff:
            return True
        return cand.namespace in self.rb_namespaces

    def _candidates(self, name: str) -> list[Resource]:
        return [c for c in self.by_prev_name.get(name, ()) if self._in_subset(c)]

    def _select(self, name: str, candidates: list[Resource], *, with_ns: bool) -> Resource | None:
        target = self.target
        ids = self.ids.of
        sieved = [c for c in candidates if any(p.gvk.is_selected(target) for p in ids(c).prev)]
        if self.spec.path.endswith("roleRef/name"):
            role_gvk = _role_ref_gvk(self.referrer)
            if role_gvk is not None:
                sieved = [
                    c for c in sieved if any(p.gvk.is_selected(role_gvk) for p in ids(c).prev)
                ]
        sieved = [c for c in sieved if self._same_namespace(c)]
        if len(sieved) == 1:
            return sieved[0]
        sieved = [c for c in sieved if _affixes_equal(c, self.referrer, allow_empty=True)]
        if len(sieved) > 1:
            sieved = [c for c in sieved if _affixes_equal(c, self.referrer, allow_empty=False)]
        if len(sieved) == 1:
            return sieved[0]
        if not sieved:
            return None
        first = sieved[0]
        if all(
            c.name == first.name and (not with_ns or c.namespace == first.namespace) for c in sieved
        ):
            return first
        listed = ", ".join(str(c.cur_id) for c in sieved)
        raise errors.BuildError(f"found multiple possible referrals: {listed}")

    def _by_namespace(self, candidates: list[Resource], namespace: str) -> list[Resource]:
        """Candidates whose original namespace is ``namespace``, else whose current one is.

        As in kustomize, the "original" grouping wins as soon as *any* possible referral
        (named so or not) originally lived in that namespace.
        """
        if self.org_namespaces is None:
            self.org_namespaces = {
                self.ids.of(r).org_eff for r in self.all if self._in_subset(r)
            } - {TOTALLY_NOT_A_NAMESPACE}
        if namespace in self.org_namespaces:
            return [c for c in candidates if self.ids.of(c).org_eff == namespace]
        return [c for c in candidates if self.ids.of(c).eff == namespace]

    def _same_namespace(self, cand: Resource) -> bool:
        if self.cur_cluster:
            return True
        ids = self.ids.of(cand)
        if ids.cluster or cand.kind == "ServiceAccount":
            return True
        return ids.eff == self.cur_eff

    # -- setters ------------------------------------------------------------------------
    def _set(self, parent: Any, key: Any) -> None:
        value = parent.get(key) if isinstance(parent, dict) else None
        if value is None:
            return
        if isinstance(value, dict):
            self._set_mapping(value)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    self._set_mapping(item)
                elif item is not None:
                    self._set_scalar(value, i)
        else:
            self._set_scalar(parent, key)

    def _set_scalar(self, parent: Any, key: Any) -> None:
        old = parent[key]
        name = old if isinstance(old, str) else str(old)
        referral = self._select(name, self._candidates(name), with_ns=False)
        if referral is None:
            return
        referral.ref_by.append(self.cur)
        if referral.name != name:
            parent[key] = referral.name

    def _set_mapping(self, node: dict[str, Any]) -> None:
        if "name" not in node:
            raise errors.BuildError(
                f"path config error; no 'name' field in node at '{self.spec.path}' of {self.cur}"
            )
        old = str(node["name"])
        candidates = self._candidates(old)
        if "namespace" in node:
            candidates = self._by_namespace(candidates, str(node["namespace"]))
        referral = self._select(old, candidates, with_ns=True)
        if referral is None:
            return
        referral.ref_by.append(self.cur)
        if referral.name == old and not referral.namespace:
            return
        node["name"] = referral.name
        if referral.namespace:
            node["namespace"] = referral.namespace


def _affixes_equal(a: Resource, b: Resource, *, allow_empty: bool) -> bool:
    def same_ending(x: list[str], y: list[str]) -> bool:
        shorter, longer = (x, y) if len(x) <= len(y) else (y, x)
        if not shorter:
            return not longer
        return longer[len(longer) - len(shorter) :] == shorter

    if allow_empty:
        pre = not a.prefixes or not b.prefixes or same_ending(a.prefixes, b.prefixes)
        suf = not a.suffixes or not b.suffixes or same_ending(a.suffixes, b.suffixes)
        return pre and suf
    return same_ending(a.prefixes, b.prefixes) and same_ending(a.suffixes, b.suffixes)


def _role_ref_gvk(res: Resource) -> Gvk | None:
    role_ref = res.obj.get("roleRef")
    if not isinstance(role_ref, dict) or "apiGroup" not in role_ref or "kind" not in role_ref:
        return None
    return Gvk(group=str(role_ref.get("apiGroup") or ""), kind=str(role_ref.get("kind") or ""))


def _role_binding_namespaces(res: Resource) -> set[str]:
    if res.kind != "RoleBinding":
        return set()
    subjects = res.obj.get("subjects")
    found: set[str] = set()
    for subject in subjects if isinstance(subjects, list) else ():
        if (
            isinstance(subject, dict)
            and "namespace" in subject
            and subject.get("kind") == "ServiceAccount"
        ):
            if not isinstance(subject["namespace"], str):
                raise errors.BuildError(
                    f"Invalid Input: namespace is blank for resource {res.cur_id}"
                )
            found.add(subject["namespace"])
    return found
