"""The search log: what officers asked the "what works" search, what they were shown, and
whether it helped.

Every search is kept with the knowledge entries it showed (id, rank and score) and the
version of the index that answered. Officers can say whether the results helped and,
when nothing fitted, ask the Prevention Hub to find evidence. The Hub reads this back as
its gap report: the questions its evidence base could not answer well.

Ids of queries come back to the bot on card actions, which a client can forge, so every
method that acts for an officer checks from the database that the query is theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from domain.audit import Action, Audit
from domain.clock import aware
from domain.db import Database
from domain.masking import mask_personal_data
from domain.models import (
    EvidenceRequest,
    EvidenceRequestStatus,
    SearchFeedback,
    SearchQuery,
    User,
    utcnow,
)

__all__ = [
    "SearchLog",
    "QueryRecord",
    "EvidenceRequestRecord",
    "GapRow",
    "GAP_NO_MATCH",
    "GAP_NOT_HELPFUL",
    "GAP_ASKS_FOR_OTHER",
]

GAP_NO_MATCH = "no-match"
GAP_NOT_HELPFUL = "not-helpful"
GAP_ASKS_FOR_OTHER = "asks-for-other"


@dataclass(frozen=True)
class QueryRecord:
    """A search as recorded: the question, its filters and page, and what was shown."""

    id: int
    text: str
    crime_type: str | None
    kind: str | None
    effect: str | None
    offset: int
    refines_id: int | None
    no_good_match: bool
    shown: list[dict[str, Any]]
    asked_at: datetime


@dataclass(frozen=True)
class EvidenceRequestRecord:
    """An officer's request that the Hub find evidence for a question."""

    id: int
    query_id: int | None
    aad_object_id: str
    text: str
    created_at: datetime
    status: str


@dataclass(frozen=True)
class GapRow:
    """A question the evidence base did not answer well.

    ``reason`` is ``"no-match"`` when nothing was close enough to show with confidence,
    ``"asks-for-other"`` when that was because the question reads as asking for something
    other than prevention (a point of law, figures, one case's procedure, the officer's own
    admin), or
    ``"not-helpful"`` when the officer said the results did not help. The officer is
    deliberately not named: the report is about the evidence, not about who asked.
    """

    query_id: int
    text: str
    crime_type: str | None
    asked_at: datetime
    reason: str


def _reason(row: Any) -> str:
    """Why a gap row is one: no good match (for what it asks, or in the evidence) or not helpful."""
    if not row.no_good_match:
        return GAP_NOT_HELPFUL
    return GAP_ASKS_FOR_OTHER if row.asks_for_other else GAP_NO_MATCH


def _record(row: SearchQuery) -> QueryRecord:
    return QueryRecord(
        id=row.id,
        text=row.text,
        crime_type=row.crime_type,
        kind=row.kind,
        effect=row.effect,
        offset=row.offset,
        refines_id=row.refines_id,
        no_good_match=row.no_good_match,
        shown=[dict(item) for item in row.shown or []],
        asked_at=aware(row.asked_at),
    )


