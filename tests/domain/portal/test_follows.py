"""Following crime types and areas: who hears of which submission, what they are told, when
(one digest a day, or at once for Hub staff who choose it), that unfollowing stops it, that
each change is told once with two bot processes, and that every follower's read is audited.
On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.audit import Audit
from domain.db import Database
from domain.models import AuditLog, FollowUpdate, Role, ScheduledJob
from domain.ops.erasure import erase_user
from domain.ops.scheduler import Job, Outcome, Scheduler
from domain.ops.subject_access import export_user
from domain.portal import Kind, NewSubmission, Status, Submissions
from domain.portal.follows import (
    DIGEST_KIND,
    NOW_KIND,
    FollowedChange,
    FollowNotAllowed,
    Follows,
    Topic,
    next_digest,
)
from domain.users import Users
from tests.domain.ops.test_scheduler import Clock, two_databases  # noqa: F401 - a fixture

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
LEAD = "0b6f1b3c-3333-4a4a-9b9b-000000000003"  # a portfolio lead, an officer
HUB = "0b6f1b3c-4444-4a4a-9b9b-000000000004"
SUBMITTER = "0b6f1b3c-1111-4a4a-9b9b-000000000001"
OTHER = "0b6f1b3c-2222-4a4a-9b9b-000000000002"
DESCRIPTION = "zqx-description: a man called Darren Smith carries a blade near the station"
# Monday 9 November 2026, 14:00 UTC (14:00 in London: winter time).
T0 = datetime(2026, 11, 9, 14, 0, tzinfo=UTC)


def knife_problem(area: str = "Stevenage", crime_types: tuple[str, ...] = ("knife-crime",),
                  title: str = "Knives carried near the bus station") -> NewSubmission:
    return NewSubmission(Kind.PROBLEM, title, DESCRIPTION, list(crime_types), area, tried="zqx-tried")


class Portal:
    """The submissions and follows of one bot process, on a settable clock."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.follows = Follows(db, clock=clock)
        self.submissions = Submissions(db, clock=clock, follows=self.follows)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def portal(db: Database, clock: Clock) -> Portal:
    users = Users(db)
    for aad, name in ((LEAD, "Pat Lead"), (HUB, "Hana Hub"), (SUBMITTER, "Sam Submitter"), (OTHER, "Olu Other")):
        users.seen(aad, name)
    users.set_role(HUB, Role.HUB)
    return Portal(db, clock)


def jobs(db: Database) -> list[tuple[str, str, datetime]]:
    with db.session() as s:
        return [(row.kind, row.dedupe_key, row.due_at.replace(tzinfo=UTC) if row.due_at.tzinfo is None else row.due_at)
                for row in s.scalars(select(ScheduledJob).order_by(ScheduledJob.id))]


def reads(db: Database, actor: str) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(AuditLog.record_id).where(AuditLog.actor == actor,
                                                               AuditLog.action == "submission.read")))


# --- who hears of what --------------------------------------------------------------------------


def test_a_matching_submission_is_in_the_next_mornings_digest_with_its_listed_fields_only(portal, db):
    portal.follows.follow(LEAD, [Topic("knife-crime", "Stevenage")])
    title = "Knives near the bus station, call 07700 900123"
    reference = portal.submissions.create(SUBMITTER, knife_problem(title=title)).reference

    # One digest for the day, due at 08:00 London time on Tuesday.
    key = f"{DIGEST_KIND}:{LEAD}:2026-11-10"
    assert jobs(db) == [(DIGEST_KIND, key, datetime(2026, 11, 10, 8, 0, tzinfo=UTC))]
    (change,) = portal.follows.take(LEAD, key)
    assert change == FollowedChange(
        reference=reference, title="Knives near the bus station, call [phone]", kind=Kind.PROBLEM,
        area="Stevenage", crime_types=("knife-crime",), status=Status.RECEIVED, event="new", at=T0)
    # A follower's record has nothing more: no description, no notes, no names.
    assert {f.name for f in dataclasses.fields(FollowedChange)} == {
        "reference", "title", "kind", "area", "crime_types", "status", "event", "at"}
    assert "zqx" not in repr(change) and "Darren" not in repr(change) and SUBMITTER not in repr(change)


