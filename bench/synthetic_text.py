"""The wording of synthetic knowledge entries: word lists, templates and paragraph pools.

The word lists and sentence templates live in ``bench/synthetic.json``: tactics (with the
crime types, settings and partners each plausibly fits), places, forces, study designs,
summary and body sentence templates, and the questions officers type. This module loads
them once and turns them into text: template filling, YAML quoting, wrapping, and the fixed
paragraph pools each body heading draws from.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

__all__ = [
    "Tactic",
    "TACTICS",
    "SETTINGS",
    "WHERE",
    "OFFICER_TERMS",
    "TOWNS",
    "FORCES",
    "OPERATIONS",
    "SURNAMES",
    "DESIGNS",
    "LEADS",
    "RESEARCH_OUTCOMES",
    "RESEARCH_SECOND",
    "PRACTICE_OPENERS",
    "PRACTICE_SECOND",
    "EDIT_FINDINGS",
    "SECTION_SLOTS",
    "QUERY_TEMPLATES",
    "question",
    "EFFECTS",
    "Pools",
    "slug",
    "words",
    "yaml_quote",
    "yaml_list",
    "fill",
    "long_date",
    "crime_phrase",
    "compose",
    "wrap",
    "paragraphs_per_heading",
    "paragraph_pools",
]

VOCABULARY = Path(__file__).resolve().with_name("synthetic.json")

MAX_PARAGRAPHS_PER_HEADING = 600
MIN_PARAGRAPHS_PER_HEADING = 20
PARAGRAPH_WORDS = (60, 90)
WRAP = 92

EFFECTS = ("reduced", "mixed", "no-effect", "increased", "unknown")


@dataclass(frozen=True)
class Tactic:
    """A prevention tactic and the crime types, settings and partners it plausibly fits."""

    name: str
    short: str  # how an officer would type it in a question
    desc: str  # a gerund phrase: what the tactic does
    tags: tuple[str, ...]
    crimes: tuple[str, ...]
    settings: tuple[str, ...]
    partners: tuple[str, ...]

    @property
    def slug(self) -> str:
        return slug(self.name)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value)


def _by_key(value: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    return {str(key): _strings(items) for key, items in value.items()}


_DATA: dict[str, Any] = json.loads(VOCABULARY.read_text(encoding="utf-8"))

TACTICS: tuple[Tactic, ...] = tuple(
    Tactic(
        str(t["name"]), str(t["short"]), str(t["desc"]), _strings(t["tags"]), _strings(t["crimes"]),
        _strings(t["settings"]), _strings(t["partners"]),
    )
    for t in _DATA["tactics"]
)
# Setting key -> (the free term written to `settings`, a phrase with a {town} slot).
SETTINGS: dict[str, tuple[str, str]] = {
    str(key): (str(term), str(phrase)) for key, (term, phrase) in _DATA["settings"].items()
}
# How an officer might say where the problem is, per setting key (none for settings that
# describe where the response happens rather than where the crime does).
WHERE: dict[str, tuple[str, ...]] = _by_key(_DATA["where"])
# Crime-type noun phrases for titles and summaries, by taxonomy term id. Terms not listed
# here (a taxonomy edited after this table) fall back to their lower-cased label.
CRIME_PHRASES: dict[str, str] = {str(key): str(value) for key, value in _DATA["crime_phrases"].items()}
# What officers type for each crime type, abbreviations included.
OFFICER_TERMS: dict[str, tuple[str, ...]] = _by_key(_DATA["officer_terms"])
TOWNS: tuple[str, ...] = tuple(
    prefix + suffix for prefix in _strings(_DATA["town_prefixes"]) for suffix in _strings(_DATA["town_suffixes"])
)
FORCES: tuple[str, ...] = _strings(_DATA["forces"])
OPERATIONS: tuple[str, ...] = _strings(_DATA["operations"])
SURNAMES: tuple[str, ...] = _strings(_DATA["surnames"])
DESIGNS: tuple[str, ...] = _strings(_DATA["designs"])
DESIGN_PLURALS: tuple[str, ...] = _strings(_DATA["design_plurals"])
LEADS: tuple[str, ...] = _strings(_DATA["leads"])
GENERIC_PARTNERS: tuple[str, ...] = _strings(_DATA["generic_partners"])
NUMBER_WORDS: tuple[str, ...] = _strings(_DATA["number_words"])
MONTHS: tuple[str, ...] = _strings(_DATA["months"])

# Summary wording.
RESEARCH_OUTCOMES: dict[str, tuple[str, ...]] = _by_key(_DATA["research_outcomes"])
RESEARCH_SECOND: dict[str, tuple[str, ...]] = _by_key(_DATA["research_second"])
PRACTICE_OPENERS: tuple[str, ...] = _strings(_DATA["practice_openers"])
PRACTICE_SECOND: tuple[str, ...] = _strings(_DATA["practice_second"])
EDIT_FINDINGS: dict[str, tuple[str, ...]] = _by_key(_DATA["edit_findings"])

# Body paragraph wording: each heading is a list of slots; a paragraph takes one sentence
# from each slot in order, then extra sentences from the heading's last slot until it is
# long enough.
EFFECT_LEADS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    str(effect): (_strings(parts["leads"]), _strings(parts["details"]))
    for effect, parts in _DATA["effect_leads"].items()
}
EFFECT_EVIDENCE: tuple[str, ...] = _strings(_DATA["effect_evidence"])
SECTION_SLOTS: dict[str, tuple[tuple[str, ...], ...]] = {
    str(heading): tuple(_strings(slot) for slot in slots) for heading, slots in _DATA["section_slots"].items()
}
QUERY_TEMPLATES: tuple[str, ...] = _strings(_DATA["query_templates"])
del _DATA


# ---------------------------------------------------------------------------------------
# Text helpers

def slug(text: str) -> str:
    """Lowercase letters, digits and single hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def words(text: str) -> int:
    """How many words ``text`` has."""
    return len(text.split())


