"""bot.hub.triage."""
