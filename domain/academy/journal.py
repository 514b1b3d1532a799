"""The daily journal: entries following Gibbs' reflective cycle, read back a page at a
time, and the streak of consecutive days written about."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Iterable, Mapping

from sqlalchemy import func, select

from domain.academy.answers import clean_answers
from domain.academy.questions import GIBBS
from domain.academy.records import InvalidAnswer, JournalEntry, JournalPage
from domain.academy.store import AcademyStore, dialect_insert, ensure_user
from domain.clock import aware
from domain.models import AcademyJournalEntry

__all__ = ["Journal", "entry_view", "streak_of"]


class Journal(AcademyStore):
    """Each participant's own journal."""

    def add_journal_entry(
        self,
        aad: str,
        answers: Mapping[str, str | None],
        *,
        written_on: date,
        prompted: bool = False,
        source_key: str | None = None,
    ) -> JournalEntry:
        """Keep a journal entry about ``written_on``; "what happened" must be answered.

        ``source_key`` names the Teams activity or prompt it answers: the same key again
        returns the entry already kept, unchanged.

        Raises:
            InvalidAnswer: "what happened" is blank, or an answer is too long.
        """
        key = aad.lower()
        if isinstance(written_on, datetime):
            written_on = written_on.date()
        clean = clean_answers(answers, [(k, q) for k, q, _ in GIBBS], "the journal")
        if clean[GIBBS[0][0]] is None:
            raise InvalidAnswer(f"Your answer to '{GIBBS[0][1]}' can't be empty.")
        with self._db.session() as session:
            ensure_user(self._db, session, key)
            new_id = session.execute(
                dialect_insert(self._db, AcademyJournalEntry)
                .values(
                    aad_object_id=key, written_on=written_on, answers=clean, prompted=prompted,
                    source_key=source_key, created_at=self._clock(),
                )
                .on_conflict_do_nothing(
                    index_elements=[AcademyJournalEntry.aad_object_id, AcademyJournalEntry.source_key]
                )
                .returning(AcademyJournalEntry.id)
            ).scalar_one_or_none()
            query = select(AcademyJournalEntry).where(AcademyJournalEntry.aad_object_id == key)
            if new_id is not None:
                row = session.scalars(query.where(AcademyJournalEntry.id == new_id)).one()
            else:
                row = session.scalars(query.where(AcademyJournalEntry.source_key == source_key)).one()
            return entry_view(row)

    def journal_page(self, aad: str, page: int = 1, per_page: int = 5) -> JournalPage:
        """A page of the asker's journal, latest day first; ``page`` is kept within range."""
        key, per_page = aad.lower(), max(1, per_page)
        mine = AcademyJournalEntry.aad_object_id == key
        with self._db.session() as session:
            total = session.scalar(select(func.count()).select_from(AcademyJournalEntry).where(mine)) or 0
            pages = max(1, math.ceil(total / per_page))
            page = min(max(1, page), pages)
            rows = session.scalars(
                select(AcademyJournalEntry)
                .where(mine)
                .order_by(
                    AcademyJournalEntry.written_on.desc(),
                    AcademyJournalEntry.created_at.desc(),
                    AcademyJournalEntry.id.desc(),
                )
                .offset((page - 1) * per_page)
                .limit(per_page)
            ).all()
            return JournalPage(tuple(entry_view(row) for row in rows), page, pages, total)

    def journal_days(self, aad: str) -> set[date]:
        """The days the asker wrote about in their journal."""
        with self._db.session() as session:
            return set(
                session.scalars(
                    select(AcademyJournalEntry.written_on).where(AcademyJournalEntry.aad_object_id == aad.lower())
                )
            )

    def streak(self, aad: str, today: date) -> int:
        """Consecutive days with an entry, up to today (or yesterday, if none yet today)."""
        return streak_of(self.journal_days(aad), today)


def entry_view(row: AcademyJournalEntry) -> JournalEntry:
    """The entry as a record, with every Gibbs key."""
    answers = {key: row.answers.get(key) for key, _, _ in GIBBS}
    return JournalEntry(row.id, row.written_on, answers, row.prompted, aware(row.created_at))


def streak_of(days: Iterable[date], today: date) -> int:
    """Consecutive ``days`` up to ``today``, or up to yesterday when today is not one."""
    written = set(days)
    day = today if today in written else today - timedelta(days=1)
    count = 0
    while day in written:
        count, day = count + 1, day - timedelta(days=1)
    return count
