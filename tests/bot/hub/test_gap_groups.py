"""The Hub's gap report: gaps in the evidence before questions that asked for law or figures."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from bot.hub.knowledge import _gaps_text
from domain.clock import utcnow
from domain.whatworks.gaps import distinct_wordings, group_gaps
from domain.whatworks.searchlog import GAP_ASKS_FOR_OTHER, GAP_NO_MATCH, GAP_NOT_HELPFUL, GapRow


def _rows() -> list[GapRow]:
    now = utcnow()
    asked = [("max sentence for a second knife possession", GAP_ASKS_FOR_OTHER)] * 3 + [
        ("hare coursing", GAP_NO_MATCH), ("hare coursing", GAP_NOT_HELPFUL)]
    return [GapRow(query_id=i, text=text, crime_type=None, asked_at=now - timedelta(minutes=i), reason=reason)
            for i, (text, reason) in enumerate(asked)]


def test_a_group_that_only_asked_for_law_or_figures_comes_after_the_gaps_in_the_evidence() -> None:
    rows = _rows()
    vectors = np.eye(len(distinct_wordings(rows)), dtype=np.float32)  # two unrelated wordings
    groups = group_gaps(rows, vectors)
    assert [(g.question, g.count, g.no_match, g.asks_for_other, g.not_helpful) for g in groups] == [
        ("hare coursing", 2, 1, 0, 1),
        ("max sentence for a second knife possession", 3, 0, 3, 0),
    ]
    text = _gaps_text(groups, "30 days", searches=5, left_out=0)
    assert "- hare coursing: asked twice" in text and "(1 no good match, 1 not helpful)" in text
    assert "asked 3 times, last on" in text and "(3 asked for law, figures, procedure or admin)" in text
    assert text.index("hare coursing") < text.index("max sentence")