@pytest.mark.parametrize("topic", [Topic("knife-crime"), Topic(area="Stevenage"), Topic("knife-crime", "Stevenage")])
def test_a_crime_type_an_area_or_both_match(portal, topic):
    portal.follows.follow(LEAD, [topic])
    portal.submissions.create(SUBMITTER, knife_problem())
    assert [c.area for c in portal.follows.take(LEAD, "d")] == ["Stevenage"]


@pytest.mark.parametrize("new", [
    knife_problem(area="Watford"),  # another district
    knife_problem(crime_types=("county-lines",)),  # another crime type
    knife_problem(crime_types=()),  # not crime specific
])
def test_a_submission_that_does_not_match_tells_no_one(portal, db, new):
    portal.follows.follow(LEAD, [Topic("knife-crime", "Stevenage")])
    portal.submissions.create(SUBMITTER, new)
    assert jobs(db) == [] and portal.follows.take(LEAD, "d") == []


def test_the_submitter_is_not_told_of_their_own_submission(portal, db):
    portal.follows.follow(SUBMITTER, [Topic("knife-crime")])
    portal.submissions.create(SUBMITTER, knife_problem())
    assert jobs(db) == []


def test_moves_to_response_and_closed_are_told_other_moves_are_not(portal, clock):
    portal.follows.follow(LEAD, [Topic("knife-crime")])
    reference = portal.submissions.create(SUBMITTER, knife_problem()).reference
    portal.follows.take(LEAD, "monday")
    for status in ("triaged", "scanning", "analysis"):
        portal.submissions.change_status(reference, status, HUB)
    assert portal.follows.take(LEAD, "tuesday") == []
    clock.advance(days=1)
    portal.submissions.change_status(reference, "response", HUB, "zqx-note for the submitter")
    portal.submissions.change_status(reference, "assessment", HUB)
    portal.submissions.change_status(reference, "closed", HUB)
    told = portal.follows.take(LEAD, "wednesday")
    assert [(c.event, c.status) for c in told] == [("response", Status.CLOSED), ("closed", Status.CLOSED)]
    assert "zqx" not in repr(told)


def test_a_supporter_already_told_of_a_status_change_is_not_told_twice(portal):
    reference = portal.submissions.create(SUBMITTER, knife_problem()).reference
    portal.submissions.add_support(reference, LEAD, "We see this too.")
    portal.follows.follow(LEAD, [Topic("knife-crime")])
    portal.submissions.change_status(reference, "triaged", HUB)
    portal.submissions.change_status(reference, "closed", HUB)
    assert portal.follows.take(LEAD, "d") == []


def test_unfollowing_stops_updates_and_drops_those_not_yet_sent(portal, db):
    portal.follows.follow(LEAD, [Topic("knife-crime"), Topic(area="Watford")])
    portal.submissions.create(SUBMITTER, knife_problem())  # knife crime in Stevenage
    portal.submissions.create(SUBMITTER, knife_problem(area="Watford", crime_types=("burglary",)))
    assert portal.follows.unfollow(LEAD, [Topic("knife-crime")]) == [Topic("knife-crime")]
    assert [c.area for c in portal.follows.take(LEAD, "d1")] == ["Watford"]  # still followed
    assert portal.follows.unfollow(LEAD) == [Topic(area="Watford")]
    portal.submissions.create(SUBMITTER, knife_problem(area="Watford"))
    assert portal.follows.take(LEAD, "d2") == [] and portal.follows.following(LEAD).topics == ()


def test_following_twice_adds_nothing_and_a_change_is_told_once(portal):
    assert portal.follows.follow(LEAD, [Topic("knife-crime"), Topic("knife-crime", "Stevenage")])[0] == [
        Topic("knife-crime"), Topic("knife-crime", "Stevenage")]
    assert portal.follows.follow(LEAD, [Topic("knife-crime")]) == ([], 2)
    portal.submissions.create(SUBMITTER, knife_problem())  # matches both topics
    assert len(portal.follows.take(LEAD, "d")) == 1


