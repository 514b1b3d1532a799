"""Reading what a Hub member typed or a card sent: references, statuses, notes, versions."""

from __future__ import annotations

import re
from typing import Any

from bot.text import plain
from domain.hub.records import MAX_TEXT
from domain.personal_data import describe, find_personal_data
from domain.portal.records import Status, normalise_reference

__all__ = ["Invalid", "NOBODY", "split_reference", "strip_word", "parse_status", "is_question", "takes_reference",
           "note", "version", "KEEP", "without_personal_data"]

# Up to five spaces or dashes between the parts ("PF - 2026 - 42"): bounded, so a long run of
# them is passed over in one look.
_REFERENCE = re.compile(r"\s{0,5}(PF[\s\-_–—]{0,5}\d{4}[\s\-_–—]{0,5}\d{1,6})(?=$|[\s,.:;!?])", re.IGNORECASE)
_SEPARATORS = " :,;.-–—"
NOBODY = frozenset({"nobody", "no one", "none", "unassigned"})
# Text starting "keep:" is passed on as written, personal data and all: the writer has said it is needed.
KEEP = re.compile(r"keep\s*:\s*", re.IGNORECASE)


class Invalid(ValueError):
    """What the Hub member asked for cannot be done as given; the message says why."""


def split_reference(text: str) -> tuple[str | None, str]:
    """The reference a command's argument starts with (canonical), and the rest."""
    match = _REFERENCE.match(text or "")
    if match is None:
        return None, (text or "").strip()
    return normalise_reference(match.group(1)), text[match.end():].lstrip(_SEPARATORS).strip()


def strip_word(text: str, *words: str) -> str:
    """``text`` without the first of ``words`` it starts with ("to Sam Patel": "Sam Patel")."""
    for word in words:
        if text.lower().startswith(word + " "):
            return text[len(word) + 1:].strip()
    return text


def parse_status(text: str) -> tuple[Status | None, str]:
    """The status named at the start of ``text`` ("to triaged: note"), and the note."""
    rest = strip_word(text.strip(), "to", "as")
    folded = rest.lower()
    for status in sorted(Status, key=lambda s: -len(s.value)):
        for name in (status.value, status.value.replace("-", " ")):
            if folded == name or (folded.startswith(name) and folded[len(name)] in _SEPARATORS):
                return status, rest[len(name):].lstrip(_SEPARATORS).strip()
    return None, rest


def is_question(argument: str) -> bool:
    """Whether a Hub command's argument reads as words rather than a reference attempt."""
    return bool(argument.strip()) and split_reference(argument)[0] is None \
        and re.search(r"pf|\d", argument, re.IGNORECASE) is None


def note(value: Any, what: str = "The note") -> str | None:
    """Free text from a card or a command, trimmed (None when empty).

    Raises:
        Invalid: it is longer than ``MAX_TEXT``.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    if len(value.strip()) > MAX_TEXT:
        raise Invalid(f"{what} is {len(value.strip()):,} characters; please keep it to {MAX_TEXT:,}.")
    return value.strip()


def without_personal_data(text: str | None, what: str, readers: str) -> str | None:
    """``text`` once checked for likely personal data (call it off the event loop: the
    check reads up to ``MAX_TEXT`` characters); text starting ``keep:`` is taken as written,
    without the word.

    Raises:
        Invalid: personal data was found; the message says what, and how to keep it.
    """
    if text is None:
        return None
    keep = KEEP.match(text)
    if keep:
        return text[keep.end():].strip() or None
    findings = find_personal_data(text)
    if findings:
        raise Invalid(
            f"{what} seems to include personal data: {plain(describe(findings), limit=300)}. {readers} will read it, "
            "and the Hub does not need it to help. Nothing was changed: write it again without it or, if it is "
            "needed, start it with keep: and it goes as written."
        )
    return text


def version(value: Any) -> int | None:
    """The record version a card's data carries, if it is a sensible one."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 <= number < 2**31 else None


def takes_reference(argument: str) -> bool:
    """Whether a Hub command's argument is the command's (not everyday words such as "ask
    the neighbours about it", which are a what-works question for anyone)."""
    return not is_question(argument)
