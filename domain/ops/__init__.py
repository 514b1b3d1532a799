"""domain.ops."""
