"""The "no good match" decision: a fitted model published with every index version."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from indexer.build import BuildError, build, current_version, version_dir
from indexer.decision import FEATURES, MODEL_FILE, PACKAGED_MODEL, Evidence, ModelError, NoMatchModel, chance_rise
from indexer.search import KnowledgeIndex, Searcher

STRONG = Evidence(cosine=0.62, margin=0.12, keywords=0.8, rare_terms=2.5, known=0.95, recognised=1.0, length=1.6)
WEAK = Evidence(cosine=0.25, margin=0.01, keywords=0.35, rare_terms=0.3, known=0.45, recognised=0.0, length=1.9)


def test_the_shipped_model_is_fitted_calibrated_and_says_which_evidence_it_uses() -> None:
    model = NoMatchModel.load(PACKAGED_MODEL)
    assert set(model.features) <= set(FEATURES) and "cosine" in model.features
    assert model.about["sets"] and not any("heldout" in s for s in model.about["sets"])  # never fitted on them
    assert model.probability(STRONG) > 0.8 > 0.5 > 0.2 > model.probability(WEAK)


def test_closer_meaning_never_lowers_the_probability() -> None:
    model = NoMatchModel.load(PACKAGED_MODEL)
    probabilities = [model.probability(replace(WEAK, cosine=c / 100)) for c in range(20, 80, 5)]
    assert probabilities == sorted(probabilities) and probabilities[-1] > probabilities[0]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"features": ["cosine", "shoe size"]}, "unknown evidence shoe size"),
        ({"scale": [0.0] * 9}, "differ in length"),
        ({"threshold": 1.5}, "threshold is a probability"),
        ({"weights": None}, "not a no-match model"),
    ],
)
def test_a_model_file_that_cannot_be_used_is_refused_with_the_reason(change: dict[str, object], reason: str) -> None:
    data = json.loads(PACKAGED_MODEL.read_text())
    data.update(change)
    with pytest.raises(ModelError, match=reason):
        NoMatchModel.from_mapping(data)


@pytest.mark.model
def test_the_model_is_published_with_the_version_and_a_refit_publishes_a_new_one(
    knowledge_copy: Path, tmp_path: Path, embedder  # type: ignore[no-untyped-def]
) -> None:
    index_dir = tmp_path / "index"
    first = build(knowledge_copy, index_dir, embedder)
    published = version_dir(index_dir, first.version) / MODEL_FILE
    assert json.loads(published.read_text()) == json.loads(PACKAGED_MODEL.read_text())

    refit = tmp_path / "refit.json"
    data = json.loads(PACKAGED_MODEL.read_text())
    data["threshold"] = 0.99  # a stricter decision: almost everything refused
    refit.write_text(json.dumps(data))
    second = build(knowledge_copy, index_dir, embedder, no_match_file=refit)
    assert second.published and second.version != first.version
    index = KnowledgeIndex.load_current(index_dir)
    assert index.no_match.threshold == 0.99
    assert Searcher(index, embedder).search("what works for county lines").no_good_match

    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(BuildError, match="broken.json: cannot be read"):
        build(knowledge_copy, index_dir, embedder, no_match_file=broken)
    assert current_version(index_dir) == second.version  # the served version is untouched


@pytest.mark.model
def test_a_version_published_before_the_model_existed_still_answers(
    shipped_index: Path, tmp_path: Path, embedder  # type: ignore[no-untyped-def]
) -> None:
    old = tmp_path / "index"
    shutil.copytree(shipped_index, old)
    (version_dir(old, str(current_version(old))) / MODEL_FILE).unlink()
    result = Searcher(KnowledgeIndex.load_current(old), embedder).search("what works for county lines")
    assert not result.no_good_match and result.results[0].id.startswith("county-lines")


def test_the_threshold_refuses_at_most_three_in_a_hundred_answerable_questions_of_any_set() -> None:
    from eval.fit import best_threshold, set_error

    # Set 0: 97 answerable at 0.8 and 3 at 0.3, unanswerable at 0.2 and 0.75. Set 1: 100
    # answerable at 0.7. The strictest threshold within 3% for set 0 alone is 0.80; set 1
    # brings it down to 0.70, though the unanswerable question at 0.75 is then answered.
    p = np.array([0.8] * 97 + [0.3] * 3 + [0.2, 0.75] + [0.7] * 100)
    y = np.array([1.0] * 100 + [0.0, 0.0] + [1.0] * 100)
    groups = np.array([0] * 102 + [1] * 100)
    assert best_threshold(p[:102], y[:102], groups[:102]) == pytest.approx(0.80)
    assert best_threshold(p, y, groups) == pytest.approx(0.70)
    assert set_error(p[:102], y[:102], 0.70) == pytest.approx(0.5)  # one of two unanswerable answered
    # Refusing answerable questions beyond 3% counts against a candidate one for one.
    assert set_error(p[:102], y[:102], 0.81) == pytest.approx(1.0 - 0.03)


RULE_AT = 0.60  # the rule's threshold in the toy questions below


def test_the_rule_is_calibrated_to_even_odds_at_its_own_threshold() -> None:
    from eval.rule import RULE_PER_RARE_TERM, calibrated_rule

    rng = np.random.default_rng(3)
    cosine = rng.uniform(0.2, 0.8, 200)
    rare = rng.uniform(0.0, 3.0, 200)
    y = (cosine + RULE_PER_RARE_TERM * rare + rng.normal(0, 0.05, 200) >= RULE_AT).astype(float)
    x = np.zeros((200, len(FEATURES)))
    x[:, FEATURES.index("cosine")], x[:, FEATURES.index("rare_terms")] = cosine, rare
    model = calibrated_rule(x, y, np.zeros(200), [Path("toy.yaml")], "v1", RULE_AT)
    at = Evidence(cosine=RULE_AT, margin=0.0, keywords=0.0, rare_terms=0.0, known=0.0, recognised=0.0, length=0.0)
    assert model.probability(at) == pytest.approx(0.5)
    assert model.probability(replace(at, cosine=RULE_AT + 0.1)) > 0.8 > 0.2 > model.probability(replace(at, cosine=RULE_AT - 0.1))


def test_the_held_out_sets_are_never_fitted_on(capsys: pytest.CaptureFixture[str]) -> None:
    from eval.fit import main

    with pytest.raises(SystemExit) as exit:
        main(["--sets", "eval/questions.yaml", "eval/heldout_officers.yaml"])
    assert exit.value.code == 2 and "never fitted on" in capsys.readouterr().err


@pytest.mark.model
def test_a_version_whose_model_this_code_cannot_read_is_served_with_the_packaged_one(
    shipped_index: Path, tmp_path: Path, embedder  # type: ignore[no-untyped-def]
) -> None:
    old = tmp_path / "index"
    shutil.copytree(shipped_index, old)
    published = version_dir(old, str(current_version(old))) / MODEL_FILE
    data = json.loads(published.read_text())
    data["features"] = ["cosine", "evidence from an older release"]
    published.write_text(json.dumps(data))
    index = KnowledgeIndex.load_current(old)
    assert index.no_match == NoMatchModel.load(PACKAGED_MODEL)
    assert not Searcher(index, embedder).search("what works for county lines").no_good_match


def test_the_rule_threshold_is_the_strictest_that_refuses_at_most_3_percent_of_every_sets_answerable() -> None:
    from eval.rule import rule_threshold

    x = np.zeros((200, len(FEATURES)))
    # Two sets of 100 answerable questions; the second has five close to the bar.
    cosine = np.concatenate([np.full(100, 0.80), np.full(95, 0.80), [0.52, 0.55, 0.57, 0.59, 0.61]])
    x[:, FEATURES.index("cosine")] = cosine
    groups, y = np.repeat([0.0, 1.0], 100), np.ones(200)
    # At 0.60 the second set refuses 4 of 100; at 0.58, 3: within 3%.
    assert rule_threshold(x, y, groups) == pytest.approx(0.58)
    assert rule_threshold(x[:100], y[:100], groups[:100]) == pytest.approx(0.80)
    # Rare terms lift a question over the bar as the rule adds them.
    x[195:, FEATURES.index("rare_terms")] = 2.0
    assert rule_threshold(x, y, groups) == pytest.approx(0.80)


def test_the_intent_reading_weighs_no_more_than_the_answerable_questions_allow() -> None:
    from eval.rule import weigh_intent

    def evidence(cosine: list[float], other: list[float]) -> np.ndarray:
        x = np.zeros((len(cosine), len(FEATURES)))
        x[:, FEATURES.index("cosine")], x[:, FEATURES.index("other_intent")] = cosine, other
        return x

    # 100 answerable questions 0.1 above the threshold, one read as other at 1.0, and an
    # unanswerable one read as other at 2.0: more than 0.1 a unit refuses the first.
    x = evidence([RULE_AT + 0.1] * 100 + [RULE_AT + 0.05], [0.0] * 99 + [1.0, 2.0])
    y = np.array([1.0] * 100 + [0.0])
    quiet_bank = evidence([RULE_AT + 0.3] * 10, [0.0] * 10)
    assert weigh_intent(x, y, np.zeros(101), quiet_bank, np.zeros(10), RULE_AT) == pytest.approx(0.99)  # 1 in 100 is within 3%
    x[:99, FEATURES.index("other_intent")] = [1.0] * 3 + [0.0] * 96  # now four of them read as other
    assert weigh_intent(x, y, np.zeros(101), quiet_bank, np.zeros(10), RULE_AT) == pytest.approx(0.1)
    # A prevention question of the bank read as other at 1.0 out of its topic, 0.05 above: 1 in 10 is over 2%.
    bank_other = np.array([1.0] + [0.0] * 9)
    assert weigh_intent(x, y, np.zeros(101), evidence([RULE_AT + 0.05] + [RULE_AT + 0.3] * 9, [0.0] * 10),
                        bank_other, RULE_AT) == pytest.approx(0.05)


def test_a_larger_base_raises_the_bar_by_what_chance_adds_and_a_smaller_one_keeps_it() -> None:
    model = NoMatchModel.load(PACKAGED_MODEL)
    at = -model.intercept / model.weights[model.features.index("cosine")]  # the rule's bar on the cosine
    fitted_on = model.passages
    assert fitted_on and fitted_on > 100
    # A question just above the bar in the base the model was fitted on, whose similarity to
    # the base's passages spreads as a typical question's does (about 0.09).
    near = Evidence(cosine=at + 0.03, margin=0.0, keywords=0.0, rare_terms=0.0, known=0.0, recognised=0.0,
                    length=0.0, spread=0.09, passages=fitted_on)
    assert model.probability(near) > 0.5
    # With 35 times the passages, an unrelated passage comes about 0.07 closer by chance.
    assert chance_rise(0.09, 35 * fitted_on, fitted_on) == pytest.approx(0.07, abs=0.01)
    assert model.probability(replace(near, passages=35 * fitted_on)) < 0.5
    # A close match stays an answer in a base a hundred times larger.
    assert model.probability(replace(near, cosine=0.75, passages=100 * fitted_on)) > 0.5
    # A smaller base keeps the fitted bar; a model that does not say its base's size, its cosine.
    assert model.probability(replace(near, passages=40)) == pytest.approx(model.probability(near))
    unsized = replace(model, passages=None)
    assert unsized.probability(replace(near, passages=35 * fitted_on)) == pytest.approx(model.probability(near))
    assert NoMatchModel.from_mapping(model.as_json()) == model
    with pytest.raises(ModelError, match="passages is the size of the base"):
        NoMatchModel.from_mapping({**model.as_json(), "passages": 0})


def test_keyword_evidence_does_not_grow_when_entries_that_do_not_use_the_words_are_added(tmp_path: Path) -> None:
    from indexer.lexical import Lexical, analyse, build_lexical

    # Every entry four terms long, so that only the words' weights differ between the bases.
    entries = ["Smartwater marking for allotment sheds"] + ["Hot spot patrols in town"] * 59
    grown = entries + ["Street lighting for estate burglary"] * 5_000
    found = []
    for name, texts in (("small", entries), ("grown", grown)):
        build_lexical([analyse(t)[0] for t in texts], tmp_path / name)
        lexical = Lexical(tmp_path / name)
        question = "smartwater for the sheds on our allotment"
        found.append((float(lexical.rare_points(question)[0]), float(lexical.scores(question)[0])))
    (small_points, small_raw), (grown_points, grown_raw) = found
    assert small_points == pytest.approx(grown_points, rel=1e-4)  # rare words stay rare words
    assert grown_raw > 1.5 * small_raw  # while the raw BM25 score grows with the base
    # Three rare words, each once in an entry of ordinary length (BM25's 1 / (1 + k1) = 0.4 each).
    assert small_points == pytest.approx(1.2, abs=0.01)
