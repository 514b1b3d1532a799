"""The search log keeps every "what works" search, what it showed and the officer's feedback,
so the Hub can see where its evidence base falls short; query ids from cards are checked
against their owner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import delete, func, inspect, select, update

from domain.db import MIGRATIONS_DIR, Database
from domain.models import Base, EvidenceRequest, SearchFeedback, SearchQuery, User, utcnow
from domain.whatworks.searchlog import SearchLog
from domain.users import Users
from tests.fakes import OFFICER_AAD

OTHER_AAD = "0b6f1b3c-2222-4a4a-9b9b-000000000002"
SEARCH_TABLES = {"search_queries", "search_feedback", "evidence_requests"}

SHOWN = [
    {"id": "res-burglary-alley-gating", "rank": 1, "score": 0.71},
    {"id": "prac-cocoon-watch", "rank": 2, "score": 0.64},
]


@pytest.fixture
def log(db: Database) -> SearchLog:
    users = Users(db)
    users.seen(OFFICER_AAD, "Alex Morgan")
    users.seen(OTHER_AAD, "Sam Taylor")
    return SearchLog(db)


def _ask(
    log: SearchLog, text: str = "what works for burglary in terraced streets", *, who: str = OFFICER_AAD, **kw
) -> int:
    values = {"index_version": "kb-2026-11-26", "no_good_match": False, "best_similarity": 0.71, "shown": SHOWN}
    values.update(kw)
    return log.record_query(who, text, **values)


def _count(db: Database, model) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_query_is_recorded_with_what_was_shown(log, db):
    first = _ask(log, crime_type="burglary-dwelling", kind="research")
    more = _ask(log, crime_type="burglary-dwelling", kind="research", offset=5, refines_id=first)

    record = log.query_for(more, OFFICER_AAD.upper())
    assert record is not None
    assert record.text == "what works for burglary in terraced streets"
    assert (record.crime_type, record.kind, record.effect) == ("burglary-dwelling", "research", None)
    assert (record.offset, record.refines_id, record.no_good_match) == (5, first, False)
    assert record.shown == SHOWN
    assert record.asked_at.tzinfo is not None
    assert abs(utcnow() - record.asked_at) < timedelta(minutes=1)
    with db.session() as session:
        row = session.get(SearchQuery, first)
        assert (row.index_version, row.best_similarity, row.offset, row.refines_id) == ("kb-2026-11-26", 0.71, 0, None)


def test_another_users_query_is_not_theirs_to_read_or_refine(log):
    mine = _ask(log)
    assert log.query_for(mine, OTHER_AAD) is None
    assert log.query_for(mine + 1000, OFFICER_AAD) is None

    # A refinement naming someone else's query (or none that exists) is kept without the link.
    theirs = _ask(log, who=OTHER_AAD, refines_id=mine)
    assert log.query_for(theirs, OTHER_AAD).refines_id is None
    dangling = _ask(log, refines_id=mine + 1000)
    assert log.query_for(dangling, OFFICER_AAD).refines_id is None


def test_an_unknown_officer_is_created_when_their_first_query_is_recorded(db):
    newcomer = "0b6f1b3c-3333-4a4a-9b9b-000000000003"
    query_id = _ask(SearchLog(db), who=newcomer)
    assert Users(db).get(newcomer).name == ""
    assert SearchLog(db).query_for(query_id, newcomer) is not None


def test_feedback_from_the_owner_is_kept_and_a_second_click_changes_it(log, db):
    query_id = _ask(log)
    assert log.feedback_for(query_id, OFFICER_AAD) is None

    assert log.record_feedback(query_id, OFFICER_AAD, helpful=True) is True
    assert log.feedback_for(query_id, OFFICER_AAD) is True
    assert log.record_feedback(query_id, OFFICER_AAD.upper(), helpful=False) is True
    assert log.feedback_for(query_id, OFFICER_AAD) is False
    assert _count(db, SearchFeedback) == 1
    with db.session() as session:
        row = session.get(SearchFeedback, (query_id, OFFICER_AAD))
        assert row.updated_at >= row.created_at


def test_feedback_on_someone_elses_or_a_missing_query_changes_nothing(log, db):
    query_id = _ask(log)
    log.record_feedback(query_id, OFFICER_AAD, helpful=True)

    assert log.record_feedback(query_id, OTHER_AAD, helpful=False) is False
    assert log.record_feedback(query_id + 1000, OFFICER_AAD, helpful=False) is False
    assert _count(db, SearchFeedback) == 1
    assert log.feedback_for(query_id, OFFICER_AAD) is True
    assert log.feedback_for(query_id, OTHER_AAD) is None


def test_an_evidence_request_is_made_once_per_query_and_only_by_its_owner(log, db):
    nothing = _ask(log, "what works for hare coursing", no_good_match=True, best_similarity=0.22, shown=[])
    other = _ask(log, "what works for fly-tipping", no_good_match=True, best_similarity=None, shown=[])

    request_id = log.request_evidence(nothing, OFFICER_AAD)
    assert request_id is not None
    assert log.request_evidence(nothing, OFFICER_AAD.upper()) == request_id
    assert log.request_evidence(nothing, OTHER_AAD) is None
    assert log.request_evidence(nothing + 1000, OFFICER_AAD) is None
    assert _count(db, EvidenceRequest) == 1

    second = log.request_evidence(other, OFFICER_AAD)
    requests = log.open_evidence_requests()
    assert [(r.id, r.query_id, r.text, r.status) for r in requests] == [
        (request_id, nothing, "what works for hare coursing", "open"),
        (second, other, "what works for fly-tipping", "open"),
    ]
    assert requests[0].aad_object_id == OFFICER_AAD

    with db.session() as session:
        session.execute(update(EvidenceRequest).where(EvidenceRequest.id == request_id).values(status="closed"))
    assert [r.id for r in log.open_evidence_requests()] == [second]


def test_gaps_are_no_match_and_not_helpful_queries_since_a_time(log, db):
    since = utcnow() - timedelta(seconds=1)
    old = _ask(log, "what works for scrap metal theft", no_good_match=True, shown=[])
    with db.session() as session:
        session.execute(
            update(SearchQuery).where(SearchQuery.id == old).values(asked_at=since - timedelta(days=30))
        )

    no_match = _ask(log, "what works for hare coursing", no_good_match=True, best_similarity=0.2, shown=[])
    unhelpful = _ask(log, "what works for shed burglary", crime_type="burglary-other", who=OTHER_AAD)
    helpful = _ask(log, "what works for burglary in terraced streets")
    unrated = _ask(log, "what works for cycle theft")
    both = _ask(log, "what works for dog theft", no_good_match=True, shown=[])
    law = _ask(log, "max sentence for a second knife possession", no_good_match=True, asks_for_other=True, shown=[])
    _ask(log, "knife crime prevention", asks_for_other=True)  # answered: kept only with no good match
    log.record_feedback(unhelpful, OTHER_AAD, helpful=False)
    log.record_feedback(helpful, OFFICER_AAD, helpful=True)
    log.record_feedback(both, OFFICER_AAD, helpful=False)

    gaps = log.gaps(since)
    assert [(g.query_id, g.reason) for g in gaps] == [
        (no_match, "no-match"),
        (unhelpful, "not-helpful"),
        (both, "no-match"),
        (law, "asks-for-other"),
    ]
    assert gaps[1].text == "what works for shed burglary"
    assert gaps[1].crime_type == "burglary-other"
    assert all(g.asked_at >= since for g in gaps)
    assert unrated not in {g.query_id for g in gaps}

    # A naive time is read as UTC; the old query appears once the window reaches it.
    naive = (since - timedelta(days=31)).replace(tzinfo=None)
    assert [g.query_id for g in log.gaps(naive)][0] == old


def test_deleting_a_user_deletes_their_queries_feedback_and_requests(log, db):
    mine = _ask(log, no_good_match=True, shown=[])
    log.record_feedback(mine, OFFICER_AAD, helpful=False)
    log.request_evidence(mine, OFFICER_AAD)
    theirs = _ask(log, who=OTHER_AAD, refines_id=None)

    with db.session() as session:
        session.execute(delete(User).where(User.aad_object_id == OFFICER_AAD))

    assert _count(db, SearchQuery) == 1
    assert _count(db, SearchFeedback) == 0
    assert _count(db, EvidenceRequest) == 0
    assert log.query_for(theirs, OTHER_AAD) is not None


def test_deleting_a_query_unlinks_its_refinements(log, db):
    first = _ask(log)
    more = _ask(log, offset=5, refines_id=first)
    with db.session() as session:
        session.execute(delete(SearchQuery).where(SearchQuery.id == first))
    assert log.query_for(more, OFFICER_AAD).refines_id is None


def test_models_and_migrations_agree(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def _alembic_config(connection) -> Config:  # type: ignore[no-untyped-def]
    config = Config(str(MIGRATIONS_DIR.parent / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # alembic.ini predates Alembic 1.16's path_separator; without it Alembic warns (an error here).
    if not config.get_main_option("path_separator"):
        config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_the_search_log_migration_downgrades_and_upgrades_again(db, log):
    _ask(log)
    assert SEARCH_TABLES <= _tables(db)

    with db.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0001")
    assert not SEARCH_TABLES & _tables(db)
    assert Users(db).get(OFFICER_AAD).name == "Alex Morgan"

    with db.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    assert SEARCH_TABLES <= _tables(db)
    assert log.query_for(_ask(log), OFFICER_AAD) is not None


def test_a_fresh_sqlite_database_migrates_up_and_back_down(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with db.engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "head")
        assert SEARCH_TABLES <= _tables(db)
        with db.engine.begin() as connection:
            command.downgrade(_alembic_config(connection), "0001")
        assert not SEARCH_TABLES & _tables(db)
        assert "users" in _tables(db)
    finally:
        db.dispose()


def test_the_latest_question_is_the_officers_own_asked_in_the_chat_and_recent(log, db):
    assert log.latest_for(OFFICER_AAD, utcnow() - timedelta(minutes=30)) is None
    chat = _ask(log, "what works for shed burglary")
    _ask(log, "bur", asked_in="search")  # typed into the messaging extension's search box
    _ask(log, "what works for phone snatching", who=OTHER_AAD)
    latest = log.latest_for(OFFICER_AAD.upper(), utcnow() - timedelta(minutes=30))
    assert latest is not None and (latest.id, latest.text) == (chat, "what works for shed burglary")
    assert log.latest_for(OFFICER_AAD, utcnow() + timedelta(seconds=1)) is None  # none asked since
