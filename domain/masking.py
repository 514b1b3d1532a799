"""Leaving likely personal data out of text that is kept without the officer being asked.

A what-works question is logged for the Hub's gap report; rather than query the officer
about it, each piece of likely personal data (:func:`domain.personal_data.find_personal_data`)
is replaced by a placeholder naming its kind: ``"call 07700 900123"`` is kept as
``"call [phone]"``.
"""

from __future__ import annotations

import re

from domain.personal_data import Finding, find_personal_data

__all__ = ["PLACEHOLDERS", "mask_personal_data", "without_placeholders"]

# What stands in for each kind of personal data in text kept without it.
PLACEHOLDERS = {
    "phone number": "[phone]",
    "e-mail address": "[e-mail]",
    "date of birth": "[date of birth]",
    "vehicle registration": "[vehicle]",
    "crime or custody reference": "[reference]",
    "name": "[name]",
}


def mask_personal_data(text: str) -> tuple[str, list[Finding]]:
    """``text`` with each piece of likely personal data replaced by its placeholder
    (``"call 07700 900123"`` -> ``"call [phone]"``), and what was replaced.

    Used where text is kept without the officer being asked (a what-works question is
    logged for the Hub's gap report): the data is left out rather than queried.
    """
    findings = find_personal_data(text)
    if not findings:
        return text, []
    parts: list[str] = []
    position = 0
    for finding in findings:
        parts += [text[position:finding.start], PLACEHOLDERS[finding.kind]]
        position = finding.end
    parts.append(text[position:])
    return "".join(parts), findings


_PLACEHOLDER = re.compile("|".join(re.escape(placeholder) for placeholder in PLACEHOLDERS.values()))


def without_placeholders(text: str) -> str:
    """Masked text without its placeholders, for searching: "[phone]" or "[vehicle]" are not
    what the officer asked about (``"knife crime, ring [phone]"`` -> ``"knife crime, ring"``)."""
    return " ".join(_PLACEHOLDER.sub(" ", text).split())
