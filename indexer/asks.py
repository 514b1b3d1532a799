"""Whether a question's wording asks for something the evidence base never holds.

Officers also ask the assistant points of law ("is it an offence to carry a machete in the
car"), figures ("how many resi burglaries did we have last year"), the procedure of one live
case ("NRM referral form link", "how do I get the phone downloaded") and their own admin ("which
form for overtime", "who's the on-call supt tonight"). Such a question often names a topic an
entry covers, so its closest passage and its keywords look like a match. The intent reading
(``indexer.intent``) reads what the question's meaning vector leaves unexplained; these cues
read the words themselves: ``other_asks.yaml``, beside this module, lists regular expressions
in four groups (law, figures, procedure, admin), each anchored in an asking phrase so that a
question about preventing a problem, even one naming a power or an order, does not match.

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
GROUPS = ("law", "figures", "procedure", "admin")
# A question that asks what has worked is asking for prevention, whatever else it says on the way:
# "we've seized a couple under s59 but they're back within a week. What has worked elsewhere?"
# Each cue gives way to "works" or "effective" within 80 characters; this gives way across a
# whole rambling question.
ASKS_WHAT_WORKS = re.compile(
    r"\bwhat (?:has|have|had) (?:\w+ )?worked\b|\bwhat (?:\w+ )?works\b|\bworked elsewhere\b"
    r"|\b(?:has|have) (?:anyone|anybody|any forces?|other forces?) (?:\w+ )?(?:tried|done|had success)\b"
)


class CuesError(ValueError):
    """A cue file that cannot be used; the message names the path, the pattern and the reason."""


@dataclass(frozen=True)
class AskCues:
    """Each group's patterns, compiled into one expression."""

    groups: tuple[tuple[str, re.Pattern[str]], ...]
    count: int  # patterns in all
    reader: PatternSet = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reader", PatternSet([pattern for _, pattern in self.groups]))

    @classmethod
    def from_mapping(cls, data: object, *, path: str = "other_asks.yaml") -> "AskCues":
        groups = data.get("groups") if isinstance(data, dict) else None
        if not isinstance(groups, dict) or not groups:
            raise CuesError(f"{path}: expected 'groups:' mapping {', '.join(GROUPS)} to lists of patterns")
        unknown = [g for g in groups if g not in GROUPS]
        if unknown:
            raise CuesError(f"{path}: unknown group {', '.join(map(str, unknown))} (known: {', '.join(GROUPS)})")
        compiled, count = [], 0
        for group, items in groups.items():
            if not isinstance(items, list) or not items:
                raise CuesError(f"{path}: group {group}: expected a list of {{pattern: ..., note: ...}}")
            sources = []
            for number, item in enumerate(items, 1):
                pattern = item.get("pattern") if isinstance(item, dict) else None
                if not isinstance(pattern, str) or not pattern.strip():
                    raise CuesError(f"{path}: {group} pattern {number}: field 'pattern' must be text")
                sources.append(checked(pattern, f"{path}: {group} pattern {number}", CuesError))
            compiled.append((group, re.compile("|".join(sources))))
            count += len(sources)
        return cls(tuple(compiled), count)

    @classmethod
    def load(cls, path: Path) -> "AskCues":
        return cls.from_mapping(read_yaml(path, CuesError), path=str(path))

    def asks_for(self, question: str) -> str | None:
        """The first group whose wording the question uses (law, figures, procedure, admin);
        None when it asks for none of them."""
        lower = question.lower()
        if ASKS_WHAT_WORKS.search(lower):
            return None
        found = self.reader.matching(lower)
        return self.groups[found[0]][0] if found else None


@lru_cache(maxsize=1)
def packaged_cues() -> AskCues:
    """The cues shipped beside this module, read once per process."""
    return AskCues.load(PACKAGED_CUES)
