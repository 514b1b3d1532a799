"""Nothing an officer typed reaches the log when saving it fails.

The database refuses each write that holds officers' text (a submission, a journal entry, a
six hats reflection, an action plan stage, a reply to a Hub question) while an officer goes
through the bot as in Teams. The database's error quotes the statement with its values (and on
PostgreSQL the refusal's own message quotes the row), so the log lines are written with the
service's own formatter and searched for every piece of text the officer typed. The officer is
told that something went wrong, with a reference that is in the log, and nothing is confirmed
as saved. The formatter's own rules (no message of an exception or of those it was raised from
or during) and the libraries kept quiet at DEBUG are checked at the end.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.app import SERVICES, Services, create_app
from bot.logs import configure_logging, log_formatter
from domain.academy import Module
from domain.clock import london_today
from domain.models import Role, Submission, SubmissionQuestion
from domain.portal import Kind, NewSubmission
from domain.settings import Settings
from tests.dialogs.test_submission import Chat
from tests.fakes import OFFICER_AAD

HUB_AAD = "1a000000-0000-4000-8000-0000000000b1"
FAILED = "Sorry, something went wrong on my side."


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def services(request: pytest.FixtureRequest, aiohttp_client, tmp_path: Path) -> Services:  # type: ignore[no-untyped-def]
    url = (f"sqlite:///{tmp_path / 'bot.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    settings = Settings.from_env({
        "DATABASE_URL": url,
        "INDEX_DIR": str(tmp_path / "no-index"),
        "DISTRICTS": "Watford,Stevenage,Dacorum",
        "SCHEDULER_SECONDS": "3600",
    })
    client = await aiohttp_client(create_app(settings))
    return client.app[SERVICES]


def chat_as(services: Services, connector, aad: str = OFFICER_AAD, name: str = "Alex Morgan") -> Chat:  # type: ignore[no-untyped-def]
    """A chat through the bot whose failed turns go to the app's own turn-error handler."""
    chat = Chat(services, connector.service_url, aad=aad, name=name)
    chat.adapter.on_turn_error = services.adapter.on_turn_error
    return chat


def refuse(services: Services, table: str, operation: str) -> None:
    """Make the database refuse every ``operation`` (INSERT, UPDATE or UPDATE OF a column) on
    ``table`` with its own error; on PostgreSQL the error's message quotes the refused row, as
    constraint errors quote the values they refuse."""
    with services.database.engine.begin() as connection:
        if services.database.dialect == "sqlite":
            connection.execute(text(f"CREATE TRIGGER refuse_{table} BEFORE {operation} ON {table} "
                                    "BEGIN SELECT RAISE(ABORT, 'write refused'); END"))
        else:
            connection.execute(text("CREATE OR REPLACE FUNCTION refuse_write() RETURNS trigger AS $$ "
                                    "BEGIN RAISE EXCEPTION 'write refused: %', row_to_json(NEW); END $$ "
                                    "LANGUAGE plpgsql"))
            connection.execute(text(f"CREATE TRIGGER refuse_{table} BEFORE {operation} ON {table} "
                                    "FOR EACH ROW EXECUTE FUNCTION refuse_write()"))


def written_log(records: list[logging.LogRecord]) -> str:
    """The log lines as the service writes them."""
    formatter = log_formatter()
    return "\n".join(formatter.format(record) for record in records)


def assert_failed_and_logged_without(replies: list[str], records: list[logging.LogRecord], typed: list[str]) -> None:
    """The officer was told the turn failed (not that anything was saved), the log has the
    reference they were given and the error's type, and none of ``typed``."""
    assert len(replies) == 1 and replies[0].startswith(FAILED), replies
    reference = replies[0].rsplit("quote reference ", 1)[1].rstrip(".")
    log = written_log(records)
    assert f"turn failed [ref {reference}]" in log
    leaked = [each for each in typed if each.lower() in log.lower()]
    assert leaked == [], f"typed text in the log: {leaked}\n{log}"
    assert "sqlalchemy.exc." in log and "(message not logged)" in log  # the error is logged, by its type


