"""tether.server."""
