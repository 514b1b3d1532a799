"""Problems a question names that its best entries never speak of: evidence of "no good match"."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from indexer.build import current_version, version_dir
from indexer.decision import FEATURES, PACKAGED_MODEL, NoMatchModel
from indexer.problems import ENTRY_TEXTS, EntryProblems, Problems, ProblemsError, packaged_problems, packaged_tactics
from indexer.search import KnowledgeIndex, Searcher


def names(problems: Problems, *texts: str) -> set[str]:
    return {problems.names[n] for n in problems.named(*texts)}


@pytest.mark.parametrize(
    ("officer", "formal", "problem"),
    [
        ("lads speeding through the village every night", "Average speed cameras reduced speeding on rural roads", "speeding"),
        ("someone's been screwing houses on the estate", "Dwelling burglary fell in the target streets", "burglary"),
        ("kids bein sextorted over nudes on snapchat", "Financially motivated sextortion of teenage boys", "sextortion"),
        ("hare coursers with lurchers on the farms", "Hare coursing is a rural crime priority", "hare_coursing"),
        ("fairly sure buzzards and a hen harrier have been poisoned again on the estate", "Raptor persecution",
         "wildlife_crime"),
        ("lads airdropping dick pics to women on the train", "Cyberflashing", "cyberflashing"),
        ("migrants in the back of lorries at the truckstops", "Organised immigration crime", "people_smuggling"),
        ("Airbnb flats rented out for parties every weekend", "short-let party houses", "short_let_party_houses"),
        ("exes have posted intimate pics of them online", "Intimate image abuse", "intimate_image_abuse"),
        ("kids going missing from care homes every weekend", "children missing from care", "missing_from_care"),
        ("teenagers cutting through the fence onto the railway line", "Railway trespass", "railway_trespass"),
        ("violence between prisoners on the wings", "Prison violence", "prison_violence"),
        ("defendants just don't turn up to court", "failure to appear at court", "failure_to_appear"),
        ("abuse of residents by staff in care homes", "Elder abuse", "elder_abuse"),
        ("home carers nickin cash n jewellery off the old folk they look after", "theft by carers", "elder_abuse"),
        ("old fella wi dementia keeps wanderin off from the care home", "people missing from care", "missing_from_care"),
        ("dippers workin the christmas markets, what actually stops pickpockets", "Pickpocketing", "pickpocketing"),
        ("students lettin gangs use their bank accounts for a few hundred quid", "Money mules", "money_mules"),
        ("small businesses getting their systems locked up and held to ransom", "Ransomware", "ransomware"),
        ("local councillors getting death threats and online abuse", "councillors threatened", "abuse_of_public_figures"),
        ("drunk patients batterin the nurses in A&E on a Saturday", "assaults on nurses",
         "violence_against_emergency_workers"),
        ("14 yr old girls from the childrens home gettin picked up by older blokes in cars", "Child sexual exploitation",
         "child_sexual_exploitation"),
        ("grown men groomin kids thru game chat on consoles", "Online grooming", "online_grooming"),
        ("lads bein blackmailed after sendin pics to a fake girl online", "Sextortion", "sextortion"),
        ("folk gettin done buyin concert tickets aff fake sellers on marketplace", "Online fraud", "online_fraud"),
        ("girls being cut over the summer hols abroad", "Female genital mutilation", "fgm"),
        ("security vans getting hit outside supermarkets", "Cash-in-transit robbery", "cash_in_transit_robbery"),
        ("crash for cash gangs slamming brakes on people", "Insurance fraud", "insurance_fraud"),
        ("folk driving after a spliff", "Drug driving", "drug_driving"),
        ("care home staff knocking residents about", "Elder abuse", "elder_abuse"),
        ("women having intimate pics leaked online without consent", "Intimate image abuse", "intimate_image_abuse"),
        ("two lads told him his roof tiles were loose and charged him 6 grand for a lick of paint", "Rogue traders",
         "doorstep_crime"),
        ("Found another lad blue in the park toilets, third OD this month", "Drug deaths", "drug_related_deaths"),
        ("Talked a fella down off the motorway bridge last night", "Suicide prevention", "suicide_and_self_harm"),
        ("Under-14s match yesterday, a dad ran on and punched the ref", "violence at grassroots sport",
         "violence_in_grassroots_sport"),
        ("a bloke in a white van trying to get kids into it near the primary", "Attempted child abduction",
         "child_abduction_attempts"),
        ("three kids under five, no food in, what helps prevent neglect like that", "Child neglect", "child_neglect"),
        ("First-year kids paid deposits to some landlord for a house that doesn't exist", "Rental fraud",
         "online_fraud"),
        ("staff at the Co-op getting threatened and assaulted", "Violence against shop workers", "retail_worker_abuse"),
        ("does better lighting on rural roads reduce crashes", "Road traffic collisions fell by a fifth", "road_collisions"),
        ("nurses at the local a&e are being assaulted most weekends", "Assaults on emergency workers", "violence_against_emergency_workers"),
        ("CSODS / sarahs law - do disclosures to parents protect kids", "Child sex offender disclosure scheme", "child_sexual_abuse"),
        ("staff at the big supermarket are getting threatened", "Violence against shop workers", "retail_worker_abuse"),
        ("14 year old girl going missing, we think she's being sexually exploited", "Child sexual exploitation",
         "child_sexual_exploitation"),
        ("businesses losing thousands to fake invoices", "Mandate fraud against small firms", "mandate_fraud"),
        ("forced marrige protection orders, do they stop it", "Forced marriage protection orders", "forced_marriage"),
        ("officers sat in A&E for hours with people in crisis", "Street triage for mental health crises",
         "mental_health_crisis"),
        ("parents parking on the zig zags outside school", "Complaints of nuisance parking near schools",
         "nuisance_parking_and_abandoned_vehicles"),
        ("moped snatches outside the tube", "riders on pedal cycles, e-bikes or mopeds", "moped_enabled_crime"),
        ("disabled members called names and harassed on the estate", "disability hate crime", "hate_crime"),
        ("officers getting spat at n assaulted on arrests", "assaults on emergency workers",
         "violence_against_emergency_workers"),
        ("multi storey getting hammered for TFMVs", "theft from vehicles in car parks", "theft_from_vehicles"),
        ("lad sent pics to someone he thought was a girl his age, now being blackmailed for money",
         "Financially motivated sextortion", "sextortion"),
        ("girls in year 7 might be taken abroad to be cut over the summer hols", "Female genital mutilation", "fgm"),
        ("15yo assaulting his mum, anything for child to parent violence?", "Child to parent violence",
         "child_to_parent_violence"),
        ("student house parties til 4am, neighbours at breaking point", "Noise nuisance from parties",
         "noise_nuisance"),
        ("residents say dispersals do nothing", "anti-social behaviour on the estate", "antisocial_behaviour"),
        ("bairn sent pics to some lass, now a gadgie wants 500 quid or he'll send them to all his mates",
         "sextortion of teenage boys", "sextortion"),
        ("three people off the same bridge this year. owt proven to stop folk jumpin?", "Suicide prevention at bridges",
         "suicide_and_self_harm"),
        ("ppl gettin scammed on facebook marketplace", "online shopping fraud", "online_fraud"),
        ("Mum's fifteen-year-old keeps kicking off and battering her at home", "Child to parent violence",
         "child_to_parent_violence"),
        ("Nudes getting passed round the whole of Year 9 on Snap", "Intimate image abuse", "intimate_image_abuse"),
        ("Gangs gassing cashpoints in the early hours", "Ram raids and ATM attacks", "ram_raids_and_atm_attacks"),
        ("Risk fans from the away end turn the station into a war zone", "football-related disorder",
         "football_disorder"),
        ("tourists leave phones on the seats of their motors and we get windows put through every afternoon",
         "theft from vehicles in car parks", "theft_from_vehicles"),
    ],
)
def test_a_problem_is_read_in_officers_words_and_in_an_entrys(officer: str, formal: str, problem: str) -> None:
    problems = packaged_problems()
    assert problem in names(problems, officer)
    assert problem in names(problems, formal)


def test_words_that_only_look_like_a_problem_name_none() -> None:
    problems = packaged_problems()
    assert names(problems, "speeding up the court process") == set()
    assert names(problems, "what works, and how do we know") == set()
    assert names(problems, "niche system crashes every night shift") == set()
    assert "graffiti" not in names(problems, "has tracking or tagging children at risk been tried")
    assert "protests" not in names(problems, "they sit in a cell for hours, then get put on a train home")
    assert "protests" in names(problems, "students staged a sit in at the council offices")
    # Offenders' needs are not a mental health crisis: entries that mention them do not speak of one.
    assert "mental_health_crisis" not in names(problems, "a navigator addresses their drug, alcohol and mental health needs")
    # Crime driven by drugs is not drug driving.
    assert "drug_driving" not in names(problems, "burglary and shoplifting are mostly drug driven")
    assert "drug_driving" in names(problems, "drug-driving ops on the A road")
    # Drowning in paperwork is not a death in the water.
    assert "water_safety" not in names(problems, "she's drowning in court dates and housing forms")
    assert "water_safety" in names(problems, "lad drowned in the canal after a night out")
    assert "bus_crime" not in names(problems, "caught with a bit of weed and a bus pass")
    # A gang that blows up cash machines is the offenders, not the problem of gangs.
    assert "gangs" not in names(problems, "gang blowin up cash machines with gas at night")
    assert "gangs" in names(problems, "gang violence on the estate")
    # A safeguarding referral for a cuckooed tenant, or a partner's financial abuse, is not elder abuse.
    assert "elder_abuse" not in names(problems, "at the same time an adult safeguarding referral is made")
    assert "elder_abuse" not in names(problems, "coercive control and financial abuse by an ex-partner")
    assert "elder_abuse" in names(problems, "staff abusing residents in a care home")
    assert "elder_abuse" in names(problems, "financial abuse of elderly relatives by their carers")
    # Nuisance calls to the police about a place are not nuisance calls made to a victim.
    assert "harassment" not in names(problems, "Nuisance calls have doubled and members want to see something happening")
    assert "harassment" in names(problems, "she keeps getting nuisance calls from her ex")
    # The gang that uses a student's account is the offender, not the problem of gangs.
    assert "gangs" not in names(problems, "students lettin gangs use their bank accounts")
    # A MASH manager asking about something else names no tactic of MASH.
    tactics = packaged_tactics()
    assert names(tactics, "MASH manager. Does Encompass need to go out after weekend incidents too?") == set()
    assert names(tactics, "does a MASH actually cut repeat referrals") == {"mash"}


def lexicon(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "problems.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("problems: []\n", "expected 'problems:'"),
        ("problems:\n  - say: ['x']\n", r"problem 1: field 'name'"),
        ("problems:\n  - name: speeding\n    say: []\n", r"problem 1 \(speeding\): field 'say'"),
        ("problems:\n  - name: speeding\n    say: ['speed', '(unclosed']\n",
         r"problem 1 \(speeding\), pattern 2: not a regular expression"),
        ("problems:\n  - name: speeding\n    say: ['x?']\n", r"pattern 1: matches empty text"),
        ("problems:\n  - name: a\n    say: ['a']\n  - name: a\n    say: ['b']\n", r"problem 2 \(a\): the name is used twice"),
        ("problems: [unclosed\n", "cannot be read"),
        ("problems:\n  - name: a\n    say: ['a']\n    within: b\n", r"problem 1 \(a\): 'within' names no problem of the lexicon: b"),
        ("problems:\n  - name: a\n    say: ['a']\n    within: a\n", r"problem 1 \(a\): field 'within' must name another"),
        ("problems:\n  - name: a\n    say: ['a']\n    label: ''\n", r"problem 1 \(a\): field 'label' must be text"),
        ("problems:\n  - name: a\n    say: ['a']\n    within: b\n  - name: b\n    say: ['b']\n    within: a\n",
         r"'within' goes round in a circle"),
    ],
)
def test_a_bad_lexicon_is_refused_naming_the_file_the_problem_and_the_reason(
    tmp_path: Path, text: str, reason: str
) -> None:
    path = lexicon(tmp_path, text)
    with pytest.raises(ProblemsError, match=reason) as refused:
        Problems.load(path)
    assert str(path) in str(refused.value)


def test_a_problem_counts_as_unmentioned_only_when_none_of_the_entries_names_it(tmp_path: Path) -> None:
    problems = Problems.load(lexicon(tmp_path, "problems:\n  - name: speeding\n    say: ['\\bspeed(ing|ers)\\b']\n"
                                               "  - name: burglary\n    say: ['\\bburglar\\w*']\n"))
    entries = EntryProblems(problems, ["neighbourhood watch members report suspicious activity",
                                       "target hardening reduced burglary", "community speedwatch cut speeding"])
    speeding = ("speeding through the village",)
    assert entries.unmentioned(speeding, [0, 1]) == (0,)
    assert entries.unmentioned(speeding, [0, 2]) == ()  # one of the best entries speaks of it
    assert entries.unmentioned(("parking on the verge",), [0]) == ()  # naming no problem gives no evidence
    assert EntryProblems(problems, None).unmentioned(speeding, [0]) == ()  # a version without texts


def test_an_entry_speaking_only_of_the_place_does_not_speak_of_the_problem_named_there(tmp_path: Path) -> None:
    problems = Problems.load(lexicon(tmp_path, "problems:\n  - name: fireworks\n    say: ['\\bfireworks?\\b']\n"
                                               "  - name: bus_crime\n    setting: true\n    say: ['\\bbus(es)?\\b']\n"
                                               "  - name: robbery\n    say: ['\\brobber(y|ies)\\b']\n"))
    entries = EntryProblems(problems, ["cctv on buses cut robbery of drivers", "youth workers on the estate"])
    assert problems.settings == frozenset({1})
    assert entries.unmentioned(("kids lobbing fireworks at buses",), [0]) == (0,)  # the place is not the problem
    assert entries.unmentioned(("robbery on buses",), [0]) == ()
    assert entries.unmentioned(("robbery on buses",), [1]) == (1, 2)
    # A place missing from entries that speak of the problem: answered in part, as before.
    assert EntryProblems(problems, ["street robbery fell"]).unmentioned(("robbery on buses",), [0]) == ()
    with pytest.raises(ProblemsError, match="bus_crime.*'setting' must be true or false"):
        Problems.load(lexicon(tmp_path, "problems:\n  - name: bus_crime\n    setting: sometimes\n    say: ['bus']\n"))


def test_entries_naming_only_the_broader_problem_do_not_speak_of_a_narrower_one(tmp_path: Path) -> None:
    problems = Problems.load(lexicon(tmp_path, "problems:\n  - name: fraud\n    say: ['\\bfraud\\w*|\\bscam\\w*']\n"
                                               "  - name: romance_fraud\n    say: ['\\bromance (fraud|scam)|\\bcatfish\\w*']\n"
                                               "    within: fraud\n"
                                               "  - name: burglary\n    say: ['\\bburglar\\w*']\n"))
    entries = EntryProblems(problems, ["the banking protocol stops fraud at the counter",
                                       "romance fraud victims were warned before they paid",
                                       "target hardening reduced burglary",
                                       "people catfished online were warned before they paid"])
    romance = ("romance scam victim lost her savings",)
    assert problems.broader == {1: 0}
    assert entries.unmentioned(romance, [0]) == (1,)  # fraud in general does not answer romance fraud
    assert entries.unmentioned(romance, [0, 1]) == ()  # one of the best entries speaks of it
    assert entries.unmentioned(("phone scams on the elderly",), [0]) == ()  # the broader problem, spoken of
    # The best entries speak of something else the question names: the question is answered in part.
    assert entries.unmentioned(("romance scams and burglary",), [0, 2]) == ()
    # An entry on a narrower problem speaks of the broader one: romance fraud is fraud.
    assert entries.unmentioned(("scams on the elderly",), [3]) == ()
    assert entries.mentions(3, 0) and not entries.mentions(2, 0)


def test_a_tactic_names_no_problem_and_the_product_sold_says_which() -> None:
    problems = packaged_problems()
    # Test purchasing is a tactic used on alcohol, knives and vapes alike: it names no problem, so
    # the entry on knife test purchasing does not speak of vapes sold to children.
    assert names(problems, "test purchasing vapes kids") == {"illicit_tobacco_and_vapes"}
    assert names(problems, "shops selling vapes to year 8s, can we do test purchases") == {"illicit_tobacco_and_vapes"}
    assert names(problems, "does test purchasing work") == set()
    assert "underage_drinking_and_sales" in names(problems, "proxy sales of alcohol to under 18s")
    # Phones dipped out of people's hands are snatched, and phone snatching is theft from the person.
    assert "phone_snatching" in names(problems, "lads on sur-rons dippin phones outta hands outside the station")
    entries = EntryProblems(problems, ["phone thefts fell after activation locks came in"])
    assert names(problems, "phone thefts fell after activation locks came in") == {"phone_snatching"}
    assert entries.unmentioned(("what do we tell punters so their iphones are worth nowt to the dippers",), [0]) == ()


def test_the_card_says_the_base_has_no_evidence_only_on_a_problem_no_entry_within_reach_names(tmp_path: Path) -> None:
    problems = Problems.load(lexicon(tmp_path, "problems:\n  - name: speeding\n    say: ['(?<!no )\\bspeed(ing|ers)\\b']\n"
                                               "  - name: shop_theft\n    say: ['\\bshoplift\\w*']\n"))
    entries = EntryProblems(problems, ["neighbourhood watch members report suspicious activity",
                                       "retail partnerships cut crime", "no speeding signs were ignored",
                                       "caf\u00e9 owners and shoplifters"])
    # Both unmentioned by the best entry; within reach, only speeding is named by none (the
    # lookaround still narrows, and text outside ASCII is still read).
    assert entries.unmentioned(("speeding and shoplifting",), [0]) == (0, 1)
    assert entries.no_evidence_on((0, 1), [0, 1, 2, 3]) == ("speeding",)
    assert entries.no_evidence_on((0, 1), [0, 1]) == ("speeding", "shop theft")  # beyond reach
    assert entries.no_evidence_on((), [0, 1, 2, 3]) == ()
    assert EntryProblems(problems, None).no_evidence_on((0, 1), [0]) == ("speeding", "shop theft")


def test_a_problem_is_named_to_officers_as_they_write_it() -> None:
    problems = packaged_problems()
    assert problems.label(problems.names.index("e_scooters_and_e_bikes")) == "e-scooters and e-bikes"
    assert problems.label(problems.names.index("fgm")) == "FGM"
    assert problems.label(problems.names.index("hare_coursing")) == "hare coursing"


def test_the_shipped_lexicon_knows_romance_fraud_as_a_kind_of_fraud() -> None:
    problems = packaged_problems()
    names = problems.names
    assert names[problems.broader[names.index("romance_fraud")]] == "fraud"
    assert len(problems.broader) >= 30
    # Entries on drug misuse in general do not answer how to stop people dying of it.
    entries = EntryProblems(problems, ["drug treatment and testing on arrest cut drug misuse"])
    assert entries.unmentioned(("should we give heroin users naloxone, does it cut drug deaths",), [0]) == (
        names.index("drug_related_deaths"),)
    # Nor do entries on car crime answer cargo stolen from lorries.
    cars = EntryProblems(problems, ["immobilisers cut theft from vehicles in the car parks"])
    assert cars.unmentioned(("cargo theft from lorries in lay-bys",), [0]) == (names.index("freight_crime"),)
    # Entries on partner abuse do not answer a son who hits his mother, nor cameras against antisocial
    # behaviour car meets.
    partners = EntryProblems(problems, ["protection orders against abusive partners cut repeat domestic abuse"])
    assert partners.unmentioned(("15yo assaulting his mum, she won't call it DA cos it's her son",), [0]) == (
        names.index("child_to_parent_violence"),)
    cameras = EntryProblems(problems, ["cctv cut anti-social behaviour in the car park"])
    assert cameras.unmentioned(("car meets in the retail park every sat night",), [0]) == (
        names.index("car_cruising"),)


def test_the_shipped_rule_weighs_an_unmentioned_problem_against_a_match() -> None:
    model = NoMatchModel.load(PACKAGED_MODEL)
    weight = model.weights[model.features.index("unmentioned_problem")]
    assert weight < 0 and "unmentioned problem" in model.about["rule"]


def test_the_weight_of_an_unmentioned_problem_is_bounded_by_every_tuned_sets_answerable_questions() -> None:
    from eval.rule import weigh_problems

    at = 0.6
    x = np.zeros((102, len(FEATURES)))
    x[:, FEATURES.index("cosine")] = [at + 0.4] * 100 + [at + 0.05, at + 0.2]
    x[100:, FEATURES.index("unmentioned_problem")] = 1.0
    y, groups = np.array([1.0] * 100 + [0.0, 0.0]), np.zeros(102)
    # No answerable question names an unmentioned problem, so nothing bounds the weight: it is
    # the least that refuses both unanswerable ones (0.2 above the bar), not the most allowed.
    assert weigh_problems(x, y, groups, at, 0.0, 0.0) == pytest.approx(0.25)
    # A set kept out of fitting holds an answerable question naming a problem its entry puts in
    # other words, 0.15 above the bar: the weight stays below that, so it is still answered, and
    # is the least that still refuses the unanswerable question 0.05 above it.
    kept_out = np.zeros((1, len(FEATURES)))
    kept_out[0, FEATURES.index("cosine")], kept_out[0, FEATURES.index("unmentioned_problem")] = at + 0.15, 1.0
    both = np.vstack([x, kept_out])
    weight = weigh_problems(both, np.append(y, 1.0), np.append(groups, 1), at, 0.0, 0.0)
    assert weight == pytest.approx(0.1)


@pytest.mark.model
def test_a_close_match_on_a_problem_no_entry_speaks_of_gets_no_good_match(shipped_index: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    searcher = Searcher(KnowledgeIndex.load_current(shipped_index), embedder)
    uncovered = searcher.search("speeding through the village, residents want action")
    covered = searcher.search("lads screwing houses on the estate, same streets again and again")
    assert uncovered.evidence.unmentioned_problem == 1.0 and uncovered.no_good_match
    assert not uncovered.asks_for_other  # a gap in the evidence, for the Hub to see
    assert covered.evidence.unmentioned_problem == 0.0 and not covered.no_good_match
    without = uncovered.evidence.__class__(**{**uncovered.evidence.__dict__, "unmentioned_problem": 0.0})
    assert searcher.no_match.probability(without) >= searcher.no_match.threshold  # refused for that alone


@pytest.mark.model
def test_a_kind_of_fraud_the_entries_never_name_gets_no_good_match_and_is_named_on_the_card(  # type: ignore[no-untyped-def]
    shipped_index: Path, embedder
) -> None:
    searcher = Searcher(KnowledgeIndex.load_current(shipped_index), embedder)
    romance = searcher.search("romance scams on widowers in the village, what works to stop them sending money")
    courier = searcher.search("courier fraud on pensioners")  # the banking protocol speaks of it
    assert romance.no_good_match and romance.unmentioned == ("romance fraud",)
    assert not courier.no_good_match and courier.results[0].id == "banking-protocol"
    # The glossary reads "scramblers" as anti-social riding; entries on antisocial behaviour in
    # general do not answer it.
    scramblers = searcher.search("kids on scramblers tearing up the playing fields every night, what works")
    assert scramblers.no_good_match and "off-road bikes" in scramblers.unmentioned


@pytest.mark.model
def test_a_version_published_without_entry_texts_still_answers(  # type: ignore[no-untyped-def]
    shipped_index: Path, tmp_path: Path, embedder
) -> None:
    shutil.copytree(shipped_index, tmp_path / "index")
    folder = version_dir(tmp_path / "index", current_version(tmp_path / "index"))
    (folder / ENTRY_TEXTS).unlink()
    result = Searcher(KnowledgeIndex(folder), embedder).search("speeding through the village, residents want action")
    assert result.evidence.unmentioned_problem == 0.0 and result.results


@pytest.mark.model
def test_the_build_keeps_what_each_entry_says(shipped_index: Path) -> None:
    folder = version_dir(shipped_index, current_version(shipped_index))
    texts = json.loads((folder / ENTRY_TEXTS).read_text())
    entries = json.loads((folder / "entries.json").read_text())
    assert len(texts) == len(entries)
    assert all(e["title"].lower() in t for e, t in zip(entries, texts))


@pytest.mark.parametrize("unit", ["speeding ", "burglary ", "break into ", "county lines ", "a "])
def test_no_question_up_to_the_length_limit_stalls_the_problems(unit: str) -> None:
    from domain.limits import MAX_TEXT

    question = (unit * (MAX_TEXT // len(unit) + 1))[:MAX_TEXT]
    started = time.perf_counter()
    packaged_problems().named(question, question.upper())
    assert time.perf_counter() - started < 0.5  # a stall, not a timing
