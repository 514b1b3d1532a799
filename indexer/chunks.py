"""How an entry is cut into the passages that are embedded.

The first passage is the entry's card: title, summary, crime types, settings and tags; it
is what most questions match. Each body section follows as its own passage, so a question
about cost or implementation can match the paragraph that answers it; a very short section
is joined to the next and a long one is split at paragraph breaks, to stay within what the
model reads (256 word pieces, about 180 words). Each question in the entry's ``asked`` list
(how officers ask for it, in their own words) is a passage of its own: the model matches a
question to a question more closely than to the evidence's prose.
"""

from __future__ import annotations

from indexer.entries import Entry
from indexer.taxonomy import Taxonomy

CHUNKER_VERSION = "2"
MIN_WORDS = 40
MAX_WORDS = 180


def card_text(entry: Entry, taxonomy: Taxonomy) -> str:
    parts = [f"{entry.title}. {entry.summary}"]
    parts.append("Crime types: " + ", ".join(taxonomy.label(t) for t in entry.crime_types) + ".")
    if entry.settings:
        parts.append("Settings: " + ", ".join(entry.settings) + ".")
    if entry.tags:
        parts.append("Tags: " + ", ".join(entry.tags) + ".")
    return " ".join(parts)


def _split_long(heading: str, text: str) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    for paragraph in (p.strip() for p in text.split("\n\n") if p.strip()):
        words = paragraph.split()
        while len(words) > MAX_WORDS:  # one enormous paragraph: cut it by words
            if current:
                pieces.append(" ".join(current))
                current = []
            pieces.append(" ".join(words[:MAX_WORDS]))
            words = words[MAX_WORDS:]
        if current and len(" ".join(current).split()) + len(words) > MAX_WORDS:
            pieces.append(" ".join(current))
            current = []
        current.append(" ".join(words))
    if current:
        pieces.append(" ".join(current))
    prefix = f"{heading}. " if heading else ""
    return [prefix + piece for piece in pieces]


def passages(entry: Entry, taxonomy: Taxonomy) -> list[str]:
    """The entry's passages, the card first."""
    out = [card_text(entry, taxonomy)]
    pending_heading, pending_text = "", ""
    for section in entry.sections:
        heading = section.heading
        text = " ".join(section.text.split()) if "\n\n" not in section.text else section.text
        if pending_text:
            heading = f"{pending_heading} {heading}".strip() if pending_heading else heading
            text = f"{pending_text}\n\n{text}"
            pending_heading, pending_text = "", ""
        if len(text.split()) < MIN_WORDS:
            pending_heading, pending_text = heading, text
            continue
        out.extend(_split_long(heading, text))
    if pending_text:
        out.extend(_split_long(pending_heading, pending_text))
    out.extend(entry.asked)  # each way officers ask for it, matched question to question
    return out


def lexical_text(entry: Entry, taxonomy: Taxonomy) -> str:
    """The text the keyword (BM25) index holds for an entry: everything, title twice."""
    labels = " ".join(taxonomy.label(t) for t in entry.crime_types)
    return "\n".join(
        [entry.title, entry.title, entry.summary, labels, " ".join(entry.settings), " ".join(entry.tags), entry.body]
    )
