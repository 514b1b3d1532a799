"""Correcting officers' typing before searching ("knif crime", "anti social behavour").

A word is corrected only if it is not an English word (pyspellchecker's dictionary), and not a
word the knowledge base uses, and only to a knowledge-base word that starts with the same
letter and is one edit away (two for words of seven letters or more), the most frequent in
the base on a tie. Typing seldom changes a word's first letter, and a correction that does
changes its meaning more often than it mends it ("sextorted" is not "exported", nor "16 year
olds" "16 year holds"). A word spoken with its final g dropped ("doin", "teachin",
"shottin") is read with it when that is English or a word of the slang glossary.
Abbreviations the taxonomy lists are knowledge-base words. The dictionary is American, so a
word is English too when its American spelling is ("defence" is not "defiance", nor
"authorise" "authority"), and a contraction typed without its apostrophe ("dont", "wouldnt",
"theyre") is read with it rather than as another word ("done", "would", "there"), as are a few
spellings of text speak ("shud", "agen"), and a word that starts with an f where it is spelled
with ph ("fones", "farmacy"). A word typed in capitals is an abbreviation (SPOC, SPOs,
NPT) and a word ending in -ing on an English word ("texting") is English: neither is corrected.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

WORD = re.compile(r"[a-z][a-z']+")
# British endings and the American ones the dictionary knows them by (defence, authorise,
# organisation, colour, centre, analyse, travelled).
_BRITISH = [(re.compile(ending), american) for ending, american in (
    (r"ence$", "ense"), (r"ences$", "enses"), (r"is(e|es|ed|ing|er|ers|ation|ations)$", r"iz\1"),
    (r"our(s|ed|ing|ite|ites|able|ably|hood)?$", r"or\1"), (r"tre(s|d)?$", r"ter\1"), (r"yse(s|d)?$", r"yze\1"),
    (r"ysing$", "yzing"), (r"ll(ed|ing|er|ers)$", r"l\1"), (r"ogue(s)?$", r"og\1"),
)]
# Contractions typed without their apostrophe and text speak (of four letters or more: shorter
# words are never corrected), read as they are meant rather than as the nearest word ("dont" is
# not "done", nor "shud" "shed").
READ_AS = dict(pair.split("=") for pair in (
    "dont=don't didnt=didn't doesnt=doesn't cant=can't wont=won't isnt=isn't arent=aren't wasnt=wasn't "
    "werent=weren't hasnt=hasn't havent=haven't hadnt=hadn't wouldnt=wouldn't shouldnt=shouldn't "
    "couldnt=couldn't mustnt=mustn't theyre=they're theyve=they've theyll=they'll youre=you're "
    "youve=you've youll=you'll thats=that's whats=what's wats=what's whos=who's wheres=where's "
    "theres=there's heres=here's itll=it'll shud=should agen=again thru=through nite=night tonite=tonight"
).split())


@lru_cache(maxsize=1)
def english_dictionary() -> Any:  # pyspellchecker ships no type information
    """pyspellchecker's English dictionary, loaded once per process (it takes a second)."""
    from spellchecker import SpellChecker

    return SpellChecker()


def vocabulary(texts: list[str]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(WORD.findall(text.lower()))
    return dict(counts)


class Speller:
    def __init__(self, kb_words: dict[str, int], glossary_words: frozenset[str] = frozenset()) -> None:
        self.kb_words = {w: c for w, c in kb_words.items() if len(w) >= 3}
        self.glossary_words = glossary_words  # the slang glossary's: "shottin" is "shotting"
        self.choices: dict[str, list[str]] = {}  # by first letter
        for known in self.kb_words:
            self.choices.setdefault(known[0], []).append(known)
        self.english = english_dictionary()

    def _is_english(self, word: str) -> bool:
        """Whether ``word`` is English as typed: in the dictionary or in its American spelling."""
        if self.english.known([word]):
            return True
        if word.endswith("ing") and len(word) >= 7 and self.english.known([word[:-3]]):
            return True
        return any(self.english.known([ending.sub(american, word)]) for ending, american in _BRITISH
                   if ending.search(word))

    def _correct_word(self, word: str) -> str | None:
        if word in READ_AS:
            return READ_AS[word]
        if len(word) < 4 or word in self.kb_words or self._is_english(word):
            return None
        if word.endswith("in") and (f"{word}g" in self.glossary_words or self.english.known([f"{word}g"])):
            return f"{word}g"
        if word[0] == "f":  # "fones", "farmacy": ph typed as it sounds
            spoken = f"ph{word[1:]}"
            if spoken in self.kb_words or self._is_english(spoken):
                return spoken
        limit = 2 if len(word) >= 7 else 1
        matches = process.extract(word, self.choices.get(word[0], ()), scorer=DamerauLevenshtein.distance,
                                  score_cutoff=limit, limit=8)
        if not matches:
            return None
        best = min(matches, key=lambda m: (m[1], -self.kb_words[m[0]]))
        return best[0]

    def correct(self, text: str) -> str:
        """``text`` with misspelt words replaced; unchanged when nothing needs correcting."""
        in_capitals = not any(c.islower() for c in text)  # caps lock: a capitalised word is no abbreviation

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            if not in_capitals and (word.isupper() or word[-1] == "s" and word[:-1].isupper()):  # SPOC, SPOs
                return word
            corrected = self._correct_word(word.lower())
            return corrected if corrected else word

        return re.sub(r"[A-Za-z][A-Za-z']+", fix, text)
