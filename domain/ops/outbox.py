"""The outbox: proactive messages written in the same transaction as the change they report.

A use case that tells someone about a change adds a pending row to ``notifications`` in
the session that makes the change, so the change and the messages about it commit, or roll
back, together. After the commit the chat layer hands the new rows to its sender, which
sends them beside the conversation (the answer to the user does not wait for Teams), and
its background sweep retries those it could not deliver; no message is lost when Teams is
unreachable, and none is sent for a change that did not happen.

A new row is the writer's for its first :data:`WRITER_GRACE`: the writer sends it straight
after the commit, and the sweep takes it only if the writer did not (its process stopped).

A ``dedupe_key`` names a message for good: adding a row whose key is already used adds
nothing (and leaves the transaction usable), so a repeated change never messages twice.

Rows outlive their sending, so every send is accounted for; what they quote does not.
Retention empties the payloads of messages written ``RETENTION_NOTIFICATION_DAYS`` ago
(see :mod:`domain.ops.retention`), and an erasure replaces, by :func:`erase_mentions`, every
text of a message that names the person erased or quotes what they wrote, found by
:class:`Mentions` however the message showed it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Callable, Collection, Iterable

from sqlalchemy import ColumnElement, Text, cast, false, or_, select
from sqlalchemy.orm import Session

from domain.clock import utcnow
from domain.db import Database
from domain.models import Notification, NotificationStatus

__all__ = ["Outbox", "message", "WRITER_GRACE", "Mentions", "erase_mentions"]

# How long a new message is left to the process that wrote it before the sweep may send it.
WRITER_GRACE = timedelta(minutes=1)


def message(text: str) -> dict[str, Any]:
    """The payload of a plain text message, as the Bot Framework serialises one."""
    return {"type": "message", "text": text, "inputHint": "acceptingInput"}


class Outbox:
    """Pending proactive messages, added in the caller's transaction.

    Args:
        database: the assistant's database (its dialect decides the ``ON CONFLICT`` form).
        clock: the current time (aware, UTC).
    """

    def __init__(self, database: Database, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._clock = clock

    def add(
        self,
        session: Session,
        aad_object_id: str,
        kind: str,
        payload: dict[str, Any] | str,
        dedupe_key: str | None = None,
    ) -> int | None:
        """Add a pending message to one user, in ``session``'s transaction.

        Args:
            aad_object_id: who to tell (a known user).
            kind: what it is about (``status-change``, ``submission-question``...).
            payload: the activity to send, or its text.
            dedupe_key: when given and already used, nothing is added.

        Returns:
            The new row's id, or None when ``dedupe_key`` was already used.
        """
        body = message(payload) if isinstance(payload, str) else dict(payload)
        statement = (
            self._db.insert(Notification)
            .values(
                aad_object_id=aad_object_id.lower(), kind=kind, payload=body, dedupe_key=dedupe_key,
                status=NotificationStatus.PENDING.value, attempts=0,
                next_attempt_at=self._clock() + WRITER_GRACE,
            )
            .on_conflict_do_nothing(index_elements=[Notification.dedupe_key])
            .returning(Notification.id)
        )
        added: int | None = session.execute(statement).scalar_one_or_none()
        return added


# Messages show typed text escaped (a backslash before Markdown characters, a zero-width
# space in "http:"), with runs of white space made one, and cut after 120 characters or more.
_SHOWN = str.maketrans("", "", "\\\u200b")
_QUOTED = 100
# Characters that stored JSON and a message hold as typed, wherever they stand in a word.
_VERBATIM = re.compile(r"[A-Za-z0-9-]+")


def _folded(text: str) -> str:
    """Text as typed or as a message shows it, in one form that can be compared."""
    return " ".join(text.translate(_SHOWN).split())


class Mentions:
    """Names, references and typed text, found in JSON data however a message showed them.

    ``words`` (names, references) are found whole; ``texts`` by their first 100 characters,
    as a message may cut them short.
    """

    def __init__(self, words: Iterable[str], texts: Iterable[str] = ()) -> None:
        patterns, self._fragments = [], []
        for text, whole in [(word, True) for word in words] + [(text, False) for text in texts]:
            folded = _folded(text)
            if not folded:
                continue
            cut = folded[:_QUOTED]
            patterns.append(r"(?<!\w)" + re.escape(cut) + (r"(?!\w)" if whole or cut == folded else ""))
            # Its longest verbatim run, which stored JSON holds as typed, escaped or not.
            self._fragments.append(max(_VERBATIM.findall(cut), key=len, default=""))
        self._pattern = re.compile("|".join(patterns)) if patterns else None

    def found_in(self, value: Any) -> bool:
        """Whether ``value`` (JSON data) has a string that mentions one of them."""
        if isinstance(value, str):
            return self._pattern is not None and self._pattern.search(_folded(value)) is not None
        if isinstance(value, list):
            return any(self.found_in(item) for item in value)
        if isinstance(value, dict):
            return any(self.found_in(item) for item in value.values())
        return False

    def scrub(self, value: Any, marker: str) -> Any:
        """``value`` (JSON data) with every string that mentions one of them replaced by ``marker``."""
        if isinstance(value, str):
            return marker if self.found_in(value) else value
        if isinstance(value, list):
            return [self.scrub(item, marker) for item in value]
        if isinstance(value, dict):
            return {key: self.scrub(item, marker) for key, item in value.items()}
        return value

    def may_be_in(self, column: Any) -> ColumnElement[bool]:
        """A condition that holds for every row whose ``column`` (JSON) may mention one of
        them: the rows to read and check (all of them when one has no verbatim run of three)."""
        if self._pattern is None:
            return false()
        if any(len(fragment) < 3 for fragment in self._fragments):
            every: ColumnElement[bool] = column.is_not(None)
            return every
        text = cast(column, Text)
        return or_(*(text.contains(fragment) for fragment in sorted(set(self._fragments))))


def erase_mentions(session: Session, mentions: Mentions, marker: str, *, made_from: Mentions,
                   keys: Collection[str]) -> int:
    """Replace by ``marker`` every text of a message that ``mentions`` holds, and every text
    that ``made_from`` holds of the messages whose ``dedupe_key`` is one of ``keys`` (or
    starts with one ending in ``:``); a message changed while still waiting is not sent.
    Returns how many messages were changed."""
    prefixes = tuple(key for key in keys if key.endswith(":"))
    named = [Notification.dedupe_key.startswith(prefix, autoescape=True) for prefix in prefixes]
    named += [Notification.dedupe_key.in_(sorted(keys))] if keys else []
    changed = 0
    for row in session.scalars(
        select(Notification).where(or_(mentions.may_be_in(Notification.payload), *named)).order_by(Notification.id)
    ):
        scrubbed = mentions.scrub(row.payload, marker)
        if row.dedupe_key and (row.dedupe_key in keys or row.dedupe_key.startswith(prefixes)):
            scrubbed = made_from.scrub(scrubbed, marker)
        if scrubbed != row.payload:
            row.payload = scrubbed
            if row.status in (NotificationStatus.PENDING.value, NotificationStatus.RETRYING.value):
                row.status, row.last_error, row.next_attempt_at = NotificationStatus.FAILED.value, "erased", None
            changed += 1
    return changed
