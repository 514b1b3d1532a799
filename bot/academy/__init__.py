"""bot.academy.prompts."""
