"""Tactics a question names that its best entries never speak of: evidence of "no good match"."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from indexer.decision import FEATURES, PACKAGED_MODEL, NoMatchModel
from indexer.problems import EntryProblems, Problems, ProblemsError, packaged_tactics
from indexer.search import KnowledgeIndex, Searcher


def names(*texts: str) -> set[str]:
    tactics = packaged_tactics()
    return {tactics.names[n] for n in tactics.named(*texts)}


@pytest.mark.parametrize(
    ("officer", "formal", "tactic"),
    [
        ("everyone's got ring doorbells now, does that stop burgs", "Video doorbells and burglary", "video_doorbells"),
        ("does random drug testing of pupils cut drug use", "Random drug testing in secondary schools",
         "random_drug_testing_pupils"),
        ("code word at the chemist for DA victims", "Ask for ANI in pharmacies", "ask_for_ani"),
        ("s60 in the park after the stabbing", "Section 60 searches for weapons", "stop_and_search"),
        ("does bwv cut complaints", "Body-worn video cameras", "body_worn_video"),
        ("smartwater on the church roof lead", "Forensic property marking", "forensic_marking"),
        ("is there evidence school based cops reduce violence", "Safer schools officers", "school_police_officers"),
        ("does getting the drill videos taken down reduce retaliation", "Gang video removal from YouTube",
         "online_content_removal"),
    ],
)
def test_a_tactic_is_read_in_officers_words_and_in_an_entrys(officer: str, formal: str, tactic: str) -> None:
    assert tactic in names(officer.lower())
    assert tactic in names(formal.lower())


def test_words_that_only_look_like_a_tactic_name_none() -> None:
    assert "leaflets" not in names("adult frequent flyers in the bin for petty stuff")
    assert "vehicle_trackers" not in names("could a gps tracker on a missing 14 year old keep her safe")
    assert names("what works for shed burglary") == set()
    assert names("lads speeding through the village every night") == set()


def test_the_shipped_tactics_know_video_doorbells_as_a_kind_of_cctv_and_not_answered_by_it() -> None:
    tactics = packaged_tactics()
    doorbells, cctv = tactics.names.index("video_doorbells"), tactics.names.index("cctv")
    assert tactics.broader[doorbells] == cctv
    entries = EntryProblems(tactics, ["town centre cctv monitored live by the control room",
                                      "cocooning: neighbours of a burgled home were visited"])
    assert entries.unmentioned(("do ring doorbells stop burglary",), [0, 1]) == (doorbells,)
    assert entries.unmentioned(("does cctv cut car crime",), [0, 1]) == ()
    assert tactics.label(tactics.names.index("ask_for_ani")) == "Ask for ANI"  # the aside is not shown


def test_a_bad_tactics_file_is_refused_naming_the_file_and_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "tactics.yaml"
    path.write_text("problems:\n  - name: a\n    say: ['a']\n", encoding="utf-8")
    with pytest.raises(ProblemsError, match="expected 'tactics:'") as refused:
        Problems.load(path, kind="tactic")
    assert str(path) in str(refused.value)
    path.write_text("tactics:\n  - name: a\n    say: ['a']\n    within: b\n", encoding="utf-8")
    with pytest.raises(ProblemsError, match="'within' names no tactic"):
        Problems.load(path, kind="tactic")


def test_the_weight_of_an_unmentioned_tactic_is_chosen_after_the_problems_and_bounded_alike() -> None:
    from eval.rule import weigh_tactics

    at = 0.6
    x = np.zeros((103, len(FEATURES)))
    x[:, FEATURES.index("cosine")] = [at + 0.4] * 100 + [at + 0.05, at + 0.2, at + 0.3]
    x[100:, FEATURES.index("unmentioned_tactic")] = 1.0
    x[102, FEATURES.index("unmentioned_problem")] = 1.0  # refused already for its problem, at 0.5
    y, groups = np.array([1.0] * 100 + [0.0] * 3), np.zeros(103)
    # Nothing answerable bounds it: the least weight that refuses the two left (0.2 above the bar).
    assert weigh_tactics(x, y, groups, at, 0.0, 0.0, 0.5) == pytest.approx(0.25)
    # Another tuned set holds an answerable question naming a tactic its entry puts in other
    # words, 0.1 above the bar: the weight stays below that, and still refuses the one 0.05 above.
    kept_out = np.zeros((1, len(FEATURES)))
    kept_out[0, FEATURES.index("cosine")], kept_out[0, FEATURES.index("unmentioned_tactic")] = at + 0.1, 1.0
    weight = weigh_tactics(np.vstack([x, kept_out]), np.append(y, 1.0), np.append(groups, 1), at, 0.0, 0.0, 0.5)
    assert weight == pytest.approx(0.1)


def test_the_shipped_rule_weighs_an_unmentioned_tactic_against_a_match() -> None:
    model = NoMatchModel.load(PACKAGED_MODEL)
    assert model.weights[model.features.index("unmentioned_tactic")] < 0
    assert "unmentioned tactic" in model.about["rule"]


@pytest.mark.model
def test_a_close_match_on_a_tactic_no_entry_speaks_of_gets_no_good_match_and_is_named(  # type: ignore[no-untyped-def]
    shipped_index: Path, embedder
) -> None:
    searcher = Searcher(KnowledgeIndex.load_current(shipped_index), embedder)
    doorbells = searcher.search("everyone on the estate has ring doorbells now, do they put burglars off")
    marking = searcher.search("does forensic property marking put burglars off")
    assert doorbells.evidence.unmentioned_tactic == 1.0 and doorbells.no_good_match
    assert doorbells.unmentioned == ("video doorbells and home security cameras",)
    assert not doorbells.asks_for_other  # a gap in the evidence, for the Hub to see
    assert marking.evidence.unmentioned_tactic == 0.0 and not marking.no_good_match
    without = doorbells.evidence.__class__(**{**doorbells.evidence.__dict__, "unmentioned_tactic": 0.0})
    assert searcher.no_match.probability(without) >= searcher.no_match.threshold  # refused for that alone


@pytest.mark.parametrize("unit", ["cctv ", "stop and search ", "ring doorbell ", "a "])
def test_no_question_up_to_the_length_limit_stalls_the_tactics(unit: str) -> None:
    from domain.limits import MAX_TEXT

    question = (unit * (MAX_TEXT // len(unit) + 1))[:MAX_TEXT]
    started = time.perf_counter()
    packaged_tactics().named(question, question.upper())
    assert time.perf_counter() - started < 0.5  # a stall, not a timing