# --- when ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("made, due", [
    # Winter: 08:00 London is 08:00 UTC. Up to 07:55 it goes in the same morning's digest.
    (datetime(2026, 11, 10, 7, 54, tzinfo=UTC), datetime(2026, 11, 10, 8, 0, tzinfo=UTC)),
    (datetime(2026, 11, 10, 7, 56, tzinfo=UTC), datetime(2026, 11, 11, 8, 0, tzinfo=UTC)),
    # Summer: 08:00 London is 07:00 UTC.
    (datetime(2026, 6, 1, 6, 50, tzinfo=UTC), datetime(2026, 6, 1, 7, 0, tzinfo=UTC)),
    # Across the October change (Sunday 25 October 2026) and the March one (Sunday 29 March 2026).
    # 06:58 UTC on Saturday is 07:58 summer time: too late for that morning, so Sunday's, in winter time.
    (datetime(2026, 10, 24, 6, 58, tzinfo=UTC), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),
    (datetime(2026, 10, 25, 7, 30, tzinfo=UTC), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),
    (datetime(2026, 3, 28, 12, 0, tzinfo=UTC), datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),
])
def test_the_digest_comes_at_eight_london_time_across_the_clock_changes(made, due):
    assert next_digest(made) == due
    assert due.astimezone(LONDON).hour == 8


def test_hub_staff_may_hear_at_once_officers_may_not(portal, db, clock):
    with pytest.raises(FollowNotAllowed):
        portal.follows.set_immediate(LEAD, True)
    portal.follows.set_immediate(HUB, True)
    portal.follows.follow(HUB, [Topic("knife-crime")])
    portal.follows.follow(LEAD, [Topic("knife-crime")])
    portal.submissions.create(SUBMITTER, knife_problem())
    kinds = {(kind, due) for kind, _, due in jobs(db)}
    assert kinds == {(NOW_KIND, T0), (DIGEST_KIND, datetime(2026, 11, 10, 8, 0, tzinfo=UTC))}
    assert portal.follows.following(HUB).immediate is True
    # A Hub member who loses the role goes back to the digest.
    Users(db).set_role(HUB, Role.OFFICER)
    assert portal.follows.following(HUB).immediate is False
    clock.advance(hours=1)
    portal.submissions.create(SUBMITTER, knife_problem(title="Second"))
    assert [kind for kind, key, _ in jobs(db) if HUB in key] == [NOW_KIND, DIGEST_KIND]


# --- audit --------------------------------------------------------------------------------------


def test_a_followers_read_is_audited_once_per_message(portal, db):
    portal.follows.follow(LEAD, [Topic(area="Stevenage")])
    first = portal.submissions.create(SUBMITTER, knife_problem()).reference
    second = portal.submissions.create(SUBMITTER, knife_problem(title="Another")).reference
    assert len(portal.follows.take(LEAD, "digest-1")) == 2
    assert sorted(reads(db, LEAD)) == sorted([first, second])
    assert len(portal.follows.take(LEAD, "digest-1")) == 2  # the same message again, as after a crash
    assert sorted(reads(db, LEAD)) == sorted([first, second])  # not read again
    (row,) = Audit(db).entries(None, None, actor=LEAD, record=first)
    assert (row.action, row.record_type) == ("submission.read", "submission")


# --- two processes ------------------------------------------------------------------------------


