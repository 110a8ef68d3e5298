"""tether.cluster."""
