"""Similar submissions: the saved submissions' embeddings in memory, compared by cosine.

Before saving, the bot looks for submissions like the draft (title and description
embeddings) so an officer can add their notes and support to existing work instead of
starting it twice; the Hub's queue shows the same comparison for each waiting submission.
"""

from __future__ import annotations

import logging
import threading
from typing import Sequence

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.models import Submission
from domain.portal.records import SimilarSubmission, Status

__all__ = ["SIMILAR_ABOVE", "SimilarIndex", "unit"]

log = logging.getLogger(__name__)

# Cosine similarity above which an existing submission is offered as possibly the same
# work. With all-MiniLM-L6-v2, an officer's rewording of a saved submission scored
# 0.55-0.81 against it (always the closest); related but different problems (knives at a
# station and knife arches in schools) 0.45-0.64, which are worth seeing too; and
# submissions about something else 0.44 at most.
SIMILAR_ABOVE = 0.5
# Candidates looked at beyond ``k``, in case some of them are left out by their status.
_SPARE = 20

Vector = Sequence[float] | npt.NDArray[np.floating]


def unit(vector: Vector) -> npt.NDArray[np.float32]:
    """``vector`` as float32 scaled to length one (a zero vector is left as it is)."""
    array = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(array))
    return array / norm if norm > 0 else array


class SimilarIndex:
    """Unit vectors of the saved submissions in memory, caught up with the database on use.

    Rows are added in id order. A submission's id is given out after its year's counter
    row is locked, and that lock is held until commit, so submissions become visible in id
    order and loading "ids above the last one loaded" never skips one saved meanwhile.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._reset(0)

    def _reset(self, dimension: int) -> None:
        self.dimension = dimension
        self.last_id = 0
        self.ids: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self.matrix: npt.NDArray[np.float32] = np.zeros((0, dimension), dtype=np.float32)

    def catch_up(self, session: Session, dimension: int) -> None:
        """Load the vectors saved since the last call (all of them if ``dimension`` changed)."""
        if dimension != self.dimension:  # first use, or the embedding model changed
            self._reset(dimension)
        rows = session.execute(
            select(Submission.id, Submission.vector)
            .where(Submission.id > self.last_id, Submission.vector.is_not(None))
            .order_by(Submission.id)
        ).all()
        if not rows:
            return
        self.last_id = rows[-1].id
        fitting = [row for row in rows if row.vector is not None and len(row.vector) == 4 * dimension]
        if len(fitting) < len(rows):
            log.warning("%d submission vectors have another dimension; not compared", len(rows) - len(fitting))
        if fitting:
            vectors = np.frombuffer(b"".join(row.vector for row in fitting), dtype=np.float32)
            self.matrix = np.vstack([self.matrix, vectors.reshape(len(fitting), dimension)])
            self.ids = np.concatenate([self.ids, np.array([row.id for row in fitting], dtype=np.int64)])

    def search(
        self,
        session: Session,
        vector: Vector,
        k: int,
        exclude_reference: str | None,
        leave_out: frozenset[Status] = frozenset({Status.MERGED}),
    ) -> list[SimilarSubmission]:
        """The ``k`` submissions most like ``vector`` above ``SIMILAR_ABOVE``, best first,
        leaving out those with a status in ``leave_out`` (merged ones by default) and
        ``exclude_reference``. Call it holding ``lock``."""
        query = unit(vector)
        self.catch_up(session, query.shape[0])
        if not len(self.ids):
            return []
        scores = self.matrix @ query
        above = np.flatnonzero(scores > SIMILAR_ABOVE)
        ranked = above[np.argsort(-scores[above], kind="stable")][: k + _SPARE]
        candidates = {int(self.ids[i]): float(scores[i]) for i in ranked}
        if not candidates:
            return []
        rows = session.execute(
            select(Submission.id, Submission.reference, Submission.title, Submission.status).where(
                Submission.id.in_(list(candidates)), Submission.status.not_in([s.value for s in leave_out])
            )
        ).all()
        found = [
            SimilarSubmission(row.reference, row.title, Status(row.status), candidates[row.id])
            for row in rows
            if row.reference != exclude_reference
        ]
        found.sort(key=lambda item: -item.score)
        return found[:k]
