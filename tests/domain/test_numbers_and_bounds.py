"""Numbers are ASCII digits of a bounded length everywhere they are read; a course's dates are
bounded (it lasts at most a year and starts within two years of today); the settings never
show a secret."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from domain.academy import Academy, InvalidAnswer, Module
from domain.academy.assessment import clean_scores
from domain.academy.questions import ITEMS
from domain.db import Database
from domain.numbers import ascii_int
from domain.settings import Settings, SettingsError
from domain.users import Users

HUB_AAD = "0b6f1b3c-4444-4a4a-9b9b-000000000004"
NOT_NUMBERS = ["²", "1²", "٣", "１", "-1", "+1", "1,000", "1.0", "1 2", "", "   ", "9" * 5000]


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("text, number", [("0", 0), ("7", 7), (" 42 ", 42), ("007", 7), ("999999999", 999999999)])
def test_ascii_digits_are_read_as_a_number(text, number):
    assert ascii_int(text) == number


@pytest.mark.parametrize("text", [*NOT_NUMBERS, "1234567890", None])
def test_other_digits_signs_separators_and_long_runs_are_not_numbers(text):
    assert ascii_int(text) is None


def test_the_length_limit_can_be_set():
    assert ascii_int("12345", max_digits=5) == 12345 and ascii_int("123456", max_digits=5) is None


@pytest.mark.parametrize("variable, typed", [
    ("PORT", "²"), ("PORT", "٣٩٧٨"), ("JOURNAL_DAYS_AFTER", "٣"), ("JOURNAL_DAYS_AFTER", "1²"),
    ("WORKER_THREADS", "9" * 5000), ("TURNS_AT_ONCE", "１６"), ("RETENTION_SUBMISSION_DAYS", "٧٣٠"),
    ("RETENTION_DRAFT_DAYS", "3²"),
])
def test_a_setting_with_a_number_not_in_ascii_digits_stops_start_up_naming_it(variable, typed):
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: typed})


def test_a_self_assessment_score_typed_as_a_superscript_is_refused_not_a_crash():
    scores: dict[str, int | str] = {item: "3" for item, _ in ITEMS}
    assert set(clean_scores(scores).values()) == {3}
    for typed in ("²", "٣", "9" * 5000):
        with pytest.raises(InvalidAnswer, match="from 1"):
            clean_scores({**scores, ITEMS[0][0]: typed})


# --- course dates ---------------------------------------------------------------------------

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)  # a Friday
EXAMPLE = "For example: 2026-12-07 to 2026-12-18."


@pytest.fixture
def academy(db: Database) -> Academy:
    Users(db).seen(HUB_AAD, "Hub Lead")
    return Academy(db, clock=lambda: NOW)


def test_a_cohort_is_found_by_its_id_in_ascii_digits_only(academy):
    cohort = academy.create_cohort("Leaders 7", Module.LEADERSHIP, date(2027, 3, 1), date(2027, 3, 12),
                                   created_by=HUB_AAD)
    assert academy.cohort(str(cohort.id)) == cohort
    for typed in ("²", f"{cohort.id}²", "٣", "9" * 5000, "9" * 30):
        assert academy.cohort(typed) is None


def test_a_200_year_course_is_refused_with_the_limit_and_an_example_and_nothing_is_created(academy):
    with pytest.raises(InvalidAnswer) as refused:
        academy.create_cohort("Leaders 9", Module.LEADERSHIP, date(2026, 3, 2), date(2226, 3, 1), created_by=HUB_AAD)
    assert str(refused.value) == (
        "A course can last at most a year (366 days); 2 March 2026 to 1 March 2226 is 73,048 days. " + EXAMPLE)
    with pytest.raises(InvalidAnswer, match=r"at most a year \(366 days\)"):  # the plan would be due in year 10000
        academy.create_cohort("Leaders 9", Module.LEADERSHIP, date(2026, 12, 7), date(9999, 12, 20), created_by=HUB_AAD)
    assert academy.cohorts() == []


@pytest.mark.parametrize("starts", [date(2029, 1, 4), date(2024, 12, 3), date(1, 1, 1), date(9999, 12, 1)])
def test_a_course_starting_more_than_two_years_away_is_refused(academy, starts):
    with pytest.raises(InvalidAnswer) as refused:
        academy.create_cohort("Leaders 9", Module.LEADERSHIP, starts, starts, created_by=HUB_AAD)
    assert str(refused.value).startswith("A course must start within two years of today, between 4 December 2024 "
                                         "and 4 December 2028;")
    assert str(refused.value).endswith(EXAMPLE)
    assert academy.cohorts() == []


def test_the_limits_themselves_are_allowed(academy):
    earliest = academy.create_cohort("Earliest", Module.FOUNDATION, date(2024, 12, 4), date(2024, 12, 6),
                                     created_by=HUB_AAD)
    latest = academy.create_cohort("Latest", Module.FOUNDATION, date(2028, 12, 4), date(2029, 12, 4),
                                   created_by=HUB_AAD)  # 366 days, the first and the last included
    assert latest.plan_due_on == date(2030, 3, 4) and earliest.plan_due_on == date(2025, 3, 6)
    with pytest.raises(InvalidAnswer, match="367 days"):
        academy.create_cohort("Too long", Module.FOUNDATION, date(2027, 1, 1), date(2028, 1, 2), created_by=HUB_AAD)
    assert sorted(c.name for c in academy.cohorts()) == ["Earliest", "Latest"]


def test_a_csv_line_with_out_of_range_dates_creates_nothing_and_says_why(academy, db):
    Users(db).seen("0b6f1b3c-1111-4a4a-9b9b-000000000001", "Alex Morgan")
    report = academy.import_csv("user,cohort,module,starts_on,ends_on\n"
                                "Alex Morgan,Leaders 9,leadership,2026-03-02,2226-03-01\n", by=HUB_AAD)
    [line] = report.lines
    assert line.outcome == "error" and line.reason.startswith("a course can last at most a year (366 days)")
    assert report.cohorts_created == () and academy.cohorts() == []


# --- the settings' secrets ------------------------------------------------------------------


def test_the_settings_show_the_database_host_but_no_password():
    settings = Settings.from_env({
        "DATABASE_URL": "postgresql+psycopg://user:s3cretPass@db.example.internal/db",
        "MicrosoftAppId": "8f9a1c2e-0000-4000-8000-1234567890ab",
        "MicrosoftAppPassword": "App-Pa55word~secret",
        "ALLOWED_TENANT_IDS": "*",
    })
    assert settings.database_url.endswith("s3cretPass@db.example.internal/db")  # still used to connect
    for shown in (repr(settings), str(settings), f"{settings}"):
        assert "s3cretPass" not in shown and "App-Pa55word~secret" not in shown
        assert "db.example.internal" in shown and "postgresql+psycopg://user:***@db.example.internal/db" in shown
        assert "app_id='8f9a1c2e-0000-4000-8000-1234567890ab'" in shown


def test_a_password_given_as_a_query_parameter_is_hidden_too():
    settings = Settings.from_env({"DATABASE_URL": "postgresql://user@db.example.internal/db?password=s3cretPass"})
    assert "s3cretPass" not in repr(settings) and "password=***" in repr(settings)
