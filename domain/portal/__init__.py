"""domain.portal."""
