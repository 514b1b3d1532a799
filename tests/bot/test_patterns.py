"""No pattern run on an officer's text takes long, whatever they paste: every check of 16 KB of
digits, spaces, unclosed mentions, repeated separators or references finishes in a blink.

Each case is a shape that once made a pattern try every split of a long run ("crn " and
thousands of digits took seconds); the bound is generous, the work takes milliseconds.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import pytest

from bot.commands import MENTION, Recogniser, normalise, strip_mentions
from bot.hub.arguments import is_question, parse_status, split_reference
from dialogs.base import AnswerError
from dialogs.submission import crime_type_reader
from domain.personal_data import describe, find_personal_data
from domain.portal.records import mentions_reference, normalise_reference
from indexer.slang import Slang
from indexer.spelling import WORD, Speller, vocabulary
from indexer.taxonomy import Taxonomy

SIZE = 16 * 1024
BOUND = 0.25  # seconds; each check takes a few milliseconds
KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


def repeated(piece: str, before: str = "", after: str = "") -> str:
    """``before``, ``piece`` repeated, then ``after``: 16 KB in all."""
    room = SIZE - len(before) - len(after)
    return before + (piece * (room // len(piece) + 1))[:room] + after


ADVERSARIAL = {
    "digits": repeated("1"),
    "digits then a letter": repeated("1", after="_"),
    "crn and digits": repeated("1", "crn "),
    "crn and digits then a slash": repeated("1", "crn ", "/"),
    "crn, spaces, digits": repeated("1", "crn" + " " * 4, "/"),
    "crime reference and tabs": repeated("\t", "crime reference number", "_"),
    "crn and spaces": repeated(" ", "crn", "_"),
    "crn repeated": repeated("crn "),
    "crn and dashes": repeated("1-", "crn ", "_"),
    "crn and slashes": repeated("A/", "crn ", "_"),
    "zeros and spaces": repeated("0 "),
    "zeros and dashes": repeated("0-", after="_"),
    "brackets and zeros": repeated("(0"),
    "+44 repeated": repeated("+44 "),
    "phone-like groups": repeated("1 ", "0", "_"),
    "unclosed mentions": repeated("<at>"),
    "mentions then one close": repeated("<at>", after="</at>"),
    "mention then no close": repeated("x", "<at>"),
    "percent signs": repeated("%"),
    "an e-mail's local part": repeated("a.", after="@"),
    "an e-mail's domain": repeated("a.", "a@"),
    "DOB repeated": repeated("dob "),
    "PF- repeated": repeated("PF-"),
    "PF and dashes": repeated("-", "PF", "_"),
    "PF and spaces": repeated(" ", "PF"),
    "spaces": repeated(" "),
    "newlines": repeated("\n"),
    "separators": repeated(" - "),
    "commas and spaces": repeated(" , "),
    "slashes": repeated("1/"),
    "dots": repeated("1."),
    "dates": repeated("1/1/"),
    "months": repeated("3rd March "),
    "unicode digits": repeated("١"),
    "crn and unicode digits": repeated("٣", "crn "),
    "victim and the": repeated("the ", "victim ", "1"),
    "victim repeated": repeated("victim "),
    "a long name": repeated("a", "victim A", "1"),
    "names": repeated("Ab ", "victim ", "1"),
    "references and numbers": repeated("crn 41/12345/26 07700 900123 "),
}


@pytest.fixture(scope="module")
def checks() -> dict[str, Callable[[str], object]]:
    """Every public function that runs patterns over what an officer typed."""
    speller = Speller({"burglary": 10, "knife": 8, "crime": 20})
    slang = Slang.from_mapping({"terms": [{"say": ["motors"], "means": "cars"},
                                          {"say": ["selling gear"], "means": "drug dealing"}]})
    recognise = Recogniser([])
    taxonomy = Taxonomy.load(KNOWLEDGE / "taxonomy.yaml")
    reader = crime_type_reader(taxonomy)

    def read_crime_types(text: str) -> object:
        try:
            return reader(text)
        except AnswerError as refusal:
            return str(refusal)

    return {
        "find_personal_data": find_personal_data,
        "describe": lambda text: describe(find_personal_data(text)),
        "strip_mentions": strip_mentions,
        "normalise": normalise,
        "recognise": recognise,
        "MENTION": lambda text: MENTION.sub("", text),
        "split_reference": split_reference,
        "is_question": is_question,
        "parse_status": parse_status,
        "mentions_reference": mentions_reference,
        "normalise_reference": normalise_reference,
        "slang": slang.rewrite,
        "spelling words": lambda text: WORD.findall(text.lower()),
        "vocabulary": lambda text: vocabulary([text]),
        "spelling": speller.correct,
        "taxonomy": taxonomy.mentions,
        "crime types": read_crime_types,
    }


@pytest.mark.parametrize("shape", ADVERSARIAL)
def test_every_check_of_16_kb_of_pasted_text_finishes_quickly(shape: str, checks) -> None:
    text = ADVERSARIAL[shape]
    assert len(text) == SIZE
    slow = {}
    for name, check in checks.items():
        started = time.perf_counter()
        check(text)
        took = time.perf_counter() - started
        if took >= BOUND:
            slow[name] = round(took, 2)
    assert slow == {}


@pytest.mark.parametrize(
    "check, text",
    [
        (strip_mentions, "<at>" * 16 * 1024),
        (normalise, "<at>" * 16 * 1024),
        (find_personal_data, "%" * 64 * 1024),
        (find_personal_data, "a%" * 32 * 1024),
    ],
    ids=["unclosed mentions stripped", "unclosed mentions normalised", "percent signs", "letters and percent signs"],
)
def test_a_64_kb_message_is_read_quickly(check: Callable[[str], object], text: str) -> None:
    started = time.perf_counter()
    check(text)
    assert time.perf_counter() - started < BOUND


def test_what_the_checks_find_in_everyday_text_is_unchanged() -> None:
    text = ("Spoke to the victim, Sarah Jones, about CRN 41/12345/26; call 07700 900123 or "
            "j.smith@example.com. Log 123 of 14/11/2026. <at>Prevention First</at> status PF-2026-0042")
    assert [(f.kind, f.text) for f in find_personal_data(text)] == [
        ("name", "Sarah Jones"),
        ("crime or custody reference", "CRN 41/12345/26"),
        ("phone number", "07700 900123"),
        ("e-mail address", "j.smith@example.com"),
        ("crime or custody reference", "Log 123 of 14/11/2026"),
    ]
    assert strip_mentions("<at>Prevention First</at>  status PF - 2026 - 42") == "status PF - 2026 - 42"
    assert normalise("<AT>Prevention First</AT> Help!") == "help"
    assert split_reference("PF - 2026 - 42 to triaged") == ("PF-2026-0042", "to triaged")
    assert mentions_reference("see pf 2026 7") and normalise_reference("pf-2026-0042") == "PF-2026-0042"


def test_a_reference_word_then_a_run_of_thousands_of_digits_is_not_a_reference() -> None:
    assert find_personal_data("crn " + "1" * 3995 + "/") == []
    assert [f.text for f in find_personal_data("crn " + "1" * 3995 + "/ and CRN 41CJ012345")] == ["CRN 41CJ012345"]
