"""The controller process: a shared runtime and the reconcilers that plug into it.

``runtime`` (Manager/Controller/Result; watch → keyed queue → workers), ``informer``
(list+watch cache with indexes), ``queue`` (de-duplicating work queue with backoff),
``events`` and ``status`` (how reconcilers report), ``gitrepository`` (the source
reconciler), ``daemon`` (startup → main_loop → shutdown), ``leader`` (Lease-based leader
election), ``crds`` (install our CRDs).
"""