async def test_two_processes_send_each_digest_once_with_each_change_once(two_databases):
    first, second = two_databases
    followers = [f"0b6f1b3c-6666-4a4a-9b9b-{n:012d}" for n in range(12)]
    users = Users(first)
    for aad in [SUBMITTER, HUB, *followers]:
        users.seen(aad, "Officer")
    clock = Clock(datetime(2026, 10, 23, 9, 0, tzinfo=UTC))  # Friday, before the October change
    processes = [Portal(database, clock) for database in (first, second)]
    for n, aad in enumerate(followers):
        processes[n % 2].follows.follow(aad, [(Topic("knife-crime"), Topic(area="Watford"), Topic("burglary"))[n % 3]])
    sent: list[tuple[str, str, tuple[str, ...], datetime]] = []
    crashed: set[str] = set()

    def handler_for(follows: Follows):  # type: ignore[no-untyped-def]
        async def send(job: Job) -> Outcome:
            changes = await asyncio.to_thread(follows.take, job.aad_object_id, job.dedupe_key)
            if job.dedupe_key not in crashed and len(crashed) < 3:
                crashed.add(job.dedupe_key)  # this process dies after taking the changes
                raise RuntimeError("process stopped")
            sent.append((job.aad_object_id, job.dedupe_key, tuple(f"{c.reference}:{c.event}" for c in changes),
                         clock.now))
            return Outcome.DONE
        return send

    schedulers = [Scheduler(database, handler_for(portal.follows), instance=name, clock=clock)
                  for database, portal, name in ((first, processes[0], "a"), (second, processes[1], "b"))]
    made: list[tuple[str, tuple[str, ...], str]] = []  # (reference, crime types, area)
    areas, crimes = ("Watford", "Stevenage", "Dacorum"), (("knife-crime",), ("burglary",), ("drugs",))
    n = 0
    while clock.now < datetime(2026, 10, 28, 12, 0, tzinfo=UTC):
        # Submissions through the days and nights to Tuesday, from both processes.
        if clock.now < datetime(2026, 10, 28, tzinfo=UTC) and clock.now.hour % 5 == 0 and clock.now.minute == 0:
            crime, area = crimes[n % 3], areas[n % 2]
            new = knife_problem(area=area, crime_types=crime, title=f"Submission {n}")
            made.append((processes[n % 2].submissions.create(SUBMITTER, new).reference, crime, area))
            n += 1
        await asyncio.gather(*(scheduler.run_due() for scheduler in schedulers))
        clock.advance(minutes=15)

    # Every follower is told of every matching submission once, in at most one message a day.
    for index, aad in enumerate(followers):
        topic = (Topic("knife-crime"), Topic(area="Watford"), Topic("burglary"))[index % 3]
        expected = sorted(f"{ref}:new" for ref, crime, area in made if topic.matches(crime, area))
        told = [item for who, _, items, _ in sent if who == aad for item in items]
        assert sorted(told) == expected, aad
        keys = [key for who, key, _, _ in sent if who == aad]
        assert len(keys) == len(set(keys)) and all(key.startswith(f"{DIGEST_KIND}:{aad}:") for key in keys)
    for _, key, _, at in sent:  # at 08:00 London time (the crashed ones 15 minutes on), on the day the key names
        local = at.astimezone(LONDON)
        assert local.date().isoformat() == key.rsplit(":", 1)[1] and local.hour == 8 and local.minute in (0, 15), key
    assert len(crashed) == 3 and made


# --- the person's data --------------------------------------------------------------------------


def test_what_someone_follows_is_in_their_export_and_goes_with_their_erasure(portal, db):
    portal.follows.follow(LEAD, [Topic("knife-crime", "Stevenage")])
    reference = portal.submissions.create(SUBMITTER, knife_problem()).reference
    exported = export_user(db, LEAD, by=HUB)["following"]
    assert exported["topics"][0]["crime_type"] == "knife-crime" and exported["topics"][0]["area"] == "Stevenage"
    assert [(u["reference"], u["event"]) for u in exported["updates"]] == [(reference, "new")]
    erase_user(db, LEAD, by=HUB)
    assert portal.follows.following(LEAD).topics == ()
    with db.session() as s:
        assert s.scalars(select(FollowUpdate)).all() == []


def test_an_erased_submitters_submissions_are_not_told_to_followers(portal, db):
    portal.follows.follow(LEAD, [Topic("knife-crime")])
    portal.submissions.create(SUBMITTER, knife_problem())
    erase_user(db, SUBMITTER, by=HUB)
    assert portal.follows.take(LEAD, "d") == []
