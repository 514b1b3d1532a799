"""Officers' everyday words, rewritten into the words the evidence uses before searching.

``knowledge/slang.yaml`` (kept by the Hub beside the taxonomy) maps what officers type on a
phone ("motors", "selling gear", "kicking-out time") to plain English ("cars", "drug
dealing", "closing time"). The search model reads the rewritten question; the keyword search
gets both, so a word that is in an entry ("fob") still counts. The file is optional.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available

__all__ = ["Slang", "SlangError", "slang_path", "undotted"]

# A word: letters, digits, apostrophes and hyphens, and an ampersand inside one ("S&S", "A&E").
_WORD = re.compile(r"[\w'-]+(?:&[\w'-]+)*")
_PHRASE = re.compile(rf"{_WORD.pattern}(?: {_WORD.pattern})*")  # what rewrite() can match
# An abbreviation typed with full stops between its capitals: "D.A.R.E", "A.S.B.".
_DOTTED = re.compile(r"\b[A-Z](?:\.[A-Z])+\b\.?")


def undotted(text: str) -> str:
    """``text`` with every abbreviation typed with full stops between its capitals written without
    them ("D.A.R.E programme" is "DARE programme"), as the taxonomy, the entries' tags and the
    glossary list them."""
    return _DOTTED.sub(lambda found: found.group(0).replace(".", ""), text)


class SlangError(ValueError):
    """The glossary cannot be read; the message names the path, the entry and the reason."""


@dataclass(frozen=True)
class Slang:
    meanings: dict[str, str] = field(default_factory=dict)
    longest: int = 0  # words in the longest listed phrase
    # The first word of every listed phrase: a run of words can only be one of them when its
    # first word, or that word's part before a hyphen ("shed" of "shed-breaks"), is here.
    starts: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)
    # Every word of the listed phrases ("shotting", "graft"): what the speller may mend a word
    # typed with its g dropped to ("shottin").
    words: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", frozenset(phrase.split(" ")[0] for phrase in self.meanings))
        object.__setattr__(self, "words", frozenset(word for phrase in self.meanings for word in phrase.split(" ")))

    @classmethod
    def from_mapping(cls, data: object, *, path: str = "slang.yaml") -> "Slang":
        if data is None:
            return cls()
        if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
            raise SlangError(f"{path}: field 'terms': expected a list of {{say: [...], means: ...}}")
        meanings: dict[str, str] = {}
        for number, term in enumerate(data["terms"], 1):
            says = term.get("say") if isinstance(term, dict) else None
            means = term.get("means") if isinstance(term, dict) else None
            if isinstance(says, str):
                says = [says]
            if not isinstance(says, list) or not says or not all(isinstance(s, str) and s.strip() for s in says):
                raise SlangError(f"{path}: term {number}: field 'say' must be a list of words or phrases")
            if not isinstance(means, str) or not means.strip():
                raise SlangError(f"{path}: term {number}: field 'means' must be text")
            for say in says:
                key = " ".join(say.lower().split())
                if not _PHRASE.fullmatch(key):
                    raise SlangError(f"{path}: term {number}: {say!r} can never match: a phrase is words of letters, "
                                     "digits, apostrophes, hyphens and ampersands inside a word, separated by spaces")
                if key in meanings and meanings[key] != means.strip():
                    raise SlangError(f"{path}: term {number}: {say!r} is already listed with another meaning")
                meanings[key] = means.strip()
        return cls(meanings, max((len(p.split()) for p in meanings), default=0))

    @classmethod
    def load(cls, path: Path | None) -> "Slang":
        """The glossary in ``path``; an empty one when there is no such file."""
        if path is None or not Path(path).is_file():
            return cls()
        try:
            data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LOADER)
        except OSError as exc:
            raise SlangError(f"{path}: cannot be read: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise SlangError(f"{path}: not valid YAML: {exc}") from exc
        return cls.from_mapping(data, path=str(path))

    def rewrite(self, text: str) -> str:
        """``text`` with every listed word or phrase replaced by its plain meaning: whole
        words only (a hyphen or apostrophe belongs to its word, and a hyphenated word matches
        the listed phrase it spells with spaces), the longest phrase first, a phrase's words
        separated by spaces alone.

        A dictionary look-up per word and phrase length, not a regular expression of a
        thousand alternatives: a few microseconds a question.
        """
        if not self.meanings:
            return text
        words = list(_WORD.finditer(text))
        out, kept_to, i = [], 0, 0
        while i < len(words):
            first = words[i].group(0).lower()
            if first not in self.starts and first.split("-")[0] not in self.starts:
                i += 1
                continue
            for n in range(min(self.longest, len(words) - i), 0, -1):
                run = words[i : i + n]
                if any(text[a.end() : b.start()].strip() for a, b in zip(run, run[1:])):
                    continue  # words of a phrase are separated by spaces only
                said = " ".join(w.group(0).lower() for w in run)
                meaning = self.meanings.get(said)
                if meaning is None and "-" in said:  # "shed-breaks" as "shed breaks", never part of it
                    meaning = self.meanings.get(said.replace("-", " "))
                if meaning is not None:
                    out += [text[kept_to : run[0].start()], meaning]
                    kept_to, i = run[-1].end(), i + n
                    break
            else:
                i += 1
        return "".join(out) + text[kept_to:] if out else text

    def __len__(self) -> int:
        return len(self.meanings)


def slang_path(source: Path, fallback: Path = Path("knowledge/slang.yaml")) -> Path | None:
    """The glossary for a knowledge folder: its own ``slang.yaml``, the one beside it, or the
    shipped one; None when there is none."""
    for candidate in (Path(source) / "slang.yaml", Path(source).parent / "slang.yaml", fallback):
        if candidate.is_file():
            return candidate
    return None
