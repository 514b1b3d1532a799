"""Following: officers who follow a crime type, an area, or a crime type in an area hear
when a matching submission arrives, and when one moves to response or closed.

A topic is a taxonomy crime type, an area (a district, or ``Force-wide``), or both; a
submission matches a topic when it names the crime type (if the topic has one) and is in
the area (if the topic has one). The submitter is not told of their own submission, nor
its supporters of a status change they already hear of.

Delivery is written in the transaction that makes the change: one
:class:`~domain.models.FollowUpdate` per follower and change (a change is told to each
follower once, however often it is recorded), and a scheduled job that will tell them
(:mod:`domain.ops.scheduler`). By default that is the follower's daily digest,
``follow-digest:<aad>:<London day>``, due at 08:00 London time the next morning (or this
morning, before 07:55), so everything of one day comes in one message. Hub staff may choose
``immediate``: a ``follow-now`` job per change, due at once. The job's handler takes the
follower's untold changes under the job's key (:meth:`Follows.take`); the same key always
gives the same changes, so a job claimed again after a crash sends the same message, and
the notification's key sends it once.

A follower sees what :class:`FollowedChange` holds, never the description, the notes or
anyone's name; the title is shown with personal data masked. Each submission a follower is
told of is audited as a ``submission.read`` by the follower, in the transaction that takes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable, Iterable

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session

from domain.audit import Action, Audit
from domain.clock import LONDON, aware, utcnow
from domain.db import Database
from domain.masking import mask_personal_data
from domain.models import Follow, FollowSettings, FollowUpdate, Role, Submission, SubmissionSupporter, User
from domain.ops.scheduler import Jobs, NewJob
from domain.portal.records import Kind, Status

__all__ = [
    "Topic",
    "Following",
    "FollowedChange",
    "Follows",
    "FollowNotAllowed",
    "NEW",
    "TOLD_STATUSES",
    "DIGEST_KIND",
    "NOW_KIND",
    "DIGEST_AT",
    "MAX_TOPICS",
    "next_digest",
]

NEW = "new"
# The moves a follower hears of: the Hub is responding, and the work is finished.
TOLD_STATUSES = frozenset({Status.RESPONSE, Status.CLOSED})
DIGEST_KIND = "follow-digest"
NOW_KIND = "follow-now"
DIGEST_AT = time(8, 0)
# A change this close to the digest goes in the next one: the digest may already be running.
_DIGEST_MARGIN = timedelta(minutes=5)
MAX_TOPICS = 30
_HUB_ROLES = (Role.HUB.value, Role.ADMIN.value)


class FollowNotAllowed(Exception):
    """Only Hub staff may have every change told as it happens."""


@dataclass(frozen=True, order=True)
class Topic:
    """What someone follows: a crime type (taxonomy id), an area, or both; ``""`` is any."""

    crime_type: str = ""
    area: str = ""

    def __post_init__(self) -> None:
        if not self.crime_type and not self.area:
            raise ValueError("a topic names a crime type, an area, or both")

    def matches(self, crime_types: Iterable[str], area: str) -> bool:
        """Whether a submission with ``crime_types`` in ``area`` is about this topic."""
        return (not self.crime_type or self.crime_type in crime_types) and (not self.area or self.area == area)


@dataclass(frozen=True)
class Following:
    """Someone's topics, in the order they followed them, and whether they hear at once."""

    topics: tuple[Topic, ...]
    immediate: bool


@dataclass(frozen=True)
class FollowedChange:
    """What a follower is told of one change: never the description or anyone's name."""

    reference: str
    title: str
    kind: Kind
    area: str
    crime_types: tuple[str, ...]
    status: Status
    event: str  # NEW, or the status it moved to
    at: datetime


def next_digest(now: datetime, at: time = DIGEST_AT) -> datetime:
    """When the digest that tells a change made ``now`` is due: the next ``at`` London time
    at least five minutes away (aware, UTC)."""
    local = aware(now).astimezone(LONDON)
    day = local.date()
    while True:
        due = datetime.combine(day, at, tzinfo=LONDON)
        if due - _DIGEST_MARGIN >= local:
            return aware(due)
        day += timedelta(days=1)


