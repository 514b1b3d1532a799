"""Guided dialogs, one per file, on the shared base in ``dialogs.base``."""

from dialogs.base import AnswerError, GuidedDialog, Question

__all__ = ["AnswerError", "GuidedDialog", "Question"]
