"""Which crime problems a question names, and whether an entry speaks of the same problem.

An officer asking about a problem the base has no evidence on ("lads speeding through the
village", "kids being sextorted on snapchat", "hare coursing on the farms") still finds a
closest passage: a question about residents wanting action on speeding comes close in meaning
to Neighbourhood Watch. What tells such a match apart is that the entry never speaks of the
problem the officer named. ``problems.yaml``, beside this module, lists crime and community-harm
problems, each with regular expressions for the ways officers and evidence summaries name it
("screwing houses", "break-ins", "dwelling burglary"). The search reads which problems a
question names and whether its best entries mention any of them (``unmentioned_problem``); the
no-match decision weighs that against how close the match is, by a weight fitted on the tuned
question sets (``python -m eval.fit``).

``tactics.yaml`` is the same kind of lexicon for prevention tactics ("ring doorbells", "s60",
"Ask for ANI"): a question about a tactic none of the best entries speaks of comes close to
entries on the same problem done otherwise (``unmentioned_tactic``).

A problem the lexicon does not list is simply not read, so a question naming none gives no
evidence either way, and a base that gains an entry on a problem answers questions on it with
no change here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import orjson

from indexer.patterns import PatternSet, checked, read_yaml

PACKAGED_PROBLEMS = Path(__file__).with_name("problems.yaml")
PACKAGED_TACTICS = Path(__file__).with_name("tactics.yaml")
ENTRY_TEXTS = "entry_texts.json"  # in an index version: each entry's passages, in lower case


class ProblemsError(ValueError):
    """A problem lexicon that cannot be used; the message names the path, the problem and the reason."""


@dataclass(frozen=True)
class Problems:
    """Each problem's name and its ways of being named, compiled into one expression."""

    names: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    count: int  # patterns in all
    # A problem that is a kind of another (romance fraud of fraud): narrower -> broader, by number.
    # An entry that names only the broader problem does not speak of the narrower one.
    broader: dict[int, int] = field(default_factory=dict)
    # How an officer reads a problem's name where it is not its name with spaces ("e-scooters and
    # e-bikes"), by number.
    labels: dict[int, str] = field(default_factory=dict)
    # Problems that are where something happens (railways, buses), by number: an entry that
    # speaks of the place does not speak of another problem the question names there.
    settings: frozenset[int] = frozenset()
    reader: PatternSet = field(init=False, repr=False, compare=False)
    # ``broader`` the other way round: broader -> its narrower kinds. An entry that names a
    # narrower problem speaks of the broader one too (phone snatching of theft from the person).
    narrower: dict[int, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reader", PatternSet(self.patterns))
        narrower: dict[int, tuple[int, ...]] = {}
        for kind, broader in self.broader.items():
            narrower[broader] = (*narrower.get(broader, ()), kind)
        object.__setattr__(self, "narrower", narrower)

    @classmethod
    def from_mapping(cls, data: object, *, path: str = "problems.yaml", kind: str = "problem") -> "Problems":
        """The lexicon under ``{kind}s:``: ``problems.yaml``, or ``tactics.yaml`` with kind "tactic"."""
        problems = data.get(f"{kind}s") if isinstance(data, dict) else None
        if not isinstance(problems, list) or not problems:
            raise ProblemsError(f"{path}: expected '{kind}s:' with a list of {{name: ..., say: [patterns]}}")
        names: list[str] = []
        patterns: list[re.Pattern[str]] = []
        within: dict[int, tuple[int, str]] = {}  # narrower -> (its item's number, the broader's name)
        labels: dict[int, str] = {}
        settings: set[int] = set()
        count = 0
        for number, item in enumerate(problems, 1):
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str) or not name.strip():
                raise ProblemsError(f"{path}: {kind} {number}: field 'name' must be text")
            named = f"{path}: {kind} {number} ({name})"  # where every later message points
            if name in names:
                raise ProblemsError(f"{named}: the name is used twice")
            say = item.get("say")
            if not isinstance(say, list) or not say:
                raise ProblemsError(f"{named}: field 'say' must be a list of patterns")
            sources = []
            for way, pattern in enumerate(say, 1):
                where = f"{named}, pattern {way}"
                if not isinstance(pattern, str) or not pattern.strip():
                    raise ProblemsError(f"{where}: must be text")
                sources.append(checked(pattern, where, ProblemsError))
            kind_of = item.get("within")
            if kind_of is not None:
                if not isinstance(kind_of, str) or not kind_of.strip() or kind_of == name:
                    raise ProblemsError(f"{named}: field 'within' must name another {kind}")
                within[len(names)] = (number, kind_of)
            label = item.get("label")
            if label is not None:
                if not isinstance(label, str) or not label.strip():
                    raise ProblemsError(f"{named}: field 'label' must be text")
                labels[len(names)] = label
            setting = item.get("setting", False)
            if not isinstance(setting, bool):
                raise ProblemsError(f"{named}: field 'setting' must be true or false")
            if setting:
                settings.add(len(names))
            names.append(name)
            patterns.append(re.compile("|".join(sources)))
            count += len(sources)
        broader: dict[int, int] = {}
        for narrower, (number, kind_of) in within.items():
            if kind_of not in names:
                raise ProblemsError(f"{path}: {kind} {number} ({names[narrower]}): 'within' names no {kind} "
                                    f"of the lexicon: {kind_of}")
            broader[narrower] = names.index(kind_of)
        for start in broader:  # a kind of a kind of ... never comes back to itself
            seen, at = {start}, broader[start]
            while at in broader:
                at = broader[at]
                if at in seen:
                    raise ProblemsError(f"{path}: {kind} {names[start]}: 'within' goes round in a circle")
                seen.add(at)
        return cls(tuple(names), tuple(patterns), count, broader, labels, frozenset(settings))

    @classmethod
    def load(cls, path: Path, kind: str = "problem") -> "Problems":
        return cls.from_mapping(read_yaml(path, ProblemsError), path=str(path), kind=kind)

    def named(self, *readings: str) -> tuple[int, ...]:
        """The problems (by number) that any reading of a question names."""
        return tuple(self.reader.matching("\n".join(dict.fromkeys(r.lower() for r in readings))))

    def mentions(self, problem: int, text: str) -> bool:
        """Whether ``text`` (lower case) names the problem."""
        return self.reader.search(problem, text)

    def label(self, problem: int) -> str:
        """The problem's name as an officer reads it: "hare coursing", "FGM", "Ask for ANI" (a
        label's aside in brackets, "Ask for ANI (pharmacy codeword for domestic abuse)", is for
        whoever keeps the lexicon)."""
        if problem in self.labels:
            return re.sub(r"\s*\([^)]*\)", "", self.labels[problem])
        name = self.names[problem]
        return name.upper() if len(name) <= 4 and name.isalpha() else name.replace("_", " ")


