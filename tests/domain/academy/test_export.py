"""The Markdown export of a participant's own reflective practice."""

from __future__ import annotations

from datetime import date

from tests.domain.academy.support import OFFICER_AAD, OTHER_AAD, UNKNOWN_AAD, gibbs, make_cohort


def test_the_export_holds_my_journal_reflections_and_plan_and_my_text_cannot_break_it(academy):
    cohort = make_cohort(academy)
    academy.add_journal_entry(OFFICER_AAD, gibbs("Second day"), written_on=date(2026, 3, 3))
    academy.add_journal_entry(
        OFFICER_AAD, gibbs("# Not a heading\n- not a list\n1. not numbered\n> not a quote", feelings="Fine"),
        written_on=date(2026, 3, 2),
    )
    academy.add_journal_entry(OTHER_AAD, gibbs("Sam's private day"), written_on=date(2026, 3, 2))
    plan = academy.start_plan(OFFICER_AAD, cohort.id, "Repeat calls to the retail park\n# at night")
    reflection = academy.save_reflection(OFFICER_AAD, "Knife arches", {"white": "Three seizures"})
    academy.attach_reflection(reflection.id, OFFICER_AAD, plan_id=plan.id)
    academy.save_stage(plan.id, OFFICER_AAD, "response", {"response": "Radios", "cited_entries": ["prac-shopwatch"]})

    text = academy.export_markdown(OFFICER_AAD)
    assert text.startswith("# Reflective practice: Alex Morgan\n")
    assert text.index("### Monday 2 March 2026") < text.index("### Tuesday 3 March 2026")
    assert "\\# Not a heading\n\\- not a list\n1\\. not numbered\n\\> not a quote" in text
    assert "**What were you thinking and feeling?**\n\nFine" in text
    assert "### Knife arches" in text and "**White hat: Facts**\n\nThree seizures" in text
    assert "**Red hat: Feelings**\n\n*Skipped*" in text
    assert "Attached to the action plan for Leaders 7" in text
    assert "Due 13 June 2026; not yet complete.\n\n**The problem**\n\nRepeat calls to the retail park\n\\# at night" in text
    assert "#### Response" in text and "- prac-shopwatch" in text and "Radios" in text
    assert "Sam's private day" not in text
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# Reflective practice: Alex Morgan", "## Journal", "### Monday 2 March 2026", "### Tuesday 3 March 2026",
        "## Six hats reflections", "### Knife arches", "## Action plans",
        "### Action plan for Leaders 7",
        "#### Scanning", "#### Analysis", "#### Response", "#### Assessment",
    ]
    assert "No journal entries yet." in academy.export_markdown(UNKNOWN_AAD)