async def test_a_failed_submission_logs_none_of_its_text(services, connector, caplog):
    chat = chat_as(services, connector)
    typed = ["Marrow heists at Quillfield allotments",
             "Plot holder Percival Thistlewood rings 07700 900123 after every raid; the victim Bramwell Oddie lost his marrows.",
             "Thistlewood is the only witness to the raids.",
             "Quillfield plots stay untouched until the harvest show"]
    await chat.say("submit")
    await chat.say("Operational problem")
    await chat.say(typed[0])
    warned = await chat.say(typed[1])
    assert warned[0].startswith("Your answer seems to include personal data:") and "07700 900123" in warned[0]
    await chat.say("keep")
    await chat.say(typed[2])
    for answer in ("burglary", "Watford", "skip", typed[3], "skip"):
        replies = await chat.say(answer)
    assert replies[0].startswith("Here is your submission:"), replies
    refuse(services, "submissions", "INSERT")
    with caplog.at_level(logging.DEBUG):
        replies = await chat.say("submit")
    assert_failed_and_logged_without(replies, caplog.records, [*typed, "07700 900123", "Thistlewood", "Oddie"])
    with services.database.session() as session:
        assert session.scalars(select(Submission)).all() == []


async def test_a_failed_journal_entry_logs_none_of_its_text(services, connector, caplog):
    chat = chat_as(services, connector)
    typed = ["Took a statement at Quillfield; the victim Bramwell Oddie was shaken.",
             "Oddie needs a follow-up visit from the same officer.",
             "Uneasy about the third raid on the Quillfield sheds.",
             "Quick arrival; slow handover to CID.",
             "Raids follow the harvest show calendar.",
             "Ask the allotment society for the show dates."]
    assert (await chat.say("journal"))[0].startswith("What happened?")
    warned = await chat.say(typed[0])
    assert warned[0].startswith("Your answer seems to include personal data:") and "a name" in warned[0]
    await chat.say("keep")
    for answer in typed[1:]:
        replies = await chat.say(answer)
    assert replies[0].startswith("Here is your journal entry:"), replies
    refuse(services, "academy_journal_entries", "INSERT")
    with caplog.at_level(logging.DEBUG):
        replies = await chat.say("save")
    assert_failed_and_logged_without(replies, caplog.records, [*typed, "Oddie", "Quillfield"])
    assert services.academy.academy.journal_page(OFFICER_AAD).total == 0


async def test_a_failed_six_hats_reflection_logs_none_of_its_text(services, connector, caplog):
    chat = chat_as(services, connector)
    typed = ["Marrow raids at Quillfield",
             "Why the Quillfield raids keep happening",
             "Fourteen raids since the harvest show",
             "Plot holders feel abandoned by us",
             "Thistlewood may stop reporting",
             "The allotment society wants to help",
             "Marrow-marking with SmartWater",
             "Meet the Quillfield society chair next week"]
    await chat.say(f"six hats on {typed[0]}")
    for answer in typed[1:]:
        replies = await chat.say(answer)
    assert replies[0].startswith("Here is your six hats reflection:"), replies
    refuse(services, "academy_reflections", "INSERT")
    with caplog.at_level(logging.DEBUG):
        replies = await chat.say("save")
    assert_failed_and_logged_without(replies, caplog.records, [*typed, "Quillfield", "Thistlewood", "SmartWater"])
    assert services.academy.academy.reflections(OFFICER_AAD) == []


async def test_a_failed_action_plan_stage_logs_none_of_its_text(services, connector, caplog):
    academy = services.academy.academy
    services.users.seen(OFFICER_AAD, "Alex Morgan")
    today = london_today()
    cohort = academy.create_cohort("Leaders 7", Module.LEADERSHIP, today - timedelta(days=20),
                                   today - timedelta(days=1), created_by=HUB_AAD)
    academy.enrol(cohort.id, OFFICER_AAD, by=HUB_AAD)
    chat = chat_as(services, connector)
    problem = "Marrow raids at the Quillfield allotments"
    scanning = "Fourteen raids on Quillfield plots since the harvest show, all on Sunday nights near Thistle Lane."
    await chat.say("action plan")
    await chat.say(problem)
    summary = await chat.say(scanning)
    assert summary[0].startswith("Here is your new action plan:"), summary
    refuse(services, "academy_plans", "UPDATE OF stages")  # the plan is started, then its stage is written
    with caplog.at_level(logging.DEBUG):
        replies = await chat.say("save")
    assert_failed_and_logged_without(replies, caplog.records, [scanning, problem, "Quillfield", "Thistle Lane"])
    assert all(plan.stages == {} for plan in academy.plans(OFFICER_AAD))  # the stage is not saved


