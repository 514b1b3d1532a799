"""domain.hub."""
