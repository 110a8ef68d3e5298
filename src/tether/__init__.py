"""Tether: a GitOps toolkit for Kubernetes that does the job of Flux, in Python."""

__all__ = ["__version__"]

__version__ = "0.1.0"
