"""The command recogniser: exact phrases, never substring order.

Text is normalised (Teams ``<at>`` mentions removed, case and spacing folded, trailing
punctuation dropped) and then matched against each command's phrases exactly, or as a
prefix followed by an argument for the commands that take one (``status PF-2026-0042``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Recognised", "recognise", "normalise", "COMMANDS"]

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"\s+")

# name -> (exact phrases, prefixes that take an argument)
COMMANDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "help": (("help", "?", "menu", "start", "hi", "hello", "commands"), ()),
    "what works": (("what works",), ("what works for", "what works on", "what works")),
    "submit": (("submit", "i have an idea", "new problem", "new idea", "portal"), ()),
    "my submissions": (("my submissions",), ()),
    "status": ((), ("status",)),
    "academy": (("academy", "reflective practice"), ()),
    "journal": (("journal", "new journal entry"), ()),
    "my journal": (("my journal",), ("my journal", "my journal page")),
    "export": (("export", "export my journal", "export journal", "export my reflections"), ()),
    "self-assessment": (("self-assessment", "self assessment", "my self-assessment"), ()),
    "my reflections": (("my reflections", "reflections"), ()),
    "attach": ((), ("attach",)),
    "cohort": (("cohort", "cohorts", "cohort new"), ("cohort new",)),
    "enrol": (("enrol", "enroll", "enrol csv", "enroll csv"), ("enrol", "enroll")),
    "six hats": (("six hats", "6 hats"), ("six hats on", "six hats")),
    "action plan": (("action plan", "my action plan"), ()),
    "hub": (("hub", "hub tools"), ()),
    "queue": (("queue", "triage"), ()),
    "open": (("open",), ("open",)),
    "change status": (("change status", "set status"), ("change status", "set status")),
    "assign": (("assign",), ("assign",)),
    "merge": (("merge",), ("merge",)),
    "ask": ((), ("ask",)),
    "roles": (("roles",), ()),
    "grant": (("grant",), ("grant",)),
    "revoke": (("revoke",), ("revoke",)),
    "report": (("report",), ("report",)),
    "knowledge status": (("knowledge status", "knowledge base status", "index status"), ()),
    "reindex": (("reindex", "re-index", "rebuild the index"), ()),
    "gaps": (("gaps", "knowledge gaps", "gap report"), ("gaps", "knowledge gaps", "gap report")),
}


@dataclass(frozen=True)
class Recognised:
    """A recognised command and the text after it (empty when it takes none)."""

    name: str
    argument: str = ""


def normalise(text: str | None) -> str:
    """Fold a message into the form commands are matched in."""
    text = _MENTION.sub(" ", text or "")
    text = _SPACES.sub(" ", text).strip().lower()
    return text.rstrip(".!?") if text not in {"?"} else text


def recognise(text: str | None) -> Recognised | None:
    """Return the command ``text`` names, or None when it is not a command."""
    folded = normalise(text)
    if not folded:
        return None
    for name, (exact, _) in COMMANDS.items():
        if folded in exact:
            return Recognised(name)
    original = _SPACES.sub(" ", _MENTION.sub(" ", text or "")).strip()
    best: tuple[int, str] | None = None
    for name, (_, prefixes) in COMMANDS.items():
        for prefix in prefixes:
            if folded.startswith(prefix + " ") and (best is None or len(prefix) > best[0]):
                best = (len(prefix), name)
    if best is None:
        return None
    return Recognised(best[1], original[best[0]:].strip())
