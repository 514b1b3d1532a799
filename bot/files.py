"""Files sent into a Teams chat through Teams' file consent.

In a personal chat a bot cannot attach a file directly: it offers one (a file consent card
with its name and size), Teams asks the user where to save it, and, on "Allow", gives the
bot an upload address in the user's OneDrive. The bot uploads there and shows the saved
file's card.

What is uploaded is made again when the user accepts, by the producer registered for the
kind of file, for the person Teams says accepted: nothing in the card decides what they get.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

import aiohttp
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Attachment

from domain.users import UserInfo

__all__ = ["FileOffers", "Producer", "FILE_CONSENT", "FILE_INFO"]

log = logging.getLogger(__name__)

FILE_CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"

# (the user who accepted, the offer's own arguments) -> the file's bytes, or None when that
# user may not have it (the producer checks, from the database).
Producer = Callable[[UserInfo, dict], Awaitable[bytes | None]]


class FileOffers:
    """Offers files by kind and uploads them when the user accepts."""

    def __init__(self, session_factory: Any = None) -> None:
        self._producers: dict[str, Producer] = {}
        self._session_factory = session_factory or aiohttp.ClientSession

    def register(self, kind: str, producer: Producer) -> None:
        self._producers[kind] = producer

    async def offer(self, turn_context: TurnContext, kind: str, *, name: str, size: int, description: str,
                    text: str, arguments: dict | None = None) -> None:
        """Send the file consent card for a file of ``kind``."""
        context = {"file": kind, **(arguments or {})}
        attachment = Attachment(
            content_type=FILE_CONSENT, name=name,
            content={"description": description, "sizeInBytes": size, "acceptContext": context,
                     "declineContext": context},
        )
        await turn_context.send_activity(MessageFactory.attachment(attachment, text=text))

    async def on_file_consent(self, turn_context: TurnContext, value: dict, user: UserInfo) -> None:
        """Teams' answer to a file consent card."""
        context = value.get("context") or {}
        producer = self._producers.get(str(context.get("file")))
        if producer is None:
            return
        if value.get("action") != "accept":
            await turn_context.send_activity("No problem: the document was not saved.")
            return
        upload = value.get("uploadInfo") or {}
        url = str(upload.get("uploadUrl") or "")
        if not url.startswith(("https://", "http://127.0.0.1")):
            await turn_context.send_activity("Teams did not give a place to save the document. Please try again.")
            return
        data = await producer(user, {k: v for k, v in context.items() if k != "file"})
        if data is None:
            await turn_context.send_activity("That document is not available to you.")
            return
        headers = {"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}", "Content-Length": str(len(data))}
        try:
            async with self._session_factory() as session, session.put(url, data=data, headers=headers) as response:
                saved = response.status in (200, 201)
        except aiohttp.ClientError:
            saved = False
        if not saved:
            log.warning("file upload failed", extra={"file": context.get("file")})
            await turn_context.send_activity("The document could not be saved just now. Please try again.")
            return
        info = Attachment(content_type=FILE_INFO, name=upload.get("name"), content_url=upload.get("contentUrl"),
                          content={"uniqueId": upload.get("uniqueId"), "fileType": upload.get("fileType")})
        await turn_context.send_activity(MessageFactory.attachment(info, text="Your document is saved."))
