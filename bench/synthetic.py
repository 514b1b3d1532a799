"""Synthetic "what works" knowledge bases for the search benchmark.

The benchmark times building, updating and querying the search index over bases of 1,000,
10,000 and 100,000 entries, far more than the Hub writes by hand. This module writes bases
of that size in the knowledge entry format (one Markdown file with YAML front matter per
entry), deterministically from a seed, so every run measures the same corpus.

Embedding is the dominant cost of a build, and the index embeds each distinct chunk text
once. The entries are shaped with that in mind:

* every entry's title and summary are unique, combined from word lists (tactic, crime type,
  setting and town, with the study design for research or the force and partner for
  practice);
* every body section is drawn from a fixed pool of paragraphs for its heading (at most 600
  per heading, and per evidence effect for Effect), so a base holds at most ``n`` + 8,400
  distinct texts besides its questions, however large ``n`` is;
* like every real entry, each lists two to four ways officers ask for it (``asked``), written
  from the same templates as the benchmark's questions for its tactic and crime types, so
  many entries share a question.

Research entries use the EMMIE headings (Effect, Mechanism, Moderators, Implementation,
Economic cost); practice entries use Problem, Response, Outcomes, Contact and Lessons. Every
entry links to ``https://example.org/synthetic/<id>`` so it can never be mistaken for a
real one. The word lists and templates are in ``bench/synthetic.json``
(see :mod:`bench.synthetic_text`).

Command line::

    python -m bench.synthetic /tmp/syn10k 10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import yaml

from bench.synthetic_edit import edit_one
from bench.synthetic_text import (
    DESIGNS,
    EFFECTS,
    FORCES,
    LEADS,
    OPERATIONS,
    PRACTICE_OPENERS,
    PRACTICE_SECOND,
    RESEARCH_OUTCOMES,
    RESEARCH_SECOND,
    SETTINGS,
    SURNAMES,
    TACTICS,
    TOWNS,
    Pools,
    Tactic,
    crime_phrase,
    fill,
    paragraph_pools,
    paragraphs_per_heading,
    question,
    words,
    yaml_list,
    yaml_quote,
)

__all__ = ["DEFAULT_TAXONOMY", "generate", "is_current", "edit_one", "queries", "main"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TAXONOMY = ROOT / "knowledge" / "taxonomy.yaml"

RESEARCH_SHARE = 0.6
SUMMARY_WORDS = (30, 45)
FIRST_PUBLISHED = dt.date(2018, 1, 1)
LAST_PUBLISHED = dt.date(2026, 6, 30)
HUB_EMAIL = "prevention.first@example.police.uk"

RESEARCH_HEADINGS = ("Effect", "Mechanism", "Moderators", "Implementation", "Economic cost")
PRACTICE_HEADINGS = ("Problem", "Response", "Outcomes", "Contact", "Lessons")

EFFECT_WEIGHTS = (40, 20, 15, 5, 20)
QUALITIES = ("strong", "moderate", "limited", "very-limited")
QUALITY_WEIGHTS = (15, 35, 30, 20)
ASKED = (2, 4)  # how many questions an entry's asked list holds, at least and at most
# Changes whenever the same seed writes different entries: a base kept from before is then
# written again (``is_current``).
GENERATOR = "2: entries list how officers ask for them"
MARKER = ".generator"


# ---------------------------------------------------------------------------------------
# Entries


def load_terms(taxonomy_path: Path) -> dict[str, str]:
    """Crime-type term ids and their labels from a taxonomy file."""
    data = yaml.safe_load(taxonomy_path.read_text(encoding="utf-8"))
    terms = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(terms, dict) or not terms:
        raise ValueError(f"{taxonomy_path}: no `terms` mapping")
    return {str(term): str((spec or {}).get("label", term)) for term, spec in terms.items()}


def _usable_tactics(terms: dict[str, str]) -> list[Tactic]:
    """The tactics restricted to crime types the taxonomy lists (dropping those left with none)."""
    usable = []
    for tactic in TACTICS:
        crimes = tuple(c for c in tactic.crimes if c in terms)
        if crimes:
            usable.append(Tactic(tactic.name, tactic.short, tactic.desc, tactic.tags, crimes,
                                 tactic.settings, tactic.partners))
    if not usable:
        raise ValueError("the taxonomy shares no crime types with the synthetic tactics")
    return usable


def _fit(first: str, seconds: Sequence[str], rng: random.Random) -> str:
    """``first`` plus a second sentence that keeps it within the summary length, if one does.

    When none does, ``first`` alone if it is long enough, else the nearest miss.
    """
    lo, hi = SUMMARY_WORDS
    options = list(seconds)
    rng.shuffle(options)
    best = ""
    for option in options:
        text = f"{first} {fill(option, rng)}"
        if lo <= words(text) <= hi:
            return text
        if not best or abs(words(text) - (lo + hi) / 2) < abs(words(best) - (lo + hi) / 2):
            best = text
    if lo <= words(first) <= hi:
        return first
    return best


def _in_range(summary: str) -> bool:
    lo, hi = SUMMARY_WORDS
    return lo <= words(summary) <= hi


def _research_summary(tactic: Tactic, crime: str, where: str, design: str, effect: str,
                      quality: str, rng: random.Random) -> str:
    """One or two sentences: the design, what the tactic did to the crime, and the evidence."""
    lead = f"{design[0].upper()}{design[1:]} found that {tactic.desc} {where}"
    for _ in range(8):
        outcome = rng.choice(RESEARCH_OUTCOMES[effect]).replace("{crime}", crime)
        summary = _fit(f"{lead} {fill(outcome, rng)}.", RESEARCH_SECOND[quality], rng)
        if _in_range(summary):
            break
    return summary


def _practice_summary(tactic: Tactic, crime: str, where: str, force: str, partner: str,
                      rng: random.Random) -> str:
    """One or two sentences: who did what about which crime where, and how it went."""
    for _ in range(8):
        first = rng.choice(PRACTICE_OPENERS).format(force=force, partner=partner, desc=tactic.desc,
                                                    where=where, crime=crime)
        summary = _fit(first[0].upper() + first[1:], PRACTICE_SECOND, rng)
        if _in_range(summary):
            break
    return summary


def _dates(rng: random.Random) -> tuple[dt.date, dt.date | None]:
    published = FIRST_PUBLISHED + dt.timedelta(days=rng.randrange((LAST_PUBLISHED - FIRST_PUBLISHED).days + 1))
    if rng.random() < 0.7:
        years = rng.choice((2, 3))
        day = min(published.day, 28) if published.month == 2 else published.day
        return published, published.replace(year=published.year + years, day=day)
    return published, None


def _render(fields: list[tuple[str, str]], sections: Sequence[tuple[str, str]]) -> str:
    head = "\n".join(f"{key}:{value}" if value.startswith("\n") else f"{key}: {value}" for key, value in fields)
    body = "\n\n".join(f"## {heading}\n{text}" for heading, text in sections)
    return f"---\n{head}\n---\n{body}\n"


@dataclass(frozen=True)
class _Topic:
    """What one entry is about; its title is unique in the base."""

    kind: str
    title: str
    tactic: Tactic
    term: str
    crime: str
    setting_key: str
    town: str
    where: str
    design: str  # the study design (research entries)


def _topic(kind: str, tactics: Sequence[Tactic], terms: dict[str, str], titles: set[str],
           rng: random.Random) -> _Topic:
    """A topic whose title is not in ``titles`` yet (and is then added to it)."""
    while True:
        tactic = rng.choice(tactics)
        term = rng.choice(tactic.crimes)
        setting_key = rng.choice(tactic.settings)
        town = rng.choice(TOWNS)
        where = SETTINGS[setting_key][1].format(town=town)
        crime = crime_phrase(term, terms[term])
        design = ""
        if kind == "research":
            design = rng.choice(DESIGNS)
            title = f"{tactic.name} and {crime} {where}: {design}"
        else:
            verb = "to tackle" if " against " in crime else "against"
            title = f"{tactic.name} {verb} {crime} {where}"
        if title not in titles:
            titles.add(title)
            return _Topic(kind, title, tactic, term, crime, setting_key, town, where, design)


def _entry(number: int, topic: _Topic, pools: Pools, rng: random.Random) -> tuple[str, str, str]:
    """The id, summary and file text of entry ``number``."""
    tactic = topic.tactic
    entry_id = f"syn-{number:06d}-{tactic.slug}-{topic.term}"
    published, review_by = _dates(rng)
    others = [c for c in tactic.crimes if c != topic.term]
    crime_types = [topic.term, *rng.sample(others, min(len(others), rng.randint(0, 2)))]
    other_settings = [s for s in tactic.settings if s != topic.setting_key]
    also = rng.sample(other_settings, min(len(other_settings), rng.randint(0, 1)))
    settings = [SETTINGS[key][0] for key in (topic.setting_key, *also)]
    tags = rng.sample(tactic.tags, rng.randint(min(2, len(tactic.tags)), len(tactic.tags)))

    before_source: list[tuple[str, str]] = []
    after_link: list[tuple[str, str]] = []
    if topic.kind == "research":
        effect = rng.choices(EFFECTS, EFFECT_WEIGHTS)[0]
        quality = rng.choices(QUALITIES, QUALITY_WEIGHTS)[0]
        if effect == "unknown" and quality in ("strong", "moderate"):
            quality = "limited"
        summary = _research_summary(tactic, topic.crime, topic.where, topic.design, effect, quality, rng)
        authors = " & ".join(rng.sample(SURNAMES, rng.randint(1, 3)))
        design = topic.design.removeprefix("a ")
        year = published.year - rng.randint(0, 3)
        source = f"{authors}, {design} of {tactic.name.lower()} in {topic.town} ({year})"
        sections = [("Effect", rng.choice(pools.effect[effect]))]
        sections += [(h, rng.choice(pools.sections[h])) for h in RESEARCH_HEADINGS[1:]]
        before_source.append(("evidence", f"\n  effect: {effect}\n  quality: {quality}"))
    else:
        force = rng.choice(FORCES)
        partner = rng.choice(tactic.partners)
        summary = _practice_summary(tactic, topic.crime, topic.where, force, partner, rng)
        source = f"Operation {rng.choice(OPERATIONS)}, {force} with {partner} ({published.year})"
        sections = [(h, rng.choice(pools.sections[h])) for h in PRACTICE_HEADINGS]
        after_link.append(("force", yaml_quote(force)))
        if rng.random() < 0.8:
            contact = f"{rng.choice(LEADS).capitalize()} lead, via the Prevention First Hub ({HUB_EMAIL})"
            after_link.append(("contact", yaml_quote(contact)))

    fields = [
        ("id", entry_id),
        ("title", yaml_quote(topic.title)),
        ("kind", topic.kind),
        ("summary", yaml_quote(summary)),
        ("crime_types", "[" + ", ".join(crime_types) + "]"),
        ("settings", yaml_list(settings)),
        *before_source,
        ("source", yaml_quote(source)),
        ("link", yaml_quote(f"https://example.org/synthetic/{entry_id}")),
        *after_link,
        ("published", published.isoformat()),
    ]
    if review_by is not None:
        fields.append(("review_by", review_by.isoformat()))
    fields.append(("tags", yaml_list(tags)))
    # How officers ask for it, as every real entry lists: drawn from their own random stream,
    # so the rest of the base is the same with or without them.
    asking = random.Random(f"asked-{number}-{topic.title}")
    asked = dict.fromkeys(question(tactic, rng_term, asking)
                          for rng_term in asking.choices(crime_types, k=asking.randint(*ASKED)))
    fields.append(("asked", yaml_list(list(asked))))
    return entry_id, summary, _render(fields, sections)


def generate(out_dir: Path, n: int, *, seed: int = 7, taxonomy_path: Path = DEFAULT_TAXONOMY,
             paragraphs: int | None = None) -> list[str]:
    """Write a synthetic knowledge base of ``n`` entries and return their ids.

    Entries go to ``out_dir/research`` (about 60%) and ``out_dir/practice``, and the taxonomy
    is copied to ``out_dir/taxonomy.yaml``. The same arguments always write the same files.

    Args:
        out_dir: Folder to write to; it must be empty or not exist yet.
        n: Number of entries.
        seed: Seed for every random choice.
        taxonomy_path: Taxonomy whose term ids the entries' ``crime_types`` use.
        paragraphs: Size of each heading's paragraph pool (default: ``paragraphs_per_heading(n)``).

    Returns:
        The entry ids, in file-number order.

    Raises:
        FileExistsError: ``out_dir`` already holds files.
        ValueError: ``n`` is negative or the taxonomy is unusable.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty")
    terms = load_terms(taxonomy_path)
    tactics = _usable_tactics(terms)
    pools = paragraph_pools(paragraphs or paragraphs_per_heading(n), seed)
    folders = {kind: out_dir / kind for kind in ("research", "practice")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(taxonomy_path, out_dir / "taxonomy.yaml")

    rng = random.Random(seed)
    titles: set[str] = set()
    summaries: set[str] = set()
    ids: list[str] = []
    for number in range(1, n + 1):
        kind = "research" if rng.random() < RESEARCH_SHARE else "practice"
        topic = _topic(kind, tactics, terms, titles, rng)
        entry_id, summary, text = _entry(number, topic, pools, rng)
        if summary in summaries:  # cannot happen: summaries carry every part of the unique title
            raise RuntimeError(f"duplicate summary for {entry_id}")
        summaries.add(summary)
        (folders[kind] / f"{entry_id}.md").write_text(text, encoding="utf-8")
        ids.append(entry_id)
    (out_dir / MARKER).write_text(GENERATOR, encoding="utf-8")
    return ids


def is_current(out_dir: Path, n: int) -> bool:
    """Whether ``out_dir`` holds a complete base of ``n`` entries written by this generator."""
    marker = Path(out_dir) / MARKER
    return (marker.is_file() and marker.read_text(encoding="utf-8") == GENERATOR
            and sum(1 for _ in Path(out_dir).rglob("*.md")) == n)


# ---------------------------------------------------------------------------------------
# Officers' questions


def queries(n: int, *, seed: int = 11) -> list[str]:
    """``n`` questions of the kind officers type into the assistant, distinct where possible."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        tactic = rng.choice(TACTICS)
        text = question(tactic, rng.choice(tactic.crimes), rng)
        if text in seen and len(seen) < n * 20:
            continue
        seen.add(text)
        out.append(text)
    return out


# ---------------------------------------------------------------------------------------
# Command line


def main(argv: Sequence[str] | None = None) -> int:
    """Write a synthetic base and print how many files it holds and how long it took."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.synthetic",
        description="Write a synthetic knowledge base for the search benchmark.",
        epilog="example: python -m bench.synthetic /tmp/syn10k 10000",
    )
    parser.add_argument("out_dir", type=Path, help="folder to write (must be empty or new)")
    parser.add_argument("n", type=int, help="number of entries")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--taxonomy", type=Path, default=DEFAULT_TAXONOMY, help="taxonomy file to use")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        ids = generate(args.out_dir, args.n, seed=args.seed, taxonomy_path=args.taxonomy)
    except (FileExistsError, ValueError) as error:
        parser.error(str(error))
    seconds = time.perf_counter() - started
    research = sum(1 for _ in (args.out_dir / "research").glob("*.md"))
    print(f"wrote {len(ids)} entries ({research} research, {len(ids) - research} practice) "
          f"to {args.out_dir} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
