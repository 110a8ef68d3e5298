"""tether.controller."""
