"""Many regular expressions read against one text in a single pass.

The problem lexicon (``problems.yaml``) and the asking cues (``other_asks.yaml``) are read on
every question: 141 problems and three groups of cues, each a long alternation. Trying each
expression in turn with Python's backtracking engine costs about a millisecond a question, most
of it spent on expressions that cannot match. RE2's ``Set`` runs all of them together as one
automaton and answers which could match in tens of microseconds; Python's own engine then
confirms only those, so the answer is exactly Python's.

RE2 has no lookaround, so each expression joins the set with its lookarounds removed: a
lookaround only ever narrows a match, so the relaxed expression matches wherever the original
does, and the confirmation restores the narrowing. The same holds for the text: RE2 reads bytes
with ASCII word classes, so a text with letters outside ASCII (after typographic quotes and
dashes are read as their ASCII forms) is confirmed against every expression. An expression RE2
cannot take at all is always confirmed, and so is every expression when the automaton gives up
(RE2 stops when its memory budget is spent): a sentinel that matches every text tells a spent
automaton from a text that names nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import re2
import yaml

_LOOKAROUND = re.compile(r"\(\?<?[!=]")
# Typographic punctuation that phones type for ASCII: the same class for \w, \s and \b.
_ASCII = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"',
                        "\u2013": "-", "\u2014": "-", "\u2026": ".", "\u00a0": " "})


def checked(pattern: str, where: str, error: type[ValueError]) -> str:
    """``pattern`` as one alternative of a larger expression, once it is known to compile and
    not to match empty text; else ``error`` naming ``where`` and the reason."""
    try:
        re.compile(pattern)
    except re.error as reason:
        raise error(f"{where}: not a regular expression ({reason})") from None
    if re.fullmatch(pattern, ""):
        raise error(f"{where}: matches empty text")
    return f"(?:{pattern})"


def read_yaml(path: Path, error: type[ValueError]) -> object:
    """The YAML document at ``path``; else ``error`` naming the path and why it cannot be read."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as reason:
        raise error(f"{path}: cannot be read ({type(reason).__name__})") from None


def _class_end(source: str, i: int) -> int:
    """The position just past the character class that opens at ``source[i]``."""
    i += 1
    if source.startswith("^", i):
        i += 1
    if source.startswith("]", i):  # a leading ] is a member, not the close
        i += 1
    while i < len(source) and source[i] != "]":
        i += 2 if source[i] == "\\" else 1
    return i + 1


def _group_end(source: str, i: int) -> int:
    """The position just past the group that opens at ``source[i]``."""
    depth = 0
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            i = _class_end(source, i)
            continue
        depth += (c == "(") - (c == ")")
        i += 1
        if depth == 0:
            break
    return i


def without_lookarounds(source: str) -> str:
    """``source`` with every lookaround group removed, escapes and character classes respected."""
    out: list[str] = []
    i = 0
    while i < len(source):
        if _LOOKAROUND.match(source, i):
            i = _group_end(source, i)
            continue
        step = 2 if source[i] == "\\" else _class_end(source, i) - i if source[i] == "[" else 1
        out.append(source[i : i + step])
        i += step
    return "".join(out)


class PatternSet:
    """Which of several expressions match a text, read in one pass and confirmed by Python."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self.patterns = tuple(patterns)
        self._always: list[int] = []  # expressions RE2 cannot read: always confirmed
        self._numbers: list[int] = []  # the set's own numbering -> the expression's
        self._relaxed = tuple(without_lookarounds(pattern.pattern) for pattern in self.patterns)
        automaton = re2.Set.SearchSet()
        for number, relaxed in enumerate(self._relaxed):
            try:
                automaton.Add(relaxed)
            except re2.error:
                self._always.append(number)
            else:
                self._numbers.append(number)
        self._sentinel = len(self._numbers)
        # Each expression alone, compiled when first searched, and whether RE2 reads it exactly.
        self._single: dict[int, tuple[Any, bool] | None] = {}
        automaton.Add("")  # matches every text: its absence means the automaton gave up
        automaton.Compile()
        self._automaton = automaton

    def candidates(self, text: str) -> list[int]:
        """The expressions (by number, ascending) that may match ``text``: every one that does,
        and perhaps some that do not."""
        plain = text.translate(_ASCII)
        found = self._automaton.Match(plain) if plain.isascii() else None
        if not found or self._sentinel not in found:
            return list(range(len(self.patterns)))
        return sorted(self._always + [self._numbers[i] for i in found if i != self._sentinel])

    def search(self, number: int, text: str) -> bool:
        """Whether expression ``number`` matches ``text``, as Python's ``re`` reads it: the
        answer for one expression on one long text (an entry), without reading it for all of
        them. RE2 reads the expression alone, ten times faster than Python on a long text; on
        ASCII text its answer is Python's for an expression without lookarounds, and for one
        with them a text RE2 finds nothing in is not read again."""
        plain = text.translate(_ASCII)
        if plain.isascii():
            if number not in self._single:
                relaxed = self._relaxed[number]
                try:
                    self._single[number] = (re2.compile(relaxed), relaxed == self.patterns[number].pattern)
                except re2.error:
                    self._single[number] = None
            single = self._single[number]
            if single is not None:
                quick, exact = single
                if quick.search(plain) is None:
                    return False
                if exact:
                    return True
        return self.patterns[number].search(text) is not None

    def matching(self, text: str) -> list[int]:
        """The expressions (by number, ascending) that match ``text``, as Python's ``re`` reads it."""
        return [number for number in self.candidates(text) if self.patterns[number].search(text)]
