"""tether.kustomize."""
