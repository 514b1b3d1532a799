"""Reading many expressions in one pass gives exactly the answer of trying each in turn."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from indexer.asks import packaged_cues
from indexer.patterns import PatternSet, without_lookarounds
from indexer.problems import packaged_problems

ROOT = Path(__file__).resolve().parents[2]


def one_by_one(patterns, text):
    return [number for number, pattern in enumerate(patterns) if pattern.search(text)]


def officers_and_entries_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "eval").glob("*.yaml")):
        texts += [q["text"].lower() for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]]
    texts += [p.read_text(encoding="utf-8").lower() for p in sorted((ROOT / "knowledge" / "entries").rglob("*.md"))]
    return texts


@pytest.mark.parametrize(
    "source, relaxed",
    [
        (r"(?<!quad )(?<!dirt )\bbike thefts?\b", r"\bbike thefts?\b"),
        (r"\bda\b(?! silva| costa)|\bdv\b", r"\bda\b|\bdv\b"),
        (r"can i arrest\b(?!.*\b(work|works)\b)", r"can i arrest\b"),
        (r"a[(?!]b", r"a[(?!]b"),  # inside a class the characters are literal
        (r"[]()](?=[)])z", r"[]()]z"),  # a class that opens with ] and holds a parenthesis
        (r"\(?!x", r"\(?!x"),  # an escaped parenthesis opens no group
    ],
)
def test_lookarounds_are_removed_and_nothing_else(source, relaxed):
    assert without_lookarounds(source) == relaxed


def test_the_lexicon_reads_every_question_and_entry_as_trying_each_problem_would():
    problems = packaged_problems().patterns
    cues = [pattern for _, pattern in packaged_cues().groups]
    texts = officers_and_entries_texts()
    assert len(texts) > 1000
    for patterns in (problems, cues):
        reader = PatternSet(patterns)
        assert [reader.matching(t) for t in texts] == [one_by_one(patterns, t) for t in texts]


def test_a_lookaround_still_narrows_the_match():
    reader = PatternSet([re.compile(r"(?<!deer )\bstalk(?:ing|ers?)\b"), re.compile(r"\bgangs?\b(?! of kids)")])
    assert reader.matching("deer stalking on the estate") == []
    assert reader.matching("he keeps stalking his ex") == [0]
    assert reader.matching("gangs of kids on bikes") == []
    assert reader.matching("gangs dealing at the park") == [1]


@pytest.mark.parametrize(
    "text",
    [
        "people\u2019s sheds broken into \u2013 again",  # a phone's apostrophe and dash
        "caf\u00e9 owner says youths keep stalking staff",  # a letter outside ASCII
        "\u0644\u0635 burglary \u2603 fraud\u00a0calls",
    ],
)
def test_text_outside_ascii_is_read_as_python_reads_it(text):
    problems = packaged_problems().patterns
    assert PatternSet(problems).matching(text) == one_by_one(problems, text)


def test_an_expression_the_automaton_cannot_take_is_still_read():
    patterns = [re.compile(r"(\w+) and \1"), re.compile(r"\bscrew(?:ing|ed)\b")]
    reader = PatternSet(patterns)
    assert reader.matching("screwing again and again") == [0, 1]
    assert reader.matching("screwed") == [1]


def test_when_the_automaton_gives_up_every_expression_is_tried(monkeypatch):
    problems = packaged_problems().patterns
    reader = PatternSet(problems)
    text = "lads screwing sheds and nicking bikes"
    monkeypatch.setattr(reader, "_automaton", type("Spent", (), {"Match": staticmethod(lambda text: None)})())
    assert reader.candidates(text) == list(range(len(problems)))
    assert reader.matching(text) == one_by_one(problems, text) != []


def test_one_expression_on_one_text_is_read_as_python_reads_it():
    from indexer.problems import packaged_tactics

    texts = officers_and_entries_texts() + [
        "people\u2019s sheds broken into \u2013 again", "caf\u00e9 owner says youths keep stalking staff"]
    for lexicon in (packaged_problems(), packaged_tactics()):
        reader = lexicon.reader
        for number, pattern in enumerate(lexicon.patterns):
            assert [reader.search(number, t) for t in texts] == [pattern.search(t) is not None for t in texts]
    lookaround = PatternSet([re.compile(r"(?<!deer )\bstalk(?:ing|ers?)\b"), re.compile(r"(\w+) and \1")])
    assert not lookaround.search(0, "deer stalking on the estate") and lookaround.search(0, "he keeps stalking her")
    assert lookaround.search(1, "again and again") and not lookaround.search(1, "again and more")
