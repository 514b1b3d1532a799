"""Whole numbers typed by people or read from the configuration.

Only the ASCII digits 0 to 9 make a number here, and only so many of them: superscripts
("²"), digits of other scripts ("٣"), signs, separators and very long runs of digits are
not numbers, so they are refused like any other text rather than failing on conversion.
"""

from __future__ import annotations

import re

__all__ = ["ascii_int", "MAX_DIGITS"]

MAX_DIGITS = 9  # up to 999,999,999: more than any count, page, choice or id in the service

_DIGITS = re.compile(r"[0-9]+")


def ascii_int(text: str | None, max_digits: int = MAX_DIGITS) -> int | None:
    """``text`` as a whole number when it is 1 to ``max_digits`` ASCII digits (spaces around
    it aside), otherwise None.

    >>> ascii_int(" 42 "), ascii_int("²"), ascii_int("1²"), ascii_int("٣"), ascii_int("-1")
    (42, None, None, None, None)
    """
    if text is None:
        return None
    stripped = text.strip()
    if not 1 <= len(stripped) <= max_digits or _DIGITS.fullmatch(stripped) is None:
        return None
    return int(stripped)
