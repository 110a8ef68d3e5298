"""tether.devcluster."""
