"""domain.whatworks."""
