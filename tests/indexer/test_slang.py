"""The slang glossary: officers' everyday words rewritten before searching."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.__main__ import main
from indexer.search import KnowledgeIndex, Searcher
from indexer.slang import Slang, SlangError, undotted

SHIPPED = Path(__file__).resolve().parents[2] / "knowledge" / "slang.yaml"


def test_the_shipped_glossary_rewrites_whole_words_and_longest_phrases_first() -> None:
    slang = Slang.load(SHIPPED)
    assert len(slang) > 500
    assert slang.rewrite("Motors being pinched off drives") == "car being stolen off drives"
    assert slang.rewrite("bloke keeps hitting his missus") == "man keeps hitting his partner"
    assert slang.rewrite("fights when the clubs kick out") == "fights when the pubs and clubs close"
    assert slang.rewrite("women scared of their boyfriends") == "women scared of their partners"
    assert slang.rewrite("kids keep nicking from the shop") == "children keep shoplifting"
    # Whole words only, and a hyphenated word is left alone.
    assert slang.rewrite("promotors of his ex-offender scheme") == "promotors of his ex-offender scheme"
    # A hyphenated word is read as the listed phrase it spells with spaces, never in part.
    assert slang.rewrite("more shed-breaks on the allotments") == "more shed burglary on the allotments"
    assert slang.rewrite("the price-tag of a scheme") == "the price-tag of a scheme"
    # Names for schemes and tools that no entry uses.
    assert slang.rewrite("upstander training") == "bystander training"
    assert slang.rewrite("paid a booter to knock him offline") == "paid a DDoS attack service to knock him offline"
    assert slang.rewrite("Angela scheme posters") == "Ask for Angela scheme posters"
    assert slang.rewrite("does sending DA perps on a course change owt") == (
        "does sending DA perpetrators on a course change anything")
    assert slang.rewrite("it does owt") == "it work"  # the longer phrase first
    # Regional words, and an abbreviation the speller would otherwise read as "per".
    assert slang.rewrite("bairn on wor patch caught wi a blade") == "child on our patch caught with a knife"
    assert slang.rewrite("perp programme any gd") == "perpetrator programme any gd"
    assert slang.rewrite("Gurdwara lot getting stick") == "Gurdwara lot being harassed"
    assert slang.rewrite("the Ask for Angela scheme posters") == "the Ask for Angela scheme posters"
    # An ampersand inside a word is part of it: stop and search as officers type it, never part of a word.
    assert slang.rewrite("is S&S on the estate cutting stabbings") == "is stop and search on the estate cutting stabbings"
    assert slang.rewrite("the S&Ss paperwork, S & S") == "the S&Ss paperwork, S & S"


# Tactics in the everyday words officers use for them, which no entry uses: each was refused or
# ranked another entry first before the glossary read it.
@pytest.mark.model
@pytest.mark.parametrize("question, entry", [
    ("booze bracelets for the drink-driving lot, any good", "electronic-monitoring"),
    ("patting down more lads after the stabbings, does it work", "stop-and-search-weapons"),
    ("lads runnin about with blades, is S&S on the estate preventin stabbins", "stop-and-search-weapons"),
    ("postcoding bikes at the school, any point", "property-marking"),
    ("big brother figure for a lad drifting into trouble", "mentoring-young-people"),
    ("carrot and stick for the crews doing the shootings", "focused-deterrence"),
    ("eyes in the sky on the high street, do they cut crime", "cctv-surveillance"),
    ("square bashing for young offenders, does it sort them out", "boot-camps"),
    ("getting the two crews all in a room, does it stop the shootings", "focused-deterrence"),
    ("charity paying reformed lads to squash beef between the crews, worth it?", "violence-interrupters"),
    ("freshers taught to step in on creeps at parties, any use?", "bystander-programmes"),
    ("coper curve, how long do we park up at each spot", "hot-spots-policing"),
    ("nhw in the new estate, worth it", "neighbourhood-watch"),
    ("old boy in Truro told by fake copper on phone to draw out 8 grand for a courier, stop it", "banking-protocol"),
    ("few worst corners v driving round the beat?", "hot-spots-policing"),
    ("spy kit on poles up the high street, fewer fights?", "cctv-surveillance"),
    ("gold star scheme for the best run pubs, does it cut the fighting", "best-bar-none-accreditation"),
    ("insp wants blanket no suspicion powers for the weekend after a stabbing, does it work", "stop-and-search-weapons"),
    ("lads at the jet wash sleep above the unit and look terrified, how do we go in", "modern-slavery-partnership-visits"),
    ("curtain twitcher scheme with stickers in the windows, still worth backing", "neighbourhood-watch"),
    ("D.A.R.E programme evidence? sarge reckons the yanks swear by it", "dare-drug-education"),
])
def test_a_tactic_in_everyday_words_finds_its_entry(shipped_index: Path, embedder, question: str,  # type: ignore[no-untyped-def]
                                                    entry: str) -> None:
    result = Searcher(KnowledgeIndex.load_current(shipped_index), embedder).search(question)
    assert not result.no_good_match and result.results[0].id == entry


def test_an_abbreviation_typed_with_full_stops_is_read_without_them() -> None:
    assert undotted("D.A.R.E programme evidence?") == "DARE programme evidence?"
    assert undotted("A.S.B. on the estate") == "ASB on the estate"
    # Only capitals joined by full stops: an ordinary sentence or an initial is left alone.
    assert undotted("e.g. this, then Mr A. Smith. Then S.60") == "e.g. this, then Mr A. Smith. Then S.60"


def test_an_empty_or_missing_glossary_changes_nothing(tmp_path: Path) -> None:
    assert Slang.load(tmp_path / "none.yaml").rewrite("selling gear") == "selling gear"
    (tmp_path / "empty.yaml").write_text("")
    assert Slang.load(tmp_path / "empty.yaml").rewrite("lads") == "lads"


@pytest.mark.parametrize("text, reason", [
    ("terms: [{say: [motors], means: car}, {say: motors, means: vehicle}]", "term 2: 'motors' is already listed"),
    ("terms: [{say: [], means: car}]", "term 1: field 'say' must be a list"),
    ("terms: [{say: [motors]}]", "term 1: field 'means' must be text"),
    ("terms: {motors: car}", "field 'terms': expected a list"),
    ("terms: [unclosed", "not valid YAML"),
    ("terms: [{say: [carrot & stick], means: focused deterrence}]", "term 1: 'carrot & stick' can never match"),
])
def test_a_bad_glossary_is_reported_with_its_path_and_reason(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "slang.yaml"
    path.write_text(text)
    with pytest.raises(SlangError, match=reason) as error:
        Slang.load(path)
    assert str(error.value).startswith(str(path))


def test_validate_stops_on_a_bad_glossary_beside_the_entries(knowledge_copy: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (knowledge_copy / "slang.yaml").write_text("terms: [{say: [motors]}]")
    assert main(["validate", "--source", str(knowledge_copy)]) == 2
    assert f"{knowledge_copy / 'slang.yaml'}: term 1: field 'means' must be text" in capsys.readouterr().err
