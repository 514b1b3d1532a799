"""Officers' typing is mended without changing what they meant."""

from __future__ import annotations

import pytest

from indexer.spelling import Speller


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller({"knife": 8, "crime": 20, "very": 30, "every": 3, "exported": 5, "holds": 4,
                    "offered": 6, "deferred": 2, "burglary": 10})


@pytest.mark.parametrize(("typed", "read"), [
    ("knif crime", "knife crime"),
    ("burglry evry night", "burglary every night"),  # not "very", though the base uses it more
    ("deffered prosecution", "deferred prosecution"),  # not "offered"
])
def test_typos_are_mended_to_the_bases_words(speller: Speller, typed: str, read: str) -> None:
    assert speller.correct(typed) == read


@pytest.mark.parametrize("typed", [
    "lad sextorted on snapchat",  # not "exported": a first letter is seldom mistyped
    "13 to 16 year olds on the rec",  # not "holds"
])
def test_a_word_is_not_changed_into_another_starting_differently(speller: Speller, typed: str) -> None:
    assert speller.correct(typed) == typed


def test_a_dropped_final_g_is_read_back(speller: Speller) -> None:
    assert speller.correct("is it doin anything, school askin") == "is it doing anything, school asking"


def test_a_dropped_final_g_is_read_back_to_a_glossary_word() -> None:
    base = {"spotting": 5, "dealers": 3}
    assert Speller(base).correct("dealers shottin on the corner") == "dealers spotting on the corner"
    assert Speller(base, frozenset({"shotting"})).correct("dealers shottin on the corner") == (
        "dealers shotting on the corner")


def test_british_spellings_are_english_and_left_alone() -> None:
    speller = Speller({"defiance": 3, "authority": 5, "authorities": 3, "centred": 2, "colours": 1, "analyst": 2})
    typed = "what defence applies, who authorises it, who can authorise, town centre colour scheme, analysed"
    assert speller.correct(typed) == typed  # not "defiance", "authorities", "authority", "centred", "colours", "analyst"


def test_a_contraction_typed_without_its_apostrophe_is_read_as_meant() -> None:
    speller = Speller({"done": 8, "would": 9, "there": 9, "was": 9})
    assert speller.correct("they dont report it, wouldnt go, theyre back, wats the evidence") == (
        "they don't report it, wouldn't go, they're back, what's the evidence")


def test_abbreviations_in_capitals_and_text_speak_are_read_as_typed_or_meant() -> None:
    speller = Speller({"spot": 9, "shed": 4, "testing": 3, "burglary": 9})
    assert speller.correct("SPOC for the SPOs, we shud try agen, texting kids") == (
        "SPOC for the SPOs, we should try again, texting kids")  # not "spot", "shed", "testing"
    assert speller.correct("WHAT WORKS FOR BURGALRY") == "WHAT WORKS FOR burglary"  # caps lock: still mended


def test_ph_typed_as_it_sounds_is_read_as_ph_not_as_the_nearest_f_word() -> None:
    speller = Speller({"fines": 6, "phones": 4, "pharmacy": 2, "fire": 5})
    assert speller.correct("kids robbing fones outside the farmacy") == "kids robbing phones outside the pharmacy"
    assert speller.correct("fines for fire safety") == "fines for fire safety"  # words spelled with f stay