class Follows:
    """Topics officers follow, and the changes they are to hear of.

    Args:
        database: the assistant's database.
        clock: the current time (aware, UTC).
        audit: where followers' reads are recorded (the database's own by default).
        digest_at: the London time of the daily digest.
    """

    def __init__(self, database: Database, *, clock: Callable[[], datetime] = utcnow,
                 audit: Audit | None = None, digest_at: time = DIGEST_AT) -> None:
        self._db = database
        self._clock = clock
        self._audit = audit or Audit(database, clock=clock)
        self._jobs = Jobs(database)
        self.digest_at = digest_at

    # --- what someone follows --------------------------------------------------------------

    def follow(self, aad: str, topics: Iterable[Topic]) -> tuple[list[Topic], int]:
        """Follow ``topics``; returns those that are new and how many are followed now.
        Topics beyond :data:`MAX_TOPICS` in all are not added."""
        aad = aad.lower()
        added: list[Topic] = []
        with self._db.session() as session:
            self._ensure_user(session, aad)
            have = set(self._topics(session, aad))
            for topic in dict.fromkeys(topics):
                if topic in have or len(have) >= MAX_TOPICS:
                    continue
                session.add(Follow(aad_object_id=aad, crime_type=topic.crime_type, area=topic.area,
                                   created_at=self._clock()))
                have.add(topic)
                added.append(topic)
            return added, len(have)

    def unfollow(self, aad: str, topics: Iterable[Topic] | None = None) -> list[Topic]:
        """Stop following ``topics`` (every topic when None); returns those that were followed.
        Changes not yet told about are dropped with them when nothing followed still matches."""
        aad = aad.lower()
        with self._db.session() as session:
            have = self._topics(session, aad)
            gone = have if topics is None else [topic for topic in dict.fromkeys(topics) if topic in have]
            for topic in gone:
                session.execute(delete(Follow).where(Follow.aad_object_id == aad, Follow.crime_type == topic.crime_type,
                                                     Follow.area == topic.area))
            left = [topic for topic in have if topic not in gone]
            pending = session.execute(
                select(FollowUpdate.id, Submission.crime_types, Submission.area)
                .join(Submission, Submission.id == FollowUpdate.submission_id)
                .where(FollowUpdate.aad_object_id == aad, FollowUpdate.message_key.is_(None))
            ).all()
            dropped = [row.id for row in pending
                       if not any(topic.matches(row.crime_types or [], row.area) for topic in left)]
            if dropped:
                session.execute(delete(FollowUpdate).where(FollowUpdate.id.in_(dropped)))
            return gone

    def following(self, aad: str) -> Following:
        """What ``aad`` follows, and how they hear of it."""
        aad = aad.lower()
        with self._db.session() as session:
            return Following(tuple(self._topics(session, aad)), self._immediate(session, aad))

    def set_immediate(self, aad: str, immediate: bool) -> None:
        """Hear of every change at once (``True``) or in the daily digest.

        Raises:
            FollowNotAllowed: ``immediate`` for someone who is not Hub staff (read from the database).
        """
        aad = aad.lower()
        with self._db.session() as session:
            role = session.scalar(select(User.role).where(User.aad_object_id == aad))
            if immediate and role not in _HUB_ROLES:
                raise FollowNotAllowed("Only Hub staff can have updates as they happen.")
            self._ensure_user(session, aad)
            session.execute(
                self._db.insert(FollowSettings)
                .values(aad_object_id=aad, immediate=immediate, updated_at=self._clock())
                .on_conflict_do_update(index_elements=[FollowSettings.aad_object_id],
                                       set_={"immediate": immediate, "updated_at": self._clock()})
            )

    def followers(self, crime_types: Iterable[str], area: str) -> list[tuple[str, Topic]]:
        """Who follows a topic a submission with ``crime_types`` in ``area`` matches, and
        that topic (each follower once, by their first matching topic), for the Hub."""
        with self._db.session() as session:
            return [(aad, topic) for aad, topic, _ in self._matching(session, list(crime_types), area)]

    # --- changes ---------------------------------------------------------------------------

    def record(self, session: Session, submission: Submission, event: str) -> int:
        """In the caller's transaction: note ``event`` (:data:`NEW`, or a status of
        :data:`TOLD_STATUSES`) of ``submission`` for everyone following a matching topic,
        and schedule the jobs that tell them. Returns how many followers were added."""
        crime_types = list(submission.crime_types or [])
        if event != NEW:
            supporters = session.scalars(select(SubmissionSupporter.aad_object_id)
                                         .where(SubmissionSupporter.submission_id == submission.id)).all()
        else:
            supporters = []
        told_anyway = {submission.owner_aad, *supporters}
        now = self._clock()
        jobs: list[NewJob] = []
        for aad, _topic, immediate in self._matching(session, crime_types, submission.area):
            if aad in told_anyway:
                continue
            added = session.execute(
                self._db.insert(FollowUpdate)
                .values(aad_object_id=aad, submission_id=submission.id, event=event, created_at=now)
                .on_conflict_do_nothing(index_elements=[FollowUpdate.aad_object_id, FollowUpdate.submission_id,
                                                        FollowUpdate.event])
                .returning(FollowUpdate.id)
            ).scalar_one_or_none()
            if added is None:
                continue
            if immediate:
                jobs.append(NewJob(NOW_KIND, aad, now, f"{NOW_KIND}:{aad}:{added}"))
            else:
                due = next_digest(now, self.digest_at)
                day = due.astimezone(LONDON).date().isoformat()
                jobs.append(NewJob(DIGEST_KIND, aad, due, f"{DIGEST_KIND}:{aad}:{day}", {"day": day}))
        self._jobs.schedule_in(session, jobs)
        return len(jobs)

    def take(self, aad: str, key: str) -> list[FollowedChange]:
        """The changes the message named ``key`` tells ``aad``: every change not yet taken
        is taken under ``key`` (and its submission's read audited), then every change taken
        under it is returned, oldest first. The same key gives the same changes again."""
        aad = aad.lower()
        now = self._clock()
        with self._db.session() as session:
            fresh = session.scalars(
                update(FollowUpdate)
                .where(FollowUpdate.aad_object_id == aad, FollowUpdate.message_key.is_(None))
                .values(message_key=key, told_at=now)
                .returning(FollowUpdate.submission_id)
                .execution_options(synchronize_session=False)
            ).all()
            rows = session.execute(
                select(FollowUpdate.event, FollowUpdate.created_at, Submission)
                .join(Submission, Submission.id == FollowUpdate.submission_id)
                .where(FollowUpdate.aad_object_id == aad, FollowUpdate.message_key == key)
                .order_by(FollowUpdate.created_at, FollowUpdate.id)
            ).all()
            read = set(fresh)
            for row in {r.Submission.id: r.Submission for r in rows}.values():
                if row.id in read:
                    self._audit.record(aad, Action.SUBMISSION_READ, "submission", row.reference,
                                       owner=row.owner_aad, session=session)
            return [
                FollowedChange(
                    reference=row.Submission.reference, title=mask_personal_data(row.Submission.title)[0],
                    kind=Kind(row.Submission.kind), area=row.Submission.area,
                    crime_types=tuple(row.Submission.crime_types or ()), status=Status(row.Submission.status),
                    event=row.event, at=aware(row.created_at),
                )
                for row in rows
            ]

    # --- figures ---------------------------------------------------------------------------

    def figures(self, since: date, until: date) -> tuple[int, int]:
        """Officers following a topic (who began before ``until`` and follow it still), and
        changes told from ``since`` to before ``until`` (London days)."""
        start = aware(datetime.combine(since, time(), tzinfo=LONDON))
        end = aware(datetime.combine(until, time(), tzinfo=LONDON))
        with self._db.session() as session:
            return count_follows(session, start, end)

    # --- helpers ---------------------------------------------------------------------------

    def _ensure_user(self, session: Session, aad: str) -> None:
        now = self._clock()
        session.execute(self._db.insert(User).values(aad_object_id=aad, created_at=now, updated_at=now)
                        .on_conflict_do_nothing(index_elements=[User.aad_object_id]))

    @staticmethod
    def _topics(session: Session, aad: str) -> list[Topic]:
        rows = session.execute(select(Follow.crime_type, Follow.area).where(Follow.aad_object_id == aad)
                               .order_by(Follow.id)).all()
        return [Topic(row.crime_type, row.area) for row in rows]

    @staticmethod
    def _immediate(session: Session, aad: str) -> bool:
        """Whether ``aad`` chose immediate and is Hub staff still (a role taken away ends it)."""
        return bool(session.scalar(
            select(FollowSettings.immediate).join(User, User.aad_object_id == FollowSettings.aad_object_id)
            .where(FollowSettings.aad_object_id == aad, User.role.in_(_HUB_ROLES))
        ))

    @staticmethod
    def _matching(session: Session, crime_types: list[str], area: str) -> list[tuple[str, Topic, bool]]:
        rows = session.execute(
            select(Follow.aad_object_id, Follow.crime_type, Follow.area,
                   and_(FollowSettings.immediate.is_(True), User.role.in_(_HUB_ROLES)).label("now"))
            .join(User, User.aad_object_id == Follow.aad_object_id)
            .outerjoin(FollowSettings, FollowSettings.aad_object_id == Follow.aad_object_id)
            .where(Follow.crime_type.in_([*crime_types, ""]), Follow.area.in_([area, ""]))
            .order_by(Follow.aad_object_id, Follow.id)
        ).all()
        first: dict[str, tuple[str, Topic, bool]] = {}
        for row in rows:
            first.setdefault(row.aad_object_id, (row.aad_object_id, Topic(row.crime_type, row.area), bool(row.now)))
        return list(first.values())


def count_follows(session: Session, start: datetime, end: datetime) -> tuple[int, int]:
    """Officers who followed a topic before ``end`` and follow it still, and changes told
    in ``[start, end)``."""
    followers = session.scalar(select(func.count(func.distinct(Follow.aad_object_id)))
                               .where(Follow.created_at < end)) or 0
    told = session.scalar(select(func.count()).select_from(FollowUpdate).where(
        FollowUpdate.told_at >= start, FollowUpdate.told_at < end)) or 0
    return followers, told

