"""What a question asks for: prevention, which the base is for, or something else.

Officers also ask the assistant points of law ("is shop theft under 200 quid still summary
only"), figures ("knife crime stats 2024 our force"), procedure in one case ("which form for
the NRM") and about their own pay or systems. Such a question often shares its topic with an
entry, so it finds a close passage and strong keywords, and only what it asks for tells it
apart.

The reading looks at what the closest passages do not explain. The question's meaning
vector is stripped of its component along the passages closest to it (``PASSAGES`` of them),
and a linear reading of what is left says how far the question asks for prevention: positive
when it does, negative when it asks for something else. A bare topic ("property marking") is
nearly all explained by its passages, so little is left to read and it reads as neither. The
reading is data (``no_match_model.json``), fitted by ``python -m eval.fit --rule`` on
``eval/intent/``: questions labelled by what they ask for, and bare phrases that mean "what
works for this".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

PASSAGES = 3  # the closest passages whose directions are taken out of the question's vector
# Asking words: what a question wants, not what it is about.
_ASKING = re.compile(
    r"(?i)\b(what works( for| to| on| with| against)?|what can (we|i|you) do( about)?|how (do|can|should) (we|i|you)|"
    r"best way to|is there any evidence( for| on| that)?|evidence (base )?(for|on)|any ideas( for| on)?|"
    r"best practice( for| on)?|examples? of)\b"
)


def dense_text(text: str) -> str:
    """The question without its asking words, for matching by meaning."""
    stripped = " ".join(_ASKING.sub(" ", text).split())
    return stripped or text


def unexplained(vector: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    """``vector`` without its components in the span of the ``nearest`` passage vectors."""
    if not len(nearest):
        return vector
    basis, _ = np.linalg.qr(np.asarray(nearest, dtype=np.float64).T)  # orthonormal columns
    rest: np.ndarray = vector - basis @ (basis.T @ vector)
    return rest


@dataclass(frozen=True)
class IntentReading:
    """A linear reading of the unexplained part of a question's meaning vector."""

    weights: np.ndarray = field(repr=False, compare=False)
    intercept: float
    passages: int
    about: dict[str, Any]

    @classmethod
    def from_mapping(cls, data: Any) -> "IntentReading":
        """Raises ``KeyError``, ``TypeError`` or ``ValueError`` for a mapping that is not one."""
        weights = np.array([float(w) for w in data["weights"]], dtype=np.float64)
        passages = int(data["passages"])
        if weights.ndim != 1 or not len(weights) or not np.isfinite(weights).all():
            raise ValueError("the intent reading needs finite weights")
        if not 0 <= passages <= PASSAGES:
            raise ValueError(f"the intent reading takes out 0 to {PASSAGES} passages, not {passages}")
        return cls(weights=weights, intercept=float(data["intercept"]), passages=passages,
                   about=dict(data.get("about") or {}))

    @property
    def dimension(self) -> int:
        return len(self.weights)

    def read(self, vector: np.ndarray, nearest: np.ndarray) -> float:
        """Positive when the question asks for prevention, negative when for something else."""
        return float(self.weights @ unexplained(vector.astype(np.float64), nearest[: self.passages]) + self.intercept)

    def other(self, vector: np.ndarray, nearest: np.ndarray) -> float:
        """How far the question reads as asking for something other than prevention; 0 when
        it reads as asking for prevention, or when the vector is not of the reading's size."""
        if vector.shape != self.weights.shape:
            return 0.0
        return max(0.0, -self.read(vector, nearest))

    def as_json(self) -> dict[str, Any]:
        return {"passages": self.passages, "intercept": self.intercept,
                "weights": [round(float(w), 6) for w in self.weights], "about": self.about}
