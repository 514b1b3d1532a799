"""What a question asks for: the intent reading in the "no good match" decision."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from indexer.build import BuildError, build
from indexer.decision import PACKAGED_MODEL, ModelError, NoMatchModel
from indexer.intent import IntentReading, dense_text, unexplained
from indexer.search import KnowledgeIndex, Searcher

RNG = np.random.default_rng(7)
NEAREST = RNG.normal(size=(3, 16))


def test_what_the_closest_passages_explain_is_taken_out_of_the_question() -> None:
    question = NEAREST.T @ np.array([0.5, -1.0, 2.0]) + RNG.normal(size=16)
    rest = unexplained(question, NEAREST)
    assert np.allclose(NEAREST @ rest, 0.0)  # nothing left along any of the passages
    assert np.allclose(question - rest, NEAREST.T @ np.linalg.lstsq(NEAREST.T, question, rcond=None)[0])
    assert np.allclose(unexplained(NEAREST.T @ np.array([1.0, 2.0, 3.0]), NEAREST), 0.0)


def test_a_question_its_passages_explain_reads_as_neither_and_the_rest_is_read() -> None:
    leftover = unexplained(RNG.normal(size=16), NEAREST)
    reading = IntentReading(weights=-leftover / np.linalg.norm(leftover), intercept=0.2, passages=3, about={})
    assert reading.other(NEAREST[0] * 0.9, NEAREST) == 0.0  # a bare topic: read as its intercept, prevention
    assert reading.other(NEAREST[1] + leftover, NEAREST) == pytest.approx(np.linalg.norm(leftover) - 0.2)
    assert reading.other(np.ones(8), NEAREST) == 0.0  # a vector of another size is not read at all


def test_asking_words_are_left_out_of_the_meaning_match() -> None:
    assert dense_text("What works for burglary in student houses?") == "burglary in student houses?"
    assert dense_text("what works") == "what works"  # nothing else to match on


@pytest.mark.parametrize(
    ("intent", "reason"),
    [
        ({"weights": [0.1, float("nan")], "intercept": 0.0, "passages": 3}, "finite weights"),
        ({"weights": [0.1, 0.2], "intercept": 0.0, "passages": 9}, "0 to 3 passages"),
        ({"weights": [0.1, 0.2], "passages": 3}, "intercept"),
    ],
)
def test_an_intent_reading_that_cannot_be_used_is_refused_with_the_reason(intent: dict[str, object], reason: str) -> None:
    data = json.loads(PACKAGED_MODEL.read_text())
    data["intent"] = intent
    with pytest.raises(ModelError, match=reason):
        NoMatchModel.from_mapping(data, path="no_match_model.json")


def test_the_shipped_decision_reads_intent_and_says_what_it_was_fitted_on() -> None:
    model = NoMatchModel.load(PACKAGED_MODEL)
    assert model.intent is not None and model.intent.dimension == 384
    assert "other_intent" in model.features and model.weights[model.features.index("other_intent")] < 0
    assert all("eval/intent/" in source for source in model.intent.about["from"])
    assert model == NoMatchModel.from_mapping(json.loads(json.dumps(model.as_json())))  # it round-trips


@pytest.mark.model
def test_the_build_refuses_a_reading_made_for_vectors_of_another_size(
    knowledge_copy: Path, tmp_path: Path, embedder  # type: ignore[no-untyped-def]
) -> None:
    data = json.loads(PACKAGED_MODEL.read_text())
    data["intent"]["weights"] = data["intent"]["weights"][:100]
    model = tmp_path / "no_match_model.json"
    model.write_text(json.dumps(data))
    with pytest.raises(BuildError, match=r"no_match_model.json: its intent reading is for vectors of 100 numbers"):
        build(knowledge_copy, tmp_path / "index", embedder, no_match_file=model)
    assert not (tmp_path / "index" / "versions").exists() or not any((tmp_path / "index" / "versions").iterdir())


@pytest.mark.model
@pytest.mark.parametrize(
    ("other", "prevention"),
    [
        ("how many burglaries did we have in march", "same houses getting burgled again and again"),
        ("can i arrest for shoplifting under 200 pounds", "shoplifting gangs hitting the high street"),
        ("is it an offence to carry a machete in your car", "teenagers carrying knives, what helps"),
    ],
)
def test_a_question_on_a_covered_topic_asking_for_law_or_figures_gets_no_good_match(
    shipped_index: Path, embedder, other: str, prevention: str  # type: ignore[no-untyped-def]
) -> None:
    searcher = Searcher(KnowledgeIndex.load_current(shipped_index), embedder)
    asked_other, asked_prevention = searcher.search(other), searcher.search(prevention)
    assert asked_other.no_good_match and asked_other.evidence.other_intent > 0
    assert asked_other.results  # the closest entry is still there for the card to show as such
    assert not asked_prevention.no_good_match and asked_prevention.evidence.other_intent == 0.0
    assert asked_other.results[0].id == asked_prevention.results[0].id  # the same topic: only the intent differs


@pytest.mark.model
@pytest.mark.parametrize("bare", ["property marking", "alley gating", "burglary", "SARA"])
def test_a_bare_topic_is_not_read_as_asking_for_something_else(shipped_index: Path, embedder, bare: str) -> None:  # type: ignore[no-untyped-def]
    result = Searcher(KnowledgeIndex.load_current(shipped_index), embedder).search(bare)
    assert result.evidence.other_intent == 0.0 and not result.no_good_match


@pytest.mark.model
def test_a_reading_fitted_on_whole_vectors_reads_a_question_the_same_in_any_base(
    shipped_index: Path, embedder, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from eval.intent import Choice, fit_reading, load_bank

    questions, bare = tmp_path / "questions.yaml", tmp_path / "bare.yaml"
    questions.write_text(
        "- {text: 'burglary figures for march', asks: other, category: figures, topic: burglary}\n"
        "- {text: 'what stops repeat burglary', asks: what_works, category: prevention, topic: burglary}\n"
        "- {text: 'overtime claim form', asks: other, category: admin, topic: admin}\n"
        "- {text: 'does mentoring cut knife crime', asks: what_works, category: prevention, topic: knives}\n")
    bare.write_text("- {text: 'alley gating', topic: burglary, kind: tactic}\n")
    searcher = Searcher(KnowledgeIndex.load_current(shipped_index), embedder)
    index = searcher.index
    whole = load_bank(searcher, questions, bare, passages=0)
    stripped = load_bank(searcher, questions, bare)
    meaning = embedder.embed([index.meaning_text(t) for t in whole.texts])
    assert np.allclose(whole.x, meaning, atol=1e-6)  # nothing taken out
    assert not np.allclose(stripped.x, meaning, atol=1e-3)  # the closest passages taken out
    assert whole.sources == (str(questions), str(bare))

    choice = Choice(strength=1.0, bare_weight=1.0, accuracy=1.0, bare_read_as_other=0.0, readings=np.zeros(5))
    reading = fit_reading(whole, choice)
    assert reading.passages == 0 and reading.about["from"] == [str(questions), str(bare)]
    vector = meaning[0]
    assert reading.read(vector, index.vectors[:3]) == reading.read(vector, index.vectors[-3:])
