"""End-to-end tests: the bot driven through Microsoft 365 Agents Playground (see playground.py)."""
