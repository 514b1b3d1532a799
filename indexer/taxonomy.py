"""The crime-type taxonomy: term ids, labels, and the words officers type for them.

``knowledge/taxonomy.yaml`` maps each term id to a label and synonyms. The search uses it to
expand a question ("CL" also searches for "county lines").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available

TERM_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SMALL_WORDS = frozenset({"and", "of", "the", "for", "to", "in", "on", "a"})


def spells_out(acronym: str, text: str) -> bool:
    """Whether ``text`` has the words an acronym stands for (RJ: "restorative justice"), and
    for one ending in a number, the number after them (S60: "section 60")."""
    numbered = any(c.isdigit() for c in acronym)
    words = [w for w in re.findall(r"[A-Za-z]+|\d+" if numbered else r"[A-Za-z]+", text)
             if w.lower() not in _SMALL_WORDS]
    initials = "".join(w if w.isdigit() else w[0].upper() for w in words)
    return acronym in initials


class TaxonomyError(ValueError):
    """The taxonomy file cannot be read; the message names the path and the reason."""


@dataclass(frozen=True)
class Term:
    id: str
    label: str
    synonyms: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every way of writing the term: id (with spaces), label and synonyms."""
        return (self.id.replace("-", " "), self.label, *self.synonyms)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s']", " ", text.lower())).strip()


@dataclass(frozen=True)
class Taxonomy:
    terms: dict[str, Term]
    _names: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_mapping(cls, data: object, *, path: str = "taxonomy.yaml") -> "Taxonomy":
        if not isinstance(data, dict) or not isinstance(data.get("terms"), dict) or not data["terms"]:
            raise TaxonomyError(f"{path}: field 'terms': expected a mapping of term ids to labels")
        terms: dict[str, Term] = {}
        for term_id, spec in data["terms"].items():
            if not isinstance(term_id, str) or not TERM_ID.match(term_id):
                raise TaxonomyError(f"{path}: term {term_id!r}: ids are lowercase letters, digits and '-'")
            if not isinstance(spec, dict) or not isinstance(spec.get("label"), str):
                raise TaxonomyError(f"{path}: term {term_id!r}: field 'label' is required")
            synonyms = spec.get("synonyms") or []
            if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
                raise TaxonomyError(f"{path}: term {term_id!r}: field 'synonyms' must be a list of text")
            terms[term_id] = Term(term_id, spec["label"].strip(), tuple(s.strip() for s in synonyms if s.strip()))
        names = {_normal(name): term.id for term in terms.values() for name in term.names if _normal(name)}
        # One alternation, longest names first, so "serious youth violence" is one mention
        # rather than also "violence".
        alternatives = "|".join(re.escape(name) for name in sorted(names, key=lambda n: (-len(n), n)))
        return cls(terms, names, re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w'])"))

    @classmethod
    def load(cls, path: Path) -> "Taxonomy":
        try:
            data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LOADER)
        except OSError as exc:
            raise TaxonomyError(f"{path}: cannot be read: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise TaxonomyError(f"{path}: not valid YAML: {exc}") from exc
        return cls.from_mapping(data, path=str(path))

    @cached_property
    def fingerprint(self) -> str:
        """Changes when a term id or label does (what validating and indexing an entry use)."""
        ids_and_labels = "\n".join(f"{t.id}\t{t.label}" for t in sorted(self.terms.values(), key=lambda t: t.id))
        return hashlib.sha256(ids_and_labels.encode()).hexdigest()[:16]

    def __contains__(self, term_id: object) -> bool:
        return term_id in self.terms

    def label(self, term_id: str) -> str:
        term = self.terms.get(term_id)
        return term.label if term else term_id

    def mentions(self, text: str) -> list[str]:
        """Term ids named in ``text`` by id, label or synonym, in order of first mention."""
        if self._pattern is None:
            return []
        found = (self._names[match.group(0)] for match in self._pattern.finditer(_normal(text)))
        return list(dict.fromkeys(found))

    def expand(self, text: str) -> str:
        """``text`` with the label of every term it names, for searching.

        "CL in flats" becomes "CL in flats (County lines)"; a question that already uses
        the label is returned unchanged.
        """
        normal = _normal(text)
        labels = [self.terms[t].label for t in self.mentions(text)]
        extra = [label for label in labels if _normal(label) not in normal]
        return f"{text} ({'; '.join(extra)})" if extra else text


def taxonomy_path(source: Path, fallback: Path = Path("knowledge/taxonomy.yaml")) -> Path:
    """The taxonomy for a knowledge folder: its own ``taxonomy.yaml``, else the shipped one."""
    own = Path(source) / "taxonomy.yaml"
    return own if own.is_file() else fallback
