"""The Git source layer: from a GitRepository spec to a verified, stored artifact.

``git`` (resolve a ref with ls-remote; shallow fetch + checkout), ``auth`` (credentials to
git without argv/log exposure), ``verify`` (commit/tag signatures), ``semver`` (tag
ranges), ``ignore`` (Flux's exclusion rules), ``artifact`` (deterministic tar.gz, digest,
safe ``unpack`` shared with the Kustomization controller), ``storage`` (atomic,
content-addressed files with GC). No module here talks to the Kubernetes API.
"""
