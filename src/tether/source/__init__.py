"""tether.source."""
