"""The one turn-error handler: log with a reference, tell the user, never show a trace."""

from __future__ import annotations

import logging
import secrets
from typing import Awaitable, Callable

from botbuilder.core import ConversationState, TurnContext

__all__ = ["make_turn_error_handler"]

log = logging.getLogger(__name__)


def make_turn_error_handler(
    conversation_state: ConversationState,
) -> Callable[[TurnContext, Exception], Awaitable[None]]:
    """Build the adapter's ``on_turn_error``.

    The error is logged with a short reference that the user is given, so the Hub can find
    the log line when the user reports it. The conversation's dialog state is cleared so a
    broken step cannot fail again on the next message (answers stay in the draft).
    """

    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
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
