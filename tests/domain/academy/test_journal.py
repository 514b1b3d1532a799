"""The daily journal: read back a page at a time, the streak, once per prompt."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.academy import GIBBS, InvalidAnswer
from tests.domain.academy.support import OFFICER_AAD, OTHER_AAD, UNKNOWN_AAD, gibbs


def test_my_journal_reads_back_latest_first_a_page_at_a_time(academy):
    first = date(2026, 3, 2)
    for n in range(7):
        academy.add_journal_entry(OFFICER_AAD, gibbs(f"Day {n + 1}"), written_on=first + timedelta(days=n))
    academy.add_journal_entry(OTHER_AAD, gibbs("Someone else's day"), written_on=first + timedelta(days=9))

    page = academy.journal_page(OFFICER_AAD)
    assert (page.page, page.pages, page.total) == (1, 2, 7)
    assert [e.answers["description"] for e in page.entries] == ["Day 7", "Day 6", "Day 5", "Day 4", "Day 3"]
    second = academy.journal_page(OFFICER_AAD, page=2)
    assert [e.answers["description"] for e in second.entries] == ["Day 2", "Day 1"]
    assert academy.journal_page(OFFICER_AAD, page=9).page == 2
    assert academy.journal_page(UNKNOWN_AAD) == academy.journal_page(UNKNOWN_AAD, page=3)
    assert academy.journal_page(UNKNOWN_AAD).total == 0
    entry = second.entries[-1]
    assert entry.written_on == first and entry.answers["feelings"] is None and entry.created_at.tzinfo


def test_the_streak_counts_consecutive_days_up_to_today_or_yesterday(academy):
    today = date(2026, 3, 10)
    for days_ago in (1, 2, 3, 5):
        academy.add_journal_entry(OFFICER_AAD, gibbs("x"), written_on=today - timedelta(days=days_ago))
    assert academy.streak(OFFICER_AAD, today) == 3  # none yet today: the run up to yesterday counts
    academy.add_journal_entry(OFFICER_AAD, gibbs("y"), written_on=today)
    academy.add_journal_entry(OFFICER_AAD, gibbs("z"), written_on=today)
    assert academy.streak(OFFICER_AAD, today) == 4
    assert academy.streak(OFFICER_AAD, today + timedelta(days=2)) == 0
    assert academy.streak(OTHER_AAD, today) == 0
    assert academy.journal_days(OFFICER_AAD) == {today - timedelta(days=d) for d in (0, 1, 2, 3, 5)}


def test_a_journal_entry_is_kept_once_per_prompt_and_needs_what_happened(academy):
    day = date(2026, 3, 2)
    first = academy.add_journal_entry(
        OFFICER_AAD, gibbs("Skate park call", feelings="  ", action="Speak to the youth club"),
        written_on=day, prompted=True, source_key="journal:7:2026-03-02",
    )
    again = academy.add_journal_entry(OFFICER_AAD, gibbs("Changed"), written_on=day, source_key="journal:7:2026-03-02")
    assert again == first and first.prompted
    assert first.answers == {
        "description": "Skate park call", "feelings": None, "evaluation": None, "analysis": None,
        "action": "Speak to the youth club",
    }
    # The same key from another person is their own entry.
    theirs = academy.add_journal_entry(OTHER_AAD, gibbs("Mine"), written_on=day, source_key="journal:7:2026-03-02")
    assert theirs.id != first.id
    assert academy.journal_page(OFFICER_AAD).total == 1

    with pytest.raises(InvalidAnswer, match=r"Your answer to 'What happened\?' can't be empty"):
        academy.add_journal_entry(OFFICER_AAD, {"feelings": "Tired"}, written_on=day)
    with pytest.raises(InvalidAnswer, match="is 4,001 characters long; the limit is 4,000"):
        academy.add_journal_entry(OFFICER_AAD, gibbs("x" * 4001), written_on=day)
    assert [key for key, _, _ in GIBBS] == ["description", "feelings", "evaluation", "analysis", "action"]
