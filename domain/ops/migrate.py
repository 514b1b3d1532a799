"""Bring the database named by ``DATABASE_URL`` up to date: ``python -m domain.ops.migrate``."""

from __future__ import annotations

import sys

from domain.settings import settings_or_exit
from domain.db import Database


def main() -> int:
    """Run every pending migration and say which database was migrated."""
    settings = settings_or_exit()
    database = Database(settings.database_url)
    database.migrate()
    database.dispose()
    print(f"Database is up to date ({database.dialect}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
