"""tether.bootstrap: install manifests, bootstrap a Git repository and a cluster (Flux-style)."""