async def test_a_failed_reply_to_a_hub_question_logs_none_of_its_text(services, connector, caplog):
    reference = services.portal.submissions.create(
        OFFICER_AAD, NewSubmission(Kind.PROBLEM, "Shed burglaries", "Sheds broken into at night.", ["burglary"],
                                   "Watford")).reference
    officer = chat_as(services, connector)
    hub = chat_as(services, connector, HUB_AAD, "Sam Patel")
    await officer.say("help")
    await hub.say("help")
    services.users.set_role(HUB_AAD, Role.HUB)
    asked = await hub.say(f"ask {reference} Which nights are the sheds broken into?")
    assert asked[0].startswith(f"Your question is on its way to the submitter of {reference}."), asked
    first = "Fridays; ring the plot holder Percival Thistlewood on 07700 900123"
    warned = await officer.say(first)
    assert "seems to include personal data" in warned[0] and "07700 900123" in warned[0], warned
    refuse(services, "submission_questions", "UPDATE")
    kept = "Fridays; the plot holder Percival Thistlewood is on 07700 900123"
    with caplog.at_level(logging.DEBUG):
        replies = await officer.say(f"keep: {kept}")
    assert_failed_and_logged_without(replies, caplog.records, [first, kept, "07700 900123", "Thistlewood"])
    with services.database.session() as session:
        assert session.scalars(select(SubmissionQuestion.answer)).all() == [None]


# --- the formatter itself -------------------------------------------------------------------


def _score(answer: str) -> int:
    raise ValueError(f"not a score: {answer!r}")


def test_an_exception_is_written_as_its_types_and_frames_with_no_message_of_its_chain(caplog):
    log = logging.getLogger("tests.privacy")
    with caplog.at_level(logging.ERROR, logger="tests.privacy"):
        try:
            try:
                try:
                    _score("the victim Bramwell Oddie")
                except ValueError as error:
                    raise KeyError("Bramwell Oddie") from error
            except KeyError:
                raise RuntimeError("while reading the answer of Bramwell Oddie")  # noqa: B904 - its context is kept
        except RuntimeError as error:
            log.error("could not read an answer (%s)", error, exc_info=True, extra={"error": error, "step": 3})
    [record] = caplog.records
    logging.Formatter().format(record)  # another handler may format (and cache) the full trace first
    written = log_formatter().format(record)
    assert "Oddie" not in written and "not a score" not in written
    assert written.splitlines()[0].endswith("ERROR tests.privacy could not read an answer (<RuntimeError>)")
    assert "ValueError: (message not logged)" in written and "KeyError: (message not logged)" in written
    assert "RuntimeError: (message not logged)" in written and ", in _score" in written
    assert "The above exception was the direct cause of the following exception:" in written
    assert "During handling of the above exception, another exception occurred:" in written
    assert written.endswith("error=<RuntimeError> step=3")
    assert record.getMessage() == "could not read an answer (while reading the answer of Bramwell Oddie)"  # untouched


@pytest.fixture
def logging_restored():  # type: ignore[no-untyped-def]
    names = ("", "sqlalchemy", "msrest")
    kept = {name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers)) for name in names}
    yield
    for name, (level, handlers) in kept.items():
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).handlers[:] = handlers


def test_at_debug_the_libraries_that_write_statements_or_request_bodies_stay_quiet(logging_restored):
    configure_logging("DEBUG")
    assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)
    assert not logging.getLogger("msrest.http_logger").isEnabledFor(logging.DEBUG)
