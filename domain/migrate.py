"""Bring the database named by ``DATABASE_URL`` up to date: ``python -m domain.migrate``."""

from __future__ import annotations

import os
import sys

from bot.settings import Settings, SettingsError
from domain.db import Database


def main() -> int:
    """Run every pending migration and say which database was migrated."""
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    database = Database(settings.database_url)
    database.migrate()
    database.dispose()
    print(f"Database is up to date ({database.dialect}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
