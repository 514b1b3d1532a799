"""Whether a question's wording asks for something the evidence base never holds.

Officers also ask the assistant points of law ("is it an offence to carry a machete in the
car"), figures ("how many resi burglaries did we have last year"), the procedure of one live
case ("NRM referral form link", "how do I get the phone downloaded"), their own admin ("which
form for overtime", "who's the on-call supt tonight") and something written for them ("draft a
letter to residents"). Such a question often names a topic an
entry covers, so its closest passage and its keywords look like a match. The intent reading
(``indexer.intent``) reads what the question's meaning vector leaves unexplained; these cues
read the words themselves: ``other_asks.yaml``, beside this module, lists regular expressions
in five groups (law, figures, procedure, admin, writing), each anchored in an asking phrase so that a
question about preventing a problem, even one naming a power or an order, does not match. A
cue gives way when the question goes on, within ``GIVES_WAY_WITHIN`` characters, to ask whether
something works (the kinds of wording the file's ``gives_way`` names), and no cue is read in a
question that asks what has worked (the file's ``what_works``), however long.

Wording can also say that a question asks about prevention: how a tactic is done, its dose ("how
long at each hotspot", "how often does a mentor need to see a kid"), its reach ("how far out do we
go") and whether it only moves the problem ("just displace it?"). The intent reading takes such
questions for procedure, so it is not read in them (the file's ``how_it_is_done``, ``asks_how_it_is_done``).

A match is evidence, not a verdict: the no-match decision weighs it (``asks_other``) against
how close the match is, by a weight fitted on the tuned question sets (``python -m eval.fit``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from indexer.patterns import PatternSet, checked, read_yaml

PACKAGED_CUES = Path(__file__).with_name("other_asks.yaml")
GROUPS = ("law", "figures", "procedure", "admin", "writing")
GIVES_WAY_WITHIN = 80  # characters after a cue in which wording it gives way to cancels it


class CuesError(ValueError):
    """A cue file that cannot be used; the message names the path, the pattern and the reason."""


@dataclass(frozen=True)
class AskCues:
    """Each group's patterns, compiled into one expression."""

    groups: tuple[tuple[str, re.Pattern[str]], ...]
    count: int  # patterns in all
    what_works: re.Pattern[str] | None = None  # a question asking what has worked: no cue is read
    how_it_is_done: re.Pattern[str] | None = None  # a question asking how prevention is done: no intent reading
    reader: PatternSet = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reader", PatternSet([pattern for _, pattern in self.groups]))

    @classmethod
    def from_mapping(cls, data: object, *, path: str = "other_asks.yaml") -> "AskCues":
        groups = data.get("groups") if isinstance(data, dict) else None
        if not isinstance(data, dict) or not isinstance(groups, dict) or not groups:
            raise CuesError(f"{path}: expected 'groups:' mapping {', '.join(GROUPS)} to lists of patterns")
        unknown = [g for g in groups if g not in GROUPS]
        if unknown:
            raise CuesError(f"{path}: unknown group {', '.join(map(str, unknown))} (known: {', '.join(GROUPS)})")
        gives_way = _gives_way(data.get("gives_way") or {}, path)
        wording = {}
        for key in ("what_works", "how_it_is_done"):
            pattern = data.get(key)
            if pattern is not None and (not isinstance(pattern, str) or not pattern.strip()):
                raise CuesError(f"{path}: '{key}' must be a pattern")
            wording[key] = re.compile(checked(pattern, f"{path}: {key}", CuesError)) if pattern else None
        compiled, count = [], 0
        for group, items in groups.items():
            if not isinstance(items, list) or not items:
                raise CuesError(f"{path}: group {group}: expected a list of {{pattern: ..., note: ...}}")
            sources = []
            for number, item in enumerate(items, 1):
                where = f"{path}: {group} pattern {number}"
                pattern = item.get("pattern") if isinstance(item, dict) else None
                if not isinstance(pattern, str) or not pattern.strip():
                    raise CuesError(f"{where}: field 'pattern' must be text")
                kinds = item.get("gives_way") or []
                if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
                    raise CuesError(f"{where}: 'gives_way' must list kinds of wording ({', '.join(gives_way)})")
                unknown = [k for k in kinds if k not in gives_way]
                if unknown:
                    raise CuesError(f"{where}: 'gives_way' names no kind of wording: {', '.join(unknown)} "
                                    f"(known: {', '.join(gives_way) or 'none'})")
                source = checked(pattern, where, CuesError)
                if kinds:
                    source += f"(?!.{{0,{GIVES_WAY_WITHIN}}}(?:{'|'.join(gives_way[k] for k in kinds)}))"
                sources.append(source)
            compiled.append((group, re.compile("|".join(sources))))
            count += len(sources)
        return cls(tuple(compiled), count, **wording)

    @classmethod
    def load(cls, path: Path) -> "AskCues":
        return cls.from_mapping(read_yaml(path, CuesError), path=str(path))

    def asks_for(self, question: str) -> str | None:
        """The first group whose wording the question uses (law, figures, procedure, admin);
        None when it asks for none of them."""
        lower = question.lower()
        if self.what_works and self.what_works.search(lower):
            return None
        found = self.reader.matching(lower)
        return self.groups[found[0]][0] if found else None

    def asks_how_it_is_done(self, question: str) -> bool:
        """Whether the question's wording asks how a prevention tactic is done: its dose, its reach,
        whether it displaces the problem, how one would know it works."""
        return bool(self.how_it_is_done and self.how_it_is_done.search(question.lower()))


def _gives_way(kinds: object, path: str) -> dict[str, str]:
    """The file's kinds of wording a cue may give way to, each checked as a pattern."""
    if not isinstance(kinds, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in kinds.items()):
        raise CuesError(f"{path}: 'gives_way' must map each kind of wording to a pattern")
    return {kind: checked(pattern, f"{path}: gives_way {kind}", CuesError) for kind, pattern in kinds.items()}


@lru_cache(maxsize=1)
def packaged_cues() -> AskCues:
    """The cues shipped beside this module, read once per process."""
    return AskCues.load(PACKAGED_CUES)
