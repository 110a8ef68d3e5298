"""tether.demo: one command to a whole GitOps loop on the embedded example (issue 7)."""
