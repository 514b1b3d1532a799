"""Checking what people type: answers stripped, blanks as None, limits enforced, and the
small wording helpers the Academy's messages share."""

from __future__ import annotations

from typing import Mapping, Sequence

from domain.academy.records import InvalidAnswer

__all__ = ["MAX_TEXT", "clean_text", "clean_answers", "listed", "fold"]

MAX_TEXT = 4000


def clean_text(value: object, label: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    """``value`` stripped, None when blank; ``label`` names it in the error ("The topic").

    Raises:
        InvalidAnswer: it is not text, is blank when ``required``, or is over ``limit``.
    """
    if value is not None and not isinstance(value, str):
        raise InvalidAnswer(f"{label} should be text.")
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidAnswer(f"{label} can't be empty.")
        return None
    if len(text) > limit:
        raise InvalidAnswer(f"{label} is {len(text):,} characters long; the limit is {limit:,}.")
    return text


def clean_answers(
    given: Mapping[str, object], questions: Sequence[tuple[str, str]], where: str
) -> dict[str, str | None]:
    """Every question's answer (None when blank), refusing answers to questions not asked.

    Raises:
        InvalidAnswer: an answer to a question not in ``questions``, or one too long.
    """
    known = {key for key, _ in questions}
    unknown = sorted(set(given) - known)
    if unknown:
        raise InvalidAnswer(f"There is no '{unknown[0]}' in {where}.")
    return {key: clean_text(given.get(key), f"Your answer to '{question}'") for key, question in questions}


def listed(items: Sequence[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)


def fold(name: str) -> str:
    """A name with its spaces collapsed and capitals folded, for matching names."""
    return " ".join(name.split()).casefold()
