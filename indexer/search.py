"""Hybrid search over one published version of the knowledge index.

The question is spell-checked against the base's own words, expanded with the taxonomy
(CL also searches for "County lines") and with the abbreviations the Hub tagged entries
with (RJ: "Restorative justice conferencing"), and matched two ways: by meaning, without its
asking words ("what works for"), against every passage of every entry (an entry scores by
its best passage, moved halfway towards the mean of its best three), and by keywords with
BM25 over the entry's whole text.

The two are fused by score: an entry's cosine similarity plus a weight times its BM25
score. ``make eval`` also prints the same search fused by rank (weighted reciprocal rank),
which scored lower on the labelled questions (``indexer.fusion``). Filters (crime type, kind,
effect) are applied before ranking and near-duplicate entries are collapsed into the first
of them. Whether anything answers the question at all is decided on evidence that does not
depend on the base's size, by the model published with the index (``indexer.decision``):
below its threshold the result says there is no good match.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from indexer.asks import packaged_cues
from indexer.build import current_version, version_dir
from indexer.decision import Evidence, NoMatchModel, content_words, known_share
from indexer.embedder import Embedder
from indexer.fusion import FUSION, fuse, top_score
from indexer.intent import PASSAGES, dense_text
from indexer.lexical import RARE_TERMS_AT_MOST, Lexical
from indexer.passages import best_passage, ranges
from indexer.problems import EntryProblems, packaged_tactics
from indexer.results import Hit, SearchResult
from indexer.slang import Slang, undotted
from indexer.spelling import Speller
from indexer.taxonomy import Taxonomy, spells_out

CANDIDATES = 100
DUPLICATE_SIMILARITY = 0.95
SPREAD_SAMPLE = 1024
REMEASURED = 2  # an 8-bit search fetches twice the passages wanted (closest_passages)
PROBLEM_ENTRIES = 3  # a problem the question names, unmentioned by all of the best three (indexer.problems)
# A tactic the question names, unmentioned by all of the best five (the most a first page shows):
# more than the problem's three, since a base with many entries on one problem can push the one
# entry on the tactic below the third.
TACTIC_ENTRIES = 5
EVIDENCE_ENTRIES = 20  # the card says the base has no evidence on it only when none of the best 20 names it


@dataclass(frozen=True)
class Keywords:
    share: float  # the best entry's score over the most the question's terms could reach
    # the best entry's score, both readings added, in rare terms (Lexical.rare_points), up to
    # RARE_TERMS_AT_MOST
    rare_terms: float


class IndexNotFound(RuntimeError):
    """No complete index version has been published in the index folder."""


class KnowledgeIndex:
    """One published version, loaded into memory."""

    def __init__(self, folder: Path) -> None:
        import faiss

        self.folder = Path(folder)
        self.meta = json.loads((self.folder / "meta.json").read_text())
        self.version: str = self.meta["version"]
        self.entries: list[dict[str, Any]] = orjson.loads((self.folder / "entries.json").read_bytes())
        self.taxonomy = Taxonomy.load(self.folder / "taxonomy.yaml")
        self.slang = Slang.load(self.folder / "slang.yaml")
        self.vectors = np.load(self.folder / "vectors.npy")
        self.pointers = np.load(self.folder / "entry_passage_ptr.npy")
        self.passage_ids = np.load(self.folder / "entry_passage_ids.npy")
        self.passage_counts = np.diff(self.pointers)
        if (self.folder / "dense.faiss").is_file():
            # Any: faiss's wrappers do not type the attributes of the index read back.
            graph: Any = faiss.read_index(str(self.folder / "dense.faiss"))
            inner: Any = faiss.downcast_index(graph.index)
            inner.hnsw.efSearch = int(self.meta["hnsw"]["ef_search"])
            self.dense: Any = graph
            self.remeasure = False
        else:
            # Every passage compared with the question in 8-bit integers: a quarter of the
            # memory read per question (the flat search is bound by it, and faiss reads 8-bit
            # codes about twice as fast as half precision), and the closest are measured again
            # in full (closest_passages), so the similarities are exact. The codes are the
            # vectors scaled so that their largest component is 127, compared by distance:
            # for vectors of (nearly) equal length that orders them as the inner product does.
            largest = float(np.abs(self.vectors).max()) if self.vectors.size else 0.0
            self.code_scale = 127.0 / largest if largest > 0 else 1.0
            codes = np.rint(self.vectors * self.code_scale).astype(np.float32)  # within ±127 by the scale
            quantised = faiss.IndexScalarQuantizer(self.vectors.shape[1], faiss.ScalarQuantizer.QT_8bit_direct_signed,
                                                   faiss.METRIC_L2)
            self.dense = faiss.IndexIDMap2(quantised)
            self.dense.add_with_ids(codes, np.arange(len(self.vectors), dtype=np.int64))
            self.remeasure = True
        self.lexical = Lexical(self.folder / "lexical")
        words = json.loads((self.folder / "vocabulary.json").read_text(encoding="utf-8"))
        self.speller = Speller(words, self.slang.words)
        self.words = frozenset(words)
        self.no_match = NoMatchModel.for_version(self.folder)
        self.asks = packaged_cues()
        self.problems = EntryProblems.for_version(self.folder)
        self.tactics = EntryProblems(packaged_tactics(), self.problems.texts)
        self.ids = [e["id"] for e in self.entries]
        self.normal_titles = [_normal_title(e["title"]) for e in self.entries]
        # Abbreviations the Hub tagged an entry with (RJ, GVI, DVDS): a question using one
        # is also searched with the entry's title, as crime-type synonyms are with labels. One
        # with a number (S60) may be spelled out by another of the entry's tags ("section 60").
        acronyms: dict[str, list[str]] = {}
        for entry in self.entries:
            for tag in entry.get("tags") or ():
                if _tagged_abbreviation(tag, entry):
                    acronyms.setdefault(tag.lower(), []).append(entry["title"])
        usable = {a: titles for a, titles in acronyms.items() if len(titles) <= 3}
        english = {a for a in usable if self.speller.english.known([a])}  # LED, DARE, CRAVED, POP
        self.acronyms = {a: titles for a, titles in usable.items() if a not in english}
        # One that is also an English word is read only as written: in capitals, in a question
        # that is not written all in capitals.
        self.capital_acronyms = {a.upper(): usable[a] for a in english}
        self.position = {entry_id: i for i, entry_id in enumerate(self.ids)}
        # passage row -> entries holding it (a boilerplate passage may belong to many)
        owners = np.repeat(np.arange(len(self.entries)), self.passage_counts)
        order = np.argsort(self.passage_ids, kind="stable")
        self.owner_entries = owners[order]
        self.owner_ptr = np.searchsorted(self.passage_ids[order], np.arange(len(self.vectors) + 1))
        self.card_rows = self.passage_ids[self.pointers[:-1]]  # each entry's first passage
        # Passages spread evenly through the base, for how widely a question's similarity to
        # the base's passages varies (the no-match decision's chance_rise).
        sample = np.unique(np.linspace(0, len(self.vectors) - 1, SPREAD_SAMPLE).astype(np.int64))
        self.spread_sample = self.vectors[sample] if len(self.vectors) else self.vectors
        self.kinds = np.array([e["kind"] for e in self.entries])
        self.effects = np.array([e.get("effect") or "" for e in self.entries])
        self._masks: OrderedDict[tuple[str | None, str | None, str | None], np.ndarray] = OrderedDict()
        self._mask_lock = threading.Lock()

    def read(self, text: str) -> tuple[str, str, str]:
        """A question in plain English (the glossary's), spelled right, and then expanded. When
        the speller mends a word, the glossary is read again, for a phrase typed with its g
        dropped ("chuckin out time") or misspelled."""
        plain = self.slang.rewrite(undotted(text))
        spelled = self.speller.correct(plain)
        corrected = self.slang.rewrite(spelled) if spelled != plain else spelled
        return plain, corrected, self.expand(corrected)

    def meaning_text(self, text: str) -> str:
        """What the search embeds for a question: its expanded reading without asking words."""
        return dense_text(self.read(text)[2])

    def expand(self, text: str) -> str:
        """``text`` with the taxonomy labels and tagged abbreviations it uses spelled out."""
        expanded = self.taxonomy.expand(text)
        words = set(re.findall(r"[a-z0-9&]+", text.lower()))
        words |= {w[:-1] for w in words if len(w) > 2 and w.endswith("s")}  # plurals: "s60s", "DVPNs"
        capitals = set(re.findall(r"\b([A-Z]{2,6})s?\b", text)) if re.search(r"[a-z]", text) else set()
        titles = [t for acronym, names in self.acronyms.items() if acronym in words for t in names]
        titles += [t for acronym, names in self.capital_acronyms.items() if acronym in capitals for t in names]
        titles = [t for t in dict.fromkeys(titles) if _normal_title(t) not in _normal_title(expanded)]
        return f"{expanded} ({'; '.join(titles)})" if titles else expanded

    def closest_passages(self, vector: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the ``count`` passages closest to ``vector`` (a float32 unit vector),
        closest first, and their cosine similarity to it.

        An 8-bit search can swap passages whose similarities differ by less than its rounding
        (about 1e-3), so it fetches ``REMEASURED`` times as many and keeps the closest by their
        exact similarity; an HNSW graph holds the vectors in full and is taken as found."""
        wanted = min(count * REMEASURED if self.remeasure else count, len(self.vectors))
        if wanted <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        if not self.remeasure:
            found_similarities, found = self.dense.search(vector[None, :], wanted)
            kept = found[0] >= 0
            return found[0][kept], found_similarities[0][kept]
        _, found = self.dense.search(vector[None, :] * self.code_scale, wanted)
        rows = found[0][found[0] >= 0]
        similarities = self.vectors[rows] @ vector
        order = np.argsort(-similarities, kind="stable")[:count]
        return rows[order], similarities[order]

    @classmethod
    def load_current(cls, index_dir: Path) -> "KnowledgeIndex":
        version = current_version(Path(index_dir))
        if version is None:
            raise IndexNotFound(f"no index has been published in {index_dir}: run `python -m indexer build`")
        return cls(version_dir(Path(index_dir), version))

    def mask(self, crime_type: str | None, kind: str | None, effect: str | None) -> np.ndarray | None:
        """The entries that pass the filters, as a 0/1 float array; None for no filter."""
        key = (crime_type, kind, effect)
        if key == (None, None, None):
            return None
        with self._mask_lock:
            if key in self._masks:
                self._masks.move_to_end(key)
                return self._masks[key]
        allowed = np.ones(len(self.entries), dtype=bool)
        if kind:
            allowed &= self.kinds == kind
        if effect:
            allowed &= self.effects == effect
        if crime_type:
            allowed &= np.array([crime_type in e["crime_types"] for e in self.entries])
        mask = allowed.astype(np.float32)
        with self._mask_lock:
            self._masks[key] = mask
            while len(self._masks) > 64:
                self._masks.popitem(last=False)
        return mask


def _tagged_abbreviation(tag: str, entry: dict[str, Any]) -> bool:
    """Whether an entry's tag is an abbreviation its title and summary spell out (RJ), or one
    with a number that another of its tags spells out (S60: "section 60")."""
    if re.fullmatch(r"[A-Z]{2,6}", tag):
        return spells_out(tag, f"{entry['title']} {entry['summary']}")
    others = [t for t in entry.get("tags") or () if t != tag]
    return bool(re.fullmatch(r"[A-Z]{1,3}\d{1,3}", tag)) and spells_out(tag, "; ".join(others))


def _normal_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


class Searcher:
    """The search the bot and ``python -m indexer search`` both use."""

    def __init__(self, index: KnowledgeIndex, embedder: Embedder, *, no_match: NoMatchModel | None = None,
                 fusion: str = FUSION) -> None:
        if fusion not in ("scores", "ranks"):
            raise ValueError(f"fusion is 'scores' or 'ranks', not {fusion!r}")
        self.index = index
        self.embedder = embedder
        self.no_match = no_match or index.no_match
        self.fusion = fusion

    def _dense(self, vector: np.ndarray, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Entry positions and their best-passage similarity, best first, and the vectors of
        the passages closest to the question in the whole base (filters aside)."""
        index = self.index
        count = min(CANDIDATES if mask is None else PASSAGES, len(index.vectors))
        rows, sims = index.closest_passages(vector, count)
        nearest = index.vectors[rows[:PASSAGES]]
        if mask is None:
            # Every entry holding each passage found, best passage first; an entry keeps
            # the similarity of the first (best) of its passages.
            starts, counts = index.owner_ptr[rows], index.owner_ptr[rows + 1] - index.owner_ptr[rows]
            owners = index.owner_entries[ranges(starts, counts)[0]]
            owner_sims = np.repeat(sims, counts)
            positions, first = np.unique(owners, return_index=True)
            scores = owner_sims[first]
        else:
            positions = np.flatnonzero(mask)
            if not len(positions):
                return positions, np.empty(0, dtype=np.float32), nearest
            scores = best_passage(index, positions, vector)
        order = np.argsort(-scores, kind="stable")[:CANDIDATES]
        return positions[order], scores[order], nearest

    def _lexical(self, plain: str, own_words: str, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, Keywords]:
        """Entry positions and BM25 scores, best first, and the keyword evidence of a match.

        Ranking scores every distinct word of the question's plain-English reading and of
        the officer's own wording (when the glossary changed it) once.
        """
        lexical = self.index.lexical
        query = f"{plain} {own_words}" if own_words else plain
        scores = lexical.scores(query, mask)
        attainable = lexical.attainable(query)
        # The two readings each scored in full and added: a question in slang whose own
        # words and plain reading both match the same entry has twice the evidence.
        points = lexical.rare_points(query, mask) if not own_words else (
            lexical.rare_points(plain, mask) + lexical.rare_points(own_words, mask))
        evidence = Keywords(
            share=float(scores.max()) / attainable if attainable > 0 and len(scores) else 0.0,
            rare_terms=min(float(points.max()), RARE_TERMS_AT_MOST) if len(points) else 0.0,
        )
        count = min(CANDIDATES, len(scores))
        top = np.argpartition(-scores, count - 1)[:count] if count < len(scores) else np.arange(len(scores))
        top = top[scores[top] > 0]
        top = top[np.argsort(-scores[top], kind="stable")]
        return top, scores[top], evidence

    def search(
        self,
        text: str,
        *,
        k: int = 5,
        offset: int = 0,
        crime_type: str | None = None,
        kind: str | None = None,
        effect: str | None = None,
    ) -> SearchResult:
        index = self.index
        plain, corrected, expanded = index.read(text)  # plain English for the meaning; both for keywords
        vector = self.embedder.embed([dense_text(expanded)])[0]
        mask = index.mask(crime_type, kind, effect)
        dense_positions, dense_scores, nearest = self._dense(vector, mask)
        own_words = index.speller.correct(text) if plain != text else ""
        lexical_positions, lexical_scores, keywords = self._lexical(expanded, own_words, mask)

        ranked, fused, similarity = fuse(index, vector, (dense_positions, dense_scores),
                                         (lexical_positions, lexical_scores), self.fusion)
        top_possible = top_score(self.fusion)
        # The closest passage of any candidate: an approximate (HNSW) search can miss a passage
        # that an entry found by its keywords holds, and that passage was measured exactly.
        best_similarity = max(similarity, default=0.0)
        words = content_words(dense_text(corrected))
        asked = index.asks.asks_for(text)
        readings = (text, plain, corrected)
        unmentioned = index.problems.unmentioned(readings, ranked[:PROBLEM_ENTRIES])
        tactics = index.tactics.unmentioned(readings, ranked[:TACTIC_ENTRIES])
        evidence = Evidence(
            cosine=best_similarity,
            margin=best_similarity - float(dense_scores[1]) if len(dense_scores) > 1 else best_similarity,
            keywords=keywords.share,
            rare_terms=keywords.rare_terms,
            known=known_share(words, self._knows, index.speller.english),
            recognised=float(plain != text or expanded != corrected),
            length=float(np.log1p(len(words))),
            other_intent=self.no_match.intent.other(vector, nearest)
            if self.no_match.intent and not index.asks.asks_how_it_is_done(f"{text}\n{corrected}") else 0.0,
            asks_other=float(asked is not None),
            unmentioned_problem=float(bool(unmentioned)),
            unmentioned_tactic=float(bool(tactics)),
            spread=float(np.std(index.spread_sample @ vector)) if len(index.spread_sample) else 0.0,
            passages=len(index.vectors),
        )
        probability = self.no_match.probability(evidence)
        no_good_match = probability < self.no_match.threshold
        # Refused for what it asks for: its wording says so, or its meaning does and would be answered otherwise.
        asks_for_other = no_good_match and (evidence.asks_other > 0 or evidence.other_intent > 0 and (
            self.no_match.probability(replace(evidence, other_intent=0.0)) >= self.no_match.threshold))

        # Collapse near-duplicates down the ranking until the page is full and one more
        # result shows whether there is a next page.
        kept: list[int] = []  # places in the ranking
        kept_positions: list[int] = []
        duplicates: dict[int, list[str]] = {}
        for place, position in enumerate(ranked):
            if len(kept) > offset + k:
                break
            original = self._duplicate_of(position, kept_positions)
            if original is None:
                kept.append(place)
                kept_positions.append(position)
            else:
                duplicates.setdefault(original, []).append(index.ids[position])
        hits = [
            Hit(id=index.ids[p], title=index.entries[p]["title"], kind=index.entries[p]["kind"],
                score=fused[i] / top_possible, similarity=similarity[i], entry=index.entries[p],
                duplicates=tuple(duplicates.get(p, ())))
            for i, p in zip(kept[offset : offset + k], kept_positions[offset : offset + k])
        ]
        filters = {k_: v for k_, v in (("crime_type", crime_type), ("kind", kind), ("effect", effect)) if v}
        return SearchResult(
            query=text,
            no_good_match=no_good_match,
            results=hits,
            has_more=len(kept) > offset + k,
            best_similarity=best_similarity,
            probability=probability,
            evidence=evidence,
            filters=filters,
            index_version=index.version,
            asks_for_other=asks_for_other,
            asks_for=asked if no_good_match else None,
            unmentioned=(index.problems.no_evidence_on(unmentioned, ranked[:EVIDENCE_ENTRIES])
                         + index.tactics.no_evidence_on(tactics, ranked[:EVIDENCE_ENTRIES]) if no_good_match else ()),
        )

    def _knows(self, word: str) -> bool:
        index = self.index
        return word in index.words or word in index.acronyms or index.lexical.knows(word)

    def _duplicate_of(self, position: int, kept: list[int]) -> int | None:
        """The kept entry this one nearly duplicates (the same title, or a reworded card)."""
        if not kept:
            return None
        index = self.index
        title = index.normal_titles[position]
        for other in kept:
            if index.normal_titles[other] == title:
                return other
        similarities = index.vectors[index.card_rows[kept]] @ index.vectors[index.card_rows[position]]
        best = int(np.argmax(similarities))
        return kept[best] if similarities[best] >= DUPLICATE_SIMILARITY else None
