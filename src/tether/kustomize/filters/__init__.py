"""One small module per kustomize transformer.

Each module holds a frozen dataclass whose fields are the transformer's configuration and
whose ``__call__(resmap)`` applies it in place (kustomize's ``api/filters`` + builtin
plugins). The order in which they run is decided in one place only: ``target.py``.
"""