class SearchLog:
    """Records officers' searches and feedback, and reports gaps to the Hub.

    Args:
        database: the assistant's database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def _owned(self, session: Session, query_id: int, aad_object_id: str) -> SearchQuery | None:
        """The query if it exists and was asked by this user, else None."""
        row = session.get(SearchQuery, query_id)
        if row is None or row.aad_object_id != aad_object_id.lower():
            return None
        return row

    def record_query(
        self,
        aad_object_id: str,
        text: str,
        *,
        index_version: str,
        no_good_match: bool,
        best_similarity: float | None,
        shown: list[dict[str, Any]],
        asks_for_other: bool = False,
        crime_type: str | None = None,
        kind: str | None = None,
        effect: str | None = None,
        offset: int = 0,
        refines_id: int | None = None,
        asked_in: str = "chat",
    ) -> int:
        """Record a search and what it showed; returns the query's id for the result card.

        Args:
            aad_object_id: the officer who asked (created as an officer if not yet known).
            text: the question as the officer put it; likely personal data in it is replaced
                by a placeholder (``[phone]``, ``[name]``) before it is kept.
            index_version: the version of the knowledge index that answered.
            no_good_match: True when nothing was close enough to show with confidence.
            asks_for_other: True when that was only because the question reads as asking
                for something other than prevention (kept only with ``no_good_match``).
            best_similarity: the score of the closest entry, if any.
            shown: the entries shown, as ``{"id": entry id, "rank": int, "score": float}``.
            crime_type, kind, effect: the filters applied, if any.
            offset: 0 for the first page of results, 5 for "more results" and so on.
            refines_id: the query this one re-runs with a filter or for the next page. It
                is only kept when that query is the same officer's; otherwise the link
                is dropped (the id came from a card and cannot be trusted).
            asked_in: "chat" for a message or an answer's button, "search" for the messaging
                extension's search box.
        """
        key = aad_object_id.lower()
        text, _ = mask_personal_data(text)
        with self._db.session() as session:
            session.execute(
                self._db.insert(User)
                .values(aad_object_id=key, created_at=utcnow(), updated_at=utcnow())
                .on_conflict_do_nothing(index_elements=[User.aad_object_id])
            )
            if refines_id is not None and self._owned(session, refines_id, key) is None:
                refines_id = None
            row = SearchQuery(
                aad_object_id=key,
                asked_at=utcnow(),
                text=text,
                crime_type=crime_type,
                kind=kind,
                effect=effect,
                offset=offset,
                refines_id=refines_id,
                index_version=index_version,
                no_good_match=no_good_match,
                asks_for_other=asks_for_other and no_good_match,
                best_similarity=best_similarity,
                asked_in=asked_in,
                shown=[dict(item) for item in shown],
            )
            session.add(row)
            session.flush()
            return row.id

    def query_for(self, query_id: int, aad_object_id: str) -> QueryRecord | None:
        """The query with this id if this user asked it; None for anyone else's or none."""
        with self._db.session() as session:
            row = self._owned(session, query_id, aad_object_id)
            return _record(row) if row is not None else None

    def latest_for(self, aad_object_id: str, since: datetime) -> QueryRecord | None:
        """This user's most recent search in the chat (not the messaging extension's search box)
        asked at or after ``since``, if any: what a typed "more" pages on."""
        with self._db.session() as session:
            row = session.scalars(
                select(SearchQuery)
                .where(SearchQuery.aad_object_id == aad_object_id.lower(), SearchQuery.asked_at >= since,
                       SearchQuery.asked_in == "chat")
                .order_by(SearchQuery.asked_at.desc(), SearchQuery.id.desc())
                .limit(1)
            ).first()
            return _record(row) if row is not None else None

    def record_feedback(self, query_id: int, aad_object_id: str, helpful: bool) -> bool:
        """Keep whether the results of the user's query helped them.

        A second answer replaces the first (one answer per officer and query). Returns
        False, writing nothing, when the query does not exist or is someone else's.
        """
        key = aad_object_id.lower()
        with self._db.session() as session:
            if self._owned(session, query_id, key) is None:
                return False
            now = utcnow()
            session.execute(
                self._db.insert(SearchFeedback)
                .values(query_id=query_id, aad_object_id=key, helpful=helpful, created_at=now, updated_at=now)
                .on_conflict_do_update(
                    index_elements=[SearchFeedback.query_id, SearchFeedback.aad_object_id],
                    set_={"helpful": helpful, "updated_at": now},
                )
            )
            return True

    def feedback_for(self, query_id: int, aad_object_id: str) -> bool | None:
        """The user's answer on whether the query's results helped, or None if not given."""
        with self._db.session() as session:
            row = session.get(SearchFeedback, (query_id, aad_object_id.lower()))
            return row.helpful if row is not None else None

    def request_evidence(self, query_id: int, aad_object_id: str) -> int | None:
        """Ask the Hub to find evidence for the user's query; returns the request's id.

        Asking again for the same query returns the same request. None when the query
        does not exist or is someone else's.
        """
        key = aad_object_id.lower()
        with self._db.session() as session:
            query = self._owned(session, query_id, key)
            if query is None:
                return None
            session.execute(
                self._db.insert(EvidenceRequest)
                .values(
                    query_id=query_id,
                    aad_object_id=key,
                    text=query.text,
                    created_at=utcnow(),
                    status=EvidenceRequestStatus.OPEN.value,
                )
                .on_conflict_do_nothing(index_elements=[EvidenceRequest.query_id])
            )
            return session.execute(
                select(EvidenceRequest.id).where(EvidenceRequest.query_id == query_id)
            ).scalar_one()

    def open_evidence_requests(self) -> list[EvidenceRequestRecord]:
        """The Hub's open requests for evidence, oldest first."""
        with self._db.session() as session:
            rows = session.scalars(
                select(EvidenceRequest)
                .where(EvidenceRequest.status == EvidenceRequestStatus.OPEN.value)
                .order_by(EvidenceRequest.created_at, EvidenceRequest.id)
            ).all()
            return [
                EvidenceRequestRecord(
                    id=row.id,
                    query_id=row.query_id,
                    aad_object_id=row.aad_object_id,
                    text=row.text,
                    created_at=aware(row.created_at),
                    status=row.status,
                )
                for row in rows
            ]

    def gaps(self, since: datetime) -> list[GapRow]:
        """Questions asked since ``since`` that the evidence base did not answer well.

        A query is a gap when it had no good match (reason ``"no-match"``, or
        ``"asks-for-other"`` when only what it asks for kept it from an entry; either wins
        if both apply) or its officer said the results were not helpful (``"not-helpful"``).
        Oldest first, for the Hub's gap report. A naive ``since`` is read as UTC.
        """
        since = aware(since)
        not_helpful = exists().where(
            SearchFeedback.query_id == SearchQuery.id,
            SearchFeedback.helpful.is_(False),
        )
        with self._db.session() as session:
            rows = session.execute(
                select(
                    SearchQuery.id,
                    SearchQuery.text,
                    SearchQuery.crime_type,
                    SearchQuery.asked_at,
                    SearchQuery.no_good_match,
                    SearchQuery.asks_for_other,
                )
                .where(SearchQuery.asked_at >= since, or_(SearchQuery.no_good_match.is_(True), not_helpful))
                .order_by(SearchQuery.asked_at, SearchQuery.id)
            ).all()
        return [
            GapRow(
                query_id=row.id,
                text=row.text,
                crime_type=row.crime_type,
                asked_at=aware(row.asked_at),
                reason=_reason(row),
            )
            for row in rows
        ]

    def question_gaps(self, since: datetime, *, by: str | None = None) -> list[GapRow]:
        """:meth:`gaps`, counting each question once, as the officer first asked it; a Hub
        member's read (``by``) adds one ``searchlog.gaps`` audit row in the same transaction.

        "More results" and the filter buttons re-run a search as new rows that refine it;
        they repeat its words, so they are not counted again. An officer's "not helpful"
        on any of them counts for the question they came from. Oldest first; a naive
        ``since`` is read as UTC.
        """
        since = aware(since)
        # Searches marked not helpful, followed back through what each refines to the first.
        chain = (
            select(SearchQuery.id, SearchQuery.refines_id)
            .join(SearchFeedback, SearchFeedback.query_id == SearchQuery.id)
            .where(SearchFeedback.helpful.is_(False), SearchQuery.asked_at >= since)
            .cte("unhelpful", recursive=True)
        )
        earlier = SearchQuery.__table__.alias("earlier")
        chain = chain.union(
            select(earlier.c.id, earlier.c.refines_id).join(chain, earlier.c.id == chain.c.refines_id)
        )
        with self._db.session() as session:
            if by is not None:
                Audit(self._db).record(by, Action.GAPS_READ, "searchlog", f"since-{since.date().isoformat()}",
                                       session=session)
            rows = session.execute(
                select(SearchQuery.id, SearchQuery.text, SearchQuery.crime_type, SearchQuery.asked_at,
                       SearchQuery.no_good_match, SearchQuery.asks_for_other)
                .where(
                    SearchQuery.asked_at >= since, SearchQuery.offset == 0, SearchQuery.refines_id.is_(None),
                    or_(SearchQuery.no_good_match.is_(True), SearchQuery.id.in_(select(chain.c.id))),
                )
                .order_by(SearchQuery.asked_at, SearchQuery.id)
            ).all()
        return [
            GapRow(query_id=row.id, text=row.text, crime_type=row.crime_type, asked_at=aware(row.asked_at),
                   reason=_reason(row))
            for row in rows
        ]
