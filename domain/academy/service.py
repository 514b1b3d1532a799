"""The Academy as one service: every part, on one database, clock and audit log."""

from __future__ import annotations

from domain.academy.assessment import SelfAssessment
from domain.academy.csv_import import CsvEnrolment
from domain.academy.export import MarkdownExport
from domain.academy.journal import Journal
from domain.academy.plans import Plans
from domain.academy.progress import Progress
from domain.academy.prompt_settings import PromptPreferences
from domain.academy.reflections import Reflections

__all__ = ["Academy"]


class Academy(CsvEnrolment, Progress, SelfAssessment, Journal, Reflections, Plans, MarkdownExport, PromptPreferences):
    """The Academy's cohorts and each participant's reflective practice.

    Each part is a class of its own, built on the same collaborators, and may be used
    alone: cohorts and enrolment (:class:`~domain.academy.cohorts.Cohorts`, with CSV
    files in :class:`~domain.academy.csv_import.CsvEnrolment`), progress, the
    self-assessment, the journal, six-hats reflections, action plans, the export and each
    participant's prompt settings (:class:`~domain.academy.prompt_settings.PromptPreferences`).

    Args:
        database: the assistant's database.
        clock: the current time (aware, UTC), stamped on what is saved.
        audit: the audit log enrolments by Hub staff are written to; by default one on
            the same database and clock.
    """