@lru_cache(maxsize=1)
def packaged_problems() -> Problems:
    """The problems shipped beside this module, read once per process."""
    return Problems.load(PACKAGED_PROBLEMS)


@lru_cache(maxsize=1)
def packaged_tactics() -> Problems:
    """The prevention tactics shipped beside this module (``tactics.yaml``), read once per
    process: the same kind of lexicon, naming what an officer asks about doing rather than the
    problem it is done about."""
    return Problems.load(PACKAGED_TACTICS, kind="tactic")


class EntryProblems:
    """Which problems the entries of one index version speak of, each read when first asked."""

    def __init__(self, problems: Problems, texts: list[str] | None) -> None:
        self.problems = problems
        self.texts = texts  # None for a version published before entries' texts were kept
        self._mentions: dict[tuple[int, int], bool] = {}

    @classmethod
    def for_version(cls, folder: Path, problems: Problems | None = None) -> "EntryProblems":
        path = Path(folder) / ENTRY_TEXTS
        texts = orjson.loads(path.read_bytes()) if path.is_file() else None
        return cls(problems or packaged_problems(), texts)

    def mentions(self, position: int, problem: int) -> bool:
        """Whether the entry at ``position`` names the problem, or a narrower kind of it."""
        key = (position, problem)
        found = self._mentions.get(key)
        if found is None:  # at most one answer per entry and problem is ever kept
            found = self.texts is not None and (
                self.problems.mentions(problem, self.texts[position])
                or any(self.mentions(position, kind) for kind in self.problems.narrower.get(problem, ())))
            self._mentions[key] = found
        return found

    def unmentioned(self, readings: tuple[str, ...], positions: list[int]) -> tuple[int, ...]:
        """The problems (by number) a question names in any of its ``readings`` that none of the
        entries at ``positions`` names, when those entries name nothing else the question does
        but the broader problems of them ("romance fraud" against entries on fraud in general)
        or, when a problem that is not a place is missing, the places it names ("fireworks
        thrown at buses" against entries that speak of buses).
        Nothing when an entry speaks of what the question asks about, when the question names
        no problem, or when the version kept no texts to read."""
        if self.texts is None or not positions:
            return ()
        named = self.problems.named(*readings)
        spoken_of = {problem for problem in named if any(self.mentions(p, problem) for p in positions)}
        missing = tuple(problem for problem in named if problem not in spoken_of)
        broader_only = {self.problems.broader[m] for m in missing if m in self.problems.broader}
        settings = self.problems.settings
        places = settings if any(m not in settings for m in missing) else frozenset()
        return missing if missing and not spoken_of - broader_only - places else ()

    def no_evidence_on(self, problems: tuple[int, ...], positions: list[int]) -> tuple[str, ...]:
        """Of ``problems``, those none of the entries at ``positions`` (a wider reach than the
        decision's) names, as an officer reads them: what the card may say the base has no
        evidence on. A problem an entry names that the search ranked below the best few is not
        one the base lacks."""
        return tuple(self.problems.label(problem) for problem in problems
                     if not any(self.mentions(p, problem) for p in positions))
