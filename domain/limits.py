"""How long an officer's free text may be, checked before anything else reads it.

Every answer, card field, note and question the Hub keeps is at most ``MAX_TEXT`` characters.
Longer text is refused with its length and the limit, and is neither searched nor checked for
personal data.
"""

from __future__ import annotations

__all__ = ["MAX_TEXT", "too_long"]

MAX_TEXT = 4000


def too_long(text: str, limit: int = MAX_TEXT, *, what: str = "That") -> str | None:
    """What to tell the officer when ``text`` is over ``limit`` characters, None when it is not.

    For example ``"That is 12,000 characters; the limit is 4,000."``; ``what`` names the text
    (``"Your answer to What happened?"``).
    """
    if len(text) <= limit:
        return None
    return f"{what} is {len(text):,} characters; the limit is {limit:,}."