def yaml_quote(text: str) -> str:
    """A YAML scalar for any string: JSON strings are valid double-quoted YAML."""
    return json.dumps(text, ensure_ascii=False)


def yaml_list(items: Sequence[str]) -> str:
    """A YAML flow list of quoted strings."""
    return "[" + ", ".join(yaml_quote(item) for item in items) + "]"


def fill(template: str, rng: random.Random) -> str:
    """A template with its number, duration and partner slots filled at random."""
    if "{" not in template:
        return template
    return template.format(
        p=rng.randint(8, 40),
        k=rng.randint(10, 30),
        n=rng.choice(NUMBER_WORDS),
        months=rng.choice(MONTHS),
        design_plural=rng.choice(DESIGN_PLURALS),
        partner=rng.choice(GENERIC_PARTNERS),
        lead=rng.choice(LEADS),
        hours=rng.randrange(10, 65, 5),
        thousands=rng.randrange(5, 85, 5),
        years=rng.choice(NUMBER_WORDS[:4]),
        ratio=f"{rng.uniform(1.2, 6.0):.2f}",
    )


def long_date(day: dt.date) -> str:
    """``day`` as it reads in a sentence: "26 October 2026"."""
    return f"{day.day} {day:%B %Y}"


def crime_phrase(term: str, label: str) -> str:
    """The noun phrase for a crime type in titles and summaries."""
    return CRIME_PHRASES.get(term, label.lower())


# ---------------------------------------------------------------------------------------
# Paragraph pools


def compose(slots: Sequence[Sequence[str]], rng: random.Random) -> str:
    """One paragraph of 50-90 words: a sentence from each slot, padded from the last slot."""
    lo, hi = PARAGRAPH_WORDS
    while True:
        chosen = [rng.choice(slot) for slot in slots]
        extras = [template for template in slots[-1] if template not in chosen]
        rng.shuffle(extras)
        for extra in extras:
            if words(" ".join(chosen)) >= lo:
                break
            chosen.append(extra)
        text = " ".join(fill(template, rng) for template in chosen)
        if lo <= words(text) <= hi:
            return text


def _effect_slots(effect: str) -> tuple[tuple[str, ...], ...]:
    leads, details = EFFECT_LEADS[effect]
    return (leads, details, EFFECT_EVIDENCE)


def wrap(text: str) -> str:
    """``text`` wrapped as body paragraphs are written."""
    return textwrap.fill(text, width=WRAP, break_on_hyphens=False, break_long_words=False)


def _pool(slots: Sequence[Sequence[str]], size: int, seed: str) -> list[str]:
    """``size`` distinct wrapped paragraphs, the same for the same seed."""
    rng = random.Random(seed)
    seen: set[str] = set()
    pool: list[str] = []
    attempts = 0
    while len(pool) < size:
        attempts += 1
        if attempts > size * 50:
            raise RuntimeError(f"cannot compose {size} distinct paragraphs for {seed!r}")
        text = compose(slots, rng)
        if text not in seen:
            seen.add(text)
            pool.append(wrap(text))
    return pool


def paragraphs_per_heading(n: int) -> int:
    """The size of each heading's paragraph pool for a base of ``n`` entries.

    It grows with the base up to 600, so that even a small base reuses paragraphs (most
    texts are shared) while a large one has varied bodies.
    """
    return max(MIN_PARAGRAPHS_PER_HEADING, min(MAX_PARAGRAPHS_PER_HEADING, n // 10))


@dataclass(frozen=True)
class Pools:
    """The paragraphs each body heading draws from (Effect by evidence effect)."""

    effect: dict[str, list[str]]
    sections: dict[str, list[str]]


def paragraph_pools(size: int, seed: int) -> Pools:
    """Every heading's pool of ``size`` paragraphs, the same for the same seed."""
    effect = {e: _pool(_effect_slots(e), size, f"{seed}:Effect:{e}") for e in EFFECTS}
    sections = {h: _pool(slots, size, f"{seed}:{h}") for h, slots in SECTION_SLOTS.items()}
    return Pools(effect, sections)


def question(tactic: Tactic, term: str, rng: random.Random) -> str:
    """One question of the kind officers type, about ``tactic`` against crime type ``term``."""
    crime = rng.choice(OFFICER_TERMS.get(term, (term.replace("-", " "),)))
    places = WHERE[rng.choice(tactic.settings)]
    where = rng.choice(places) if places and rng.random() < 0.8 else ""
    plural = tactic.short.endswith("s") and not tactic.short.endswith("ss")
    text = rng.choice(QUERY_TEMPLATES).format(
        crime=crime, tactic=tactic.short, where=where,
        does="do" if plural else "does", is_="are" if plural else "is")
    text = re.sub(r"\s+", " ", text).replace(" ,", ",").replace(" ?", "?").strip()
    if rng.random() < 0.15:
        text = text[0].upper() + text[1:]
    return text
