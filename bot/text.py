"""Showing text safely in Teams.

Teams renders Markdown in messages and Adaptive Card text blocks, and some HTML in
messages. Text that someone typed (or any text not written as Markdown by the Hub) goes
through :func:`plain` so it shows as written: no formatting, links, headings or mentions
can be injected through it.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_\[\]<>~#|])")
_LIST_START = re.compile(r"^(\d+)([.)])|^([-+])")


def plain(text: str, *, limit: int | None = None) -> str:
    """``text`` with Markdown and HTML characters escaped, and cut to ``limit`` if given."""
    text = " ".join(str(text).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    text = _SPECIAL.sub(r"\\\1", text)
    text = _LIST_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", text)
    # Break "scheme://" so an address typed as text is not made into a live link.
    return re.sub(r"(?i)\b(https?|ftp|file|mailto)(\\?:)", lambda m: m.group(1) + "\u200b" + m.group(2), text)
