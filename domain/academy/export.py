"""The export: everything a participant has written (journal, six-hats reflections and
action plans) as one Markdown document for them to keep.

Their text is kept as they wrote it, but a line that Markdown would read as structure is
escaped so that it stays part of their answer.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from domain.academy.dates import local_long_day, long_day
from domain.academy.journal import entry_view
from domain.academy.plans import plans_of
from domain.academy.questions import GIBBS, HATS, STAGES
from domain.academy.records import JournalEntry, Plan, Reflection
from domain.academy.reflections import reflections_of
from domain.academy.store import AcademyStore
from domain.models import AcademyJournalEntry, User

__all__ = ["MarkdownExport"]

# A line of officer text that Markdown would read as structure: a heading, quote, list
# item, rule, table row, code fence, HTML block or link definition.
_BLOCK_START = re.compile(r"(#|>|[-+*=_|~`<\[]|\d+[.)])")


class MarkdownExport(AcademyStore):
    """A participant's own reflective practice as a Markdown document."""

    def export_markdown(self, aad: str) -> str:
        """The asker's journal (oldest first), six-hats reflections and action plans as Markdown.

        Their text is kept as they wrote it, but a line that Markdown would read as a
        heading, list, quote or the like is escaped so it stays part of their answer.
        """
        key = aad.lower()
        with self._db.session() as session:
            name = session.scalar(select(User.name).where(User.aad_object_id == key)) or ""
            entries = session.scalars(
                select(AcademyJournalEntry)
                .where(AcademyJournalEntry.aad_object_id == key)
                .order_by(AcademyJournalEntry.written_on, AcademyJournalEntry.created_at, AcademyJournalEntry.id)
            ).all()
            journal = [entry_view(row) for row in entries]
            reflections = list(reversed(reflections_of(session, key)))
            plans = list(reversed(plans_of(session, key)))
        out = ["# Reflective practice" + (f": {_md_inline(name)}" if name else ""), ""]
        out += [f"Exported on {local_long_day(self._clock())}.", ""]
        out += _journal(journal)
        out += _reflections(reflections, {plan.id: plan.cohort_name for plan in plans})
        out += _plans(plans)
        return "\n".join(out).rstrip() + "\n"


def _journal(journal: list[JournalEntry]) -> list[str]:
    """The journal section: each day's answers, blank questions left out."""
    out = ["## Journal", ""]
    if not journal:
        out += ["No journal entries yet.", ""]
    for entry in journal:
        out += [f"### {entry.written_on:%A} {long_day(entry.written_on)}", ""]
        for key, question, _ in GIBBS:
            if entry.answers[key]:
                out += [f"**{question}**", "", _md(entry.answers[key] or ""), ""]
    return out


def _reflections(reflections: list[Reflection], plan_names: dict[int, str]) -> list[str]:
    """The six-hats section: every hat, skipped ones marked, and what each is attached to."""
    out = ["## Six hats reflections", ""]
    if not reflections:
        out += ["No six hats reflections yet.", ""]
    for reflection in reflections:
        out += [f"### {_md_inline(reflection.topic)}", "", f"*{local_long_day(reflection.created_at)}*", ""]
        for key, colour, what, _ in HATS:
            answer = reflection.answers[key]
            out += [f"**{colour} hat: {what.split(':')[0]}**", "", _md(answer) if answer else "*Skipped*", ""]
        if reflection.plan_id in plan_names:
            out += [f"Attached to the action plan for {_md_inline(plan_names[reflection.plan_id])}", ""]
        if reflection.submission_reference:
            out += [f"Attached to submission {_md_inline(reflection.submission_reference)}", ""]
    return out


def _plans(plans: list[Plan]) -> list[str]:
    """The action plans section: each plan's status, problem and the four SARA stages."""
    out = ["## Action plans", ""]
    if not plans:
        out += ["No action plan yet.", ""]
    for plan in plans:
        status = f"completed on {local_long_day(plan.completed_at)}" if plan.completed_at else "not yet complete"
        out += [f"### Action plan for {_md_inline(plan.cohort_name)}", ""]
        out += [f"Due {long_day(plan.due_on)}; {status}.", ""]
        out += ["**The problem**", "", _md(plan.problem), ""]
        for stage, title, fields in STAGES:
            out += [f"#### {title}", ""]
            saved = plan.stages.get(stage)
            if saved is None:
                out += ["*Not written yet*", ""]
                continue
            for field, question in fields:
                value = saved.get(field)
                if field == "cited_entries":
                    if value:
                        out += [f"**{question}**", "", *(f"- {_md_inline(v)}" for v in value), ""]
                elif value:
                    out += [f"**{question}**", "", _md(value), ""]
    return out


def _md_line(line: str) -> str:
    line = line.strip()
    match = _BLOCK_START.match(line)
    if match is None:
        return line
    if match[1][0].isdigit():  # "1." or "1)": escape the dot or bracket
        return f"{match[1][:-1]}\\{match[1][-1]}{line[match.end():]}"
    return "\\" + line


def _md(text: str) -> str:
    """Officer text as Markdown paragraphs that cannot change the document's structure."""
    return "\n".join(_md_line(line) for line in text.splitlines())


def _md_inline(text: str) -> str:
    """Officer text for a heading: one line, with nothing that ends or restarts it."""
    return _md_line(" ".join(text.split()).replace("#", "\\#"))
