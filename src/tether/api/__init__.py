"""tether.api."""
