"""The Teams chat layer: settings, the HTTP endpoint, the activity handler, state storage
and proactive notifications. Everything Bot Framework specific lives here and in
``dialogs``; the records and rules are in ``domain``."""

from bot.app import Services, create_app
from domain.settings import Settings, SettingsError

__all__ = ["create_app", "Services", "Settings", "SettingsError"]
