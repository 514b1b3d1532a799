"""The one turn-error handler: log with a reference, tell the user, never show a trace."""

from __future__ import annotations

import logging
import secrets
from typing import Awaitable, Callable

from botbuilder.core import ConversationState, TurnContext
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError

__all__ = ["make_turn_error_handler", "DATABASE_UNAVAILABLE", "database_unavailable"]

DATABASE_UNAVAILABLE = ("I can't reach my records just now, so I could not act on that. "
                        "Please send it again in a moment; what you gave me before is kept.")


def database_unavailable(error: BaseException) -> bool:
    """Whether the turn failed because the database could not be reached (or was busy)."""
    return (isinstance(error, (OperationalError, InterfaceError, DisconnectionError))
            or (isinstance(error, DBAPIError) and error.connection_invalidated))

log = logging.getLogger(__name__)


def make_turn_error_handler(
    conversation_state: ConversationState,
) -> Callable[[TurnContext, Exception], Awaitable[None]]:
    """Build the adapter's ``on_turn_error``.

    The error is logged with a short reference that the user is given, so the Hub can find
    the log line when the user reports it; the log shows the error's type and where it was
    raised, never its message, which can quote what the user typed. The conversation's
    dialog state is cleared so a broken step cannot fail again on the next message (answers
    stay in the draft).
    """

    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        if database_unavailable(error):
            # Nothing of the turn was kept, and the dialog state is kept as it was: the officer
            # sends the same message again once the database is back. Only the error's type is
            # logged: its text carries the statement's parameters, which hold what was typed.
            log.warning("the database could not be reached during a turn (%s)", type(error).__name__)
            try:
                await turn_context.send_activity(DATABASE_UNAVAILABLE)
            except Exception:  # noqa: BLE001 - the connector is the next thing that can fail
                log.warning("could not tell the user that the database is unreachable")
            return
        reference = secrets.token_hex(3).upper()
        log.error("turn failed [ref %s]", reference, exc_info=error)
        try:
            await turn_context.send_activity(
                f"Sorry, something went wrong on my side. Please try again; if it keeps happening, "
                f"tell the Prevention First Hub and quote reference {reference}."
            )
            await conversation_state.load(turn_context)
            await conversation_state.clear_state(turn_context)
            await conversation_state.save_changes(turn_context, force=True)
        except Exception:  # noqa: BLE001 - nothing more can be done for this turn
            log.error("could not tell the user about the failure [ref %s]", reference, exc_info=True)

    return on_turn_error
