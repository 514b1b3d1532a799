"""Serve the assistant: ``python -m bot`` (what ``make run`` calls)."""

from __future__ import annotations

import logging
import os
import sys

from aiohttp import web

from bot.app import create_app
from bot.logs import configure_logging
from domain.settings import settings_or_exit


def main() -> int:
    """Read the settings, build the app and serve it until stopped."""
    settings = settings_or_exit()
    configure_logging(settings.log_level)
    # One intra-op thread: with two, a query embedding stalls when the other core is busy.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    app = create_app(settings)
    logging.getLogger("bot").info("serving on http://%s:%d/api/messages", settings.host, settings.port)
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
