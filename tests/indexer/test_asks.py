"""Wording that asks for law, figures or admin: the cues of the "no good match" decision."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.asks import AskCues, CuesError, packaged_cues
from indexer.decision import FEATURES, PACKAGED_MODEL, NoMatchModel
from indexer.search import KnowledgeIndex, Searcher


@pytest.mark.parametrize(
    ("question", "group"),
    [
        ("is it an offence to carry a lock knife in your car", "law"),
        ("points to prove for s139", "law"),
        ("whats the difference between robbery and theft from person", "law"),
        ("do we crime it if the victim doesnt want to support", "law"),
        ("max sentence for s18 gbh?", "law"),
        ("how many burglaries did we have in our district last year", "figures"),
        ("knife crime stats for our area pls", "figures"),
        ("how does our force compare with the met for robbery", "figures"),
        ("going rate for a wrap of coke round here", "figures"),
        ("how do i claim overtime for court on a rest day", "admin"),
        ("whos the on call inspector tonight", "admin"),
        ("which form do i use for a vehicle recovery", "admin"),
        ("locked out of niche again how do i reset my password", "admin"),
        ("Phone Number For The MASH", "admin"),  # read in lower case
        ("wats the max sentance for a blade in a school", "law"),
        ("can the landlord still be charged if he didnt know about the grow", "law"),
        ("gbh vs wounding with intent, which one", "law"),
        ("what s35 powers have we got for the lads on the retail park", "law"),
        ("how do i get his phone downloaded before interview", "procedure"),
        ("link for the nrm referral form pls", "procedure"),
        ("how do we get the bank to freeze the money the scammer took", "procedure"),
        ("our new starters keep jacking it in after a year, how do we keep them", "admin"),
        ("sgt here, team is on its knees, 4 down on lates, anything for morale", "admin"),
        ("support for tutor constables with two students each", "admin"),
        ("short staffed every weekend on response, what can i do", "admin"),
        ("is harassment still chargeable once they've moved out", "law"),
        ("can criminal damage even be charged if it's her own car", "law"),
        ("he's got a previous, will cps still charge him for the knife", "law"),
        ("he says the blade is for fishing, what defence applies", "law"),
        ("two lads fighting outside the kebab shop, which offence fits", "law"),
        ("what counts as reasonable force for door staff throwing someone out", "law"),
        ("can security guards detain a shoplifter until we get there", "law"),
        ("how do i crime a theft when the owner cant say what was taken", "law"),
        ("should i keep my body worn camera running in the custody suite", "procedure"),
        ("whats the sentance for a shop selling a knife to an under 18", "law"),
        ("offence for cuckooing runners", "law"),
        ("harassment or stalking? whats the legal difference between the two offences", "law"),
        ("can a non-crime hate incident be recorded against someone's name", "law"),
        ("how do i get the bank's cctv for a courier fraud job", "procedure"),
        ("clares law application form", "procedure"),
        ("SPOs granted last year", "figures"),
        ("folding pocketknife legal blade length", "law"),
        ("can we put the door in without a warrant if we think a DA victim is inside", "law"),
        ("he says he had the blade for work, what does the good reason defence need", "law"),
        ("do i have to disclose her previous to the defence", "law"),
        ("need the cctv off the chippy for an assault, how do i get it off him", "procedure"),
        ("ASB calls per month ward", "procedure"),
        ("course at HQ tomorrow, whats the best route and where should I park", "admin"),
        ("is carrying a lock knife in the car an offence if its for work", "law"),  # "for work" is not "does it work"
        ("our officers have huge caseloads, anything to help", "admin"),
        ("coercive control offence elements", "law"),
        ("what are the elements of the offence of stalking", "law"),
        ("NRM first responder form", "procedure"),
        ("who do i bell to get a kid whos gone country into the NRM", "admin"),
        ("my sergeant says my statement reads like a shopping list, can you help me reword it", "procedure"),
        ("been on nights for weeks and not sleeping, is there a confidential way to get some support through work", "admin"),
        ("can u arrest for breach of a DVPN or do u need the DVPO first", "law"),
        ("partial closure order - which section of the ASB act is it", "law"),
        ("is that either way or indictable only", "law"),
        ("found a 15yo in a trap house, how do i actually submit the NRM", "procedure"),
        ("any update on the stabbing outside spoons on saturday", "procedure"),
        ("has anyone been charged for the robbery on the high street", "procedure"),
        ("draft a letter to residents about the dispersal order this weekend pls", "writing"),
        ("write me a leaflet for residents about relay theft and key pouches", "writing"),
        ("draft a press release for the knife amnesty haul", "writing"),
        ("Write us a quick blurb for the estate newsletter introducing the new PCSO", "writing"),
        ("how do i book on the academy SARA practitioner module", "admin"),
        ("lock knife in glovebox legal?", "law"),
        ("closure order max length", "law"),
        ("gadgie's up for his third dwellin burglary, what's he lookin at sentence-wise like?", "law"),
        ("asb calls riverside estate since april", "figures"),
        ("whos pickin up the job from last nite? need to hand over me bits b4 i go off", "procedure"),
        ("do specials get paid expenses for doing plain clothes shifts", "admin"),
        ("dealt with a fatal stabbing on sat, can't sleep since. who do i talk to, do we do TRiM?", "admin"),
        ("is cuckooing actually an offence in itself", "law"),
        ("min sentence 3rd dwelling burglary", "law"),
        ("is shoplifting up or down in the town centre since xmas", "figures"),
        ("no. of county lines closed by our force", "figures"),
        ("hate crime reports north division q3", "figures"),
        ("how do i get cctv off the council", "procedure"),
        ("how to package a knife exhibit", "procedure"),
        ("pre charge bail DA suspect - can i add an exclusion zone myself", "procedure"),
        ("write me a facebook post about keyless car theft for the SNT page", "writing"),
        ("make me a briefing slide for tonights op", "writing"),
        ("summarise force DA policy", "writing"),
        ("where do i book the smartwater kits out from at the nick", "admin"),
        ("whos the OIC on the stabbin on the high st sat nite, fam want an update", "procedure"),
        ("starting point sentence for s.18 with a blade, first offence, early guilty plea", "law"),
        ("CPN or CBO - which one can i give a 15yo for the estate ASB", "law"),
        ("Does this get crimed as attempted fraud or just logged as a Banking Protocol incident?", "law"),
        ("are they committing an offence themselves or would the s45 defence cover them", "law"),
        ("how many knives got handed in during the last op sceptre nationally", "figures"),
        ("number of s60 searches in the met in 2024 and the find rate", "figures"),
        ("what % of car thefts in the west mids are keyless relay", "figures"),
        ("MARAC referral for my high risk from tuesday - do i send it to the coordinator or the IDVA", "procedure"),
        ("how do i start the clares law application for her on the system", "procedure"),
        ("how do i check the IMEI against the stolen database from the car", "procedure"),
        ("what address goes on the DVPO application and how do I serve notice of the hearing on him", "procedure"),
        ("athena - how do i attach a DASH to an existing DA occurrence after the fact", "admin"),
        ("need to swap my plain clothes NTE shift next sat, who holds the rota", "admin"),
        ("whats the MARAC coordinator's email address", "admin"),
        ("where do I find out when the application window opens", "admin"),
        ("can you translate the burglary advice for the student hmos into polish and romanian", "writing"),
        ("proofread my SARA write up for the estate ASB before i send it to the hub pls", "writing"),
        ("write a post for the ward whatsapp telling residents about the alley gate meeting", "writing"),
        ("summarise the MARAC evidence in 3 bullets for the insp's slide pack", "writing"),
        ("can you pull the ASB calls for the Beacon estate Apr-Sep and compare to last year?", "figures"),
        ("Leicester hate crime 2024 broken down by strand pls", "figures"),
        ("IOM cohort - reoffending this quarter compared to last, is it going the right way?", "figures"),
        ("Analyst request: DVPNs issued in 2024 and what % converted to a DVPO at court please.", "figures"),
        ("knives handed in last Op Sceptre week across the force?", "figures"),
        ("s60 find rate 2024 force wide", "figures"),
        ("is that burg or just theft? arguing about it in the parade room", "law"),
        ("Can you give a youth caution without a clear admission?", "law"),
        ("end of lates, got a phone snatch robbery with a named suspect, what do I need done before handover?", "procedure"),
        ("Who do I get for AA and do I do the NRM before or after interview?", "procedure"),
        ("emptied the knife bin this morning, one blade has blood on it. how do I book it in and keep continuity?", "procedure"),
        ("how do I request a tagged offender's GPS trail from the EM service, what form", "admin"),
        ("are we allowed our own trainers on plain clothes ops or does it have to be issue footwear", "admin"),
        ("PNC access lapsed while I was on mat leave, how do I get it reinstated?", "admin"),
        ("Who's the DS covering the DA hub today? Need a DVPN looked at before 2.", "admin"),
        ("When does the on-call allowance actually kick in, from the phone call or only if I go in?", "admin"),
        ("ey up, do specials get owt for doing the taxi rank on a fri night or is it just expenses", "admin"),
        ("how do I self refer to occy health, the cuckooing job at the weekend has proper got to me", "admin"),
        ("lateral to the RJ unit, do I need 2 yrs tenure on neighbourhood first?", "admin"),
        ("any method of entry courses going? been on all the cuckooing warrants", "admin"),
        ("design an Ask for Angela poster for the pubs in Skegness", "writing"),
        ("press release for the line closures this week - 3 arrests, 2 kids safeguarded", "writing"),
        ("rewrite this neighbourhood watch newsletter in plainer english, lots of older readers", "writing"),
        ("whats our stop search find rate for knives on north sector last quarter", "figures"),
        ("how many knives did we get in total in the last op sceptre amnesty force wide", "figures"),
        ("knife crime figures essex 2024", "figures"),
        ("shoplifting trend norfolk last 5 yrs", "figures"),
        ("car thefts west mids this yr", "figures"),
        ("is cuckooing an actual offence now or is it still going through parliament", "law"),
        ("trigger offences list drug testing", "law"),
        ("out of hours DVPN - what's the process for getting the supt to authorise it", "procedure"),
        ("prisoner tested positive for cocaine, what goes on the custody record", "procedure"),
        ("found weed in car what paperwork", "procedure"),
        ("victim retracting statement what now", "procedure"),
        ("trim after bad stabbing job", "admin"),
        ("draft burglary alert for whatsapp", "writing"),
        ("how many items have come out of the knife bin at St Mark's since it went in?", "figures"),
        ("What's our MARAC repeat referral rate this year against the SafeLives national average?", "figures"),
        ("ASB calls on Brookfield estate since the detached youth workers started in Jan - up or down?", "figures"),
        ("Which ten car models were most stolen across the force in September?", "figures"),
        ("can we legally put shoplifters' photos on the BCRP app and how long are members allowed to keep them?", "law"),
        ("Which article of UK GDPR and which bit of the Crime and Disorder Act actually covers us?", "law"),
        ("are we legally required to publish the strategy every year?", "law"),
        ("Is the new cuckooing offence actually in force yet?", "law"),
        ("Has the DVDS panel made a decision on the right to ask from Ms K, ref DV/2291? She's chasing.", "procedure"),
        ("Lad in cell 3 has a 2022 caution for theft. Is he eligible for Checkpoint or not?", "procedure"),
        ("From last week's tasking - who took the action on the broken lights at the play park?", "procedure"),
        ("What actions were agreed at Tuesday's MARAC for case 14?", "procedure"),
        ("cost code for the OPCC safer streets grant? need to raise a PO for the steering locks", "admin"),
        ("Can I book the big training room at HQ on 14 Nov for the BBN assessor session?", "admin"),
        ("back off maternity leave in March, how do I go part time", "admin"),
        ("Turn these bullet points into a VRU funding bid for our mentoring project", "writing"),
        ("Facebook post for the NPT page warning about keyless car theft, short and punchy pls", "writing"),
    ],
)
def test_a_question_asking_for_law_figures_or_admin_is_recognised_by_its_wording(question: str, group: str) -> None:
    assert packaged_cues().asks_for(question) == group


@pytest.mark.parametrize(
    "question",
    [
        "what works to reduce knife crime",
        "evidence on s60 effectiveness",
        "best way to use dispersal orders for asb in the town centre",
        "are closure orders effective for cuckooed flats",
        "can we use restorative justice for shoplifting",
        "does property marking reduce theft, what does the data say",
        "how much does cctv reduce burglary",
        "do tougher sentences deter knife carrying",
        "how many patrols do we need in a hot spot for it to work",
        "what form of intervention works best for county lines kids",
        "14yo caught with a bit of weed first time, charge or outcome 22",  # a diversion scheme, not a code
        "lads on mopeds snatching phones outside the station every friday, what can we do",
        "how do we stop young people being recruited into county lines",
        "recruit volunteers for neighbourhood watch on the estate",
        "keeping kids from leaving school early and getting drawn into gangs",
        "wellbeing of domestic abuse victims after a marac",
        "burglaries of student houses near the university",
        "staff in pubs spotting drink spiking",
        "do burnouts in the retail park car park stop with a pspo",
        "do dispersal orders under s35 actually reduce asb",
        "does increasing the maximum sentence deter burglars",
        "what powers are most effective against asb",
        "robbery vs burglary, which has more repeat victims",
        "how do we recover stolen bikes, does marking help",
        "does the banking protocol stop elderly people being scammed",
        "our advocates have huge caseloads, is there evidence idvas reduce repeat abuse",
        "what evidence would we need to show the scheme works",
        "closure orders granted last year, did they reduce asb",
        "where can we park the mobile cctv van so it deters the car park thefts",
        "is an amnesty without a warrant or arrest more effective at getting knives off the street",
        "does a longer sentence for selling knives to under 18s deter the shops",
        # A whole question asking what has worked, however much law or admin it passes on the way.
        "scramblers ripping up the fields every night, we've seized a couple under s59 but they're back "
        "on new bikes within a week and residents are furious, what has worked elsewhere",
        "trading standards are short staffed and rogue roofers keep conning pensioners, has anyone tried "
        "a no cold calling zone",
        "can youths be charged or diverted, what works better for reoffending",
        "does body worn video reduce assaults on officers",
        "would a cps charging decision come quicker with better file quality, what works",
        "getting support from the community for a pspo on the estate",
        "kids ringing door bells and running off all summer, what stops it",
        "can you help me find what works for shed burglaries",
        "high risk on the DASH, who do i refer to n does it actually help her",
        "would a letter to residents about shed security reduce burglaries",
        "school wants an ex-con to give the yr 10s a hard hitting talk, is there evidence either way?",
        "who do i talk to about getting alley gates, and do they actually work",
        "asb calls have doubled since april, what works to bring them down",
        "we're looking at what works for burglary on the estate",
        "do bail conditions with exclusion zones reduce repeat domestic abuse",
        "DV support workers on the maternity ward and in casualty, do they make the abuse stop",
        "press office want how many knives got handed in this month. does that drive actually cut stabbings?",
    ],
)
def test_a_prevention_question_naming_powers_orders_or_figures_is_not_read_as_asking_for_them(question: str) -> None:
    assert packaged_cues().asks_for(question) is None


def test_the_shipped_cues_cover_all_five_groups() -> None:
    cues = packaged_cues()
    assert [group for group, _ in cues.groups] == ["law", "figures", "procedure", "admin", "writing"]
    assert cues.count >= 60


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"groups": {"law": [{"pattern": "points to prove"}, {"pattern": "is it (an offence"}]}},
         r"cues.yaml: law pattern 2: not a regular expression"),
        ({"groups": {"weather": [{"pattern": "rain"}]}}, r"cues.yaml: unknown group weather"),
        ({"groups": {"admin": [{"pattern": "(overtime)?"}]}}, r"cues.yaml: admin pattern 1: matches empty text"),
        ({"groups": {"figures": [{"note": "no pattern"}]}}, r"cues.yaml: figures pattern 1: field 'pattern'"),
        ({"groups": {"figures": []}}, r"cues.yaml: group figures: expected a list"),
        (["law"], r"cues.yaml: expected 'groups:'"),
        ({"gives_way": {"works": "works"}, "groups": {"law": [{"pattern": "can we seize", "gives_way": ["worth"]}]}},
         r"cues.yaml: law pattern 1: 'gives_way' names no kind of wording: worth \(known: works\)"),
        ({"gives_way": {"works": "(works"}, "groups": {"law": [{"pattern": "can we seize"}]}},
         r"cues.yaml: gives_way works: not a regular expression"),
        ({"gives_way": ["works"], "groups": {"law": [{"pattern": "can we seize"}]}},
         r"cues.yaml: 'gives_way' must map each kind"),
        ({"what_works": "", "groups": {"law": [{"pattern": "can we seize"}]}}, r"cues.yaml: 'what_works' must be"),
    ],
)
def test_a_cue_file_that_cannot_be_used_is_refused_with_its_path_and_reason(data: object, reason: str) -> None:
    with pytest.raises(CuesError, match=reason):
        AskCues.from_mapping(data, path="cues.yaml")


def test_a_cue_gives_way_to_the_wording_it_names_only_close_after_it_and_never_in_a_what_works_question() -> None:
    cues = AskCues.from_mapping({
        "gives_way": {"works": r"\bworks?\b|effective", "priorities": "priorit"},
        "what_works": r"\bwhat (?:has|have) worked\b",
        "groups": {"law": [{"pattern": r"\bcan we seize\b", "gives_way": ["works"]}],
                   "admin": [{"pattern": r"\bovertime form\b"}]},
    })
    assert cues.asks_for("can we seize their bikes") == "law"
    assert cues.asks_for("can we seize their bikes, does it work") is None
    assert cues.asks_for("can we seize their bikes, should it be a priority") == "law"  # not a kind it gives way to
    far = "can we seize their bikes under s59 when they ride on the footpath by the school and the park, " + "and is it effective"
    assert cues.asks_for(far) == "law"  # the question has moved on: the cue stands
    assert cues.asks_for("overtime form for the op, does it work") == "admin"  # this cue gives way to nothing
    assert cues.asks_for("can we seize their bikes under s59? what has worked elsewhere") is None


def test_a_question_asking_what_has_been_shown_to_work_is_not_read_for_the_order_it_passes_on_the_way() -> None:
    question = ("Got a fixated ex who keeps turning up at the victim's work and her mum's. We're going for an SPO "
                "but beyond that what approach has actually been shown to stop stalkers?")
    assert packaged_cues().asks_for(question) is None
    assert packaged_cues().asks_for("We're going for an SPO on him, how long does it take") is not None


@pytest.mark.parametrize(
    "question",
    [
        "hotspot patrol dosage",
        "insp reckons hot spot patrols shud be an hour static on each one. how long per visit is best",
        "how often does a mentor need to see a kid and for how long before it makes any difference?",
        "targeted patrols just displace it?",
        "after a burglary how quick do us need to get round the neighbours, and how far out do us go?",
        "What size of area should we actually be looking at?",
        "15 min patrols random on hotspots",
        "CCTV monitoring value",
        "same address, 50 calls a year, help",
        "14yo, no previous, common assault in the playground. charge or outcome 22 - which one's less likely",
        "group course vs something like Drive. Which has better evidence?",
        "cctv running costs v install",
        "got 400 knives in the amnesty. can I put that in the comms as a result",
        "wats the evidance on outcome 22 for under 18s v just chargin them",
        "half the glassings never get reported but casualty patch them up. can the hospital tell us where they happened?",
        "What should be in it that's actually evidence based?",
    ],
)
def test_wording_asking_how_prevention_is_done_is_recognised(question: str) -> None:
    assert packaged_cues().asks_how_it_is_done(question)


def test_no_question_of_the_intent_bank_asking_for_something_else_reads_as_asking_how_prevention_is_done() -> None:
    """The wording turns the intent reading off; on a question asking for law, figures or admin
    that would let a close match through."""
    import yaml

    bank = Path(__file__).resolve().parents[2] / "eval" / "intent"
    others = [q["text"] for name in ("questions.yaml", "questions_2.yaml", "terse.yaml")
              for q in yaml.safe_load((bank / name).read_text(encoding="utf-8")) if q["asks"] == "other"]
    assert len(others) == 560
    assert [q for q in others if packaged_cues().asks_how_it_is_done(q)] == []
    assert not packaged_cues().asks_how_it_is_done("how long do DNA results take to come back from the lab")
    assert not packaged_cues().asks_how_it_is_done("dose it work on burglary")  # "does" mistyped, not a dose


@pytest.mark.model
def test_a_question_on_the_dose_of_a_tactic_is_answered_though_its_meaning_reads_as_procedure(
    shipped_index: Path, embedder  # type: ignore[no-untyped-def]
) -> None:
    from dataclasses import replace

    searcher = Searcher(KnowledgeIndex.load_current(shipped_index), embedder)
    answered = searcher.search("hotspot patrol dosage")
    assert not answered.no_good_match and answered.results[0].id == "hot-spots-policing"
    assert answered.evidence.other_intent == 0.0
    # Read in the glossary's words too: "lang" is Scots and Geordie for long.
    assert searcher.search("how lang should we be stood at each hotspot").evidence.other_intent == 0.0
    searcher.index.asks = replace(packaged_cues(), how_it_is_done=None)  # the same index without the wording
    unread = searcher.search("hotspot patrol dosage")
    assert unread.evidence.other_intent > 0 and unread.no_good_match


def test_a_how_it_is_done_pattern_that_is_not_a_pattern_is_refused_with_its_path() -> None:
    with pytest.raises(CuesError, match="how_it_is_done"):
        AskCues.from_mapping({"groups": {"law": [{"pattern": "x"}]}, "how_it_is_done": ["not", "text"]})


def test_an_unreadable_cue_file_is_reported_with_its_path(tmp_path: Path) -> None:
    broken = tmp_path / "other_asks.yaml"
    broken.write_text("groups: [unclosed", encoding="utf-8")
    with pytest.raises(CuesError, match=str(broken)):
        AskCues.load(broken)


def test_the_shipped_rule_weighs_the_wording_against_a_match() -> None:
    model = NoMatchModel.load(PACKAGED_MODEL)
    assert "asks_other" in model.features and model.weights[model.features.index("asks_other")] < 0
    assert "asks other" in model.about["rule"]


def test_no_match_however_close_and_however_many_words_it_shares_outweighs_wording_asking_for_law_or_admin() -> None:
    from indexer.decision import Evidence
    from indexer.lexical import RARE_TERMS_AT_MOST

    model = NoMatchModel.load(PACKAGED_MODEL)
    best = Evidence(cosine=1.0, margin=1.0, keywords=1.0, rare_terms=RARE_TERMS_AT_MOST, known=1.0, recognised=1.0,
                    length=3.0, asks_other=1.0)
    assert model.probability(best) < model.threshold


def test_the_wording_weighs_as_much_as_the_answerable_questions_and_the_prevention_bank_allow() -> None:
    from eval.rule import ASKS_AT_MOST, weigh_asks

    at = 0.6

    def evidence(cosine: list[float], asks: list[float]) -> np.ndarray:
        x = np.zeros((len(cosine), len(FEATURES)))
        x[:, FEATURES.index("cosine")], x[:, FEATURES.index("asks_other")] = cosine, asks
        return x

    # 100 answerable questions well above the bar and an unanswerable one worded as law.
    x = evidence([at + 0.4] * 100 + [at + 0.05], [0.0] * 100 + [1.0])
    y, groups = np.array([1.0] * 100 + [0.0]), np.zeros(101)
    quiet_bank = evidence([at + 0.3] * 10, [0.0] * 10)
    no_other = np.zeros(10)
    assert weigh_asks(x, y, groups, quiet_bank, no_other, at, 0.0) == pytest.approx(ASKS_AT_MOST)
    # Four answerable ones worded so, 0.32 above the bar: 4 in 100 is over 3%, so at most 0.3.
    x[:4] = evidence([at + 0.32] * 4, [1.0] * 4)
    assert weigh_asks(x, y, groups, quiet_bank, no_other, at, 0.0) == pytest.approx(0.3)
    # A prevention question of the bank worded so, 0.12 above: 1 in 10 is over 2%, so at most 0.1.
    bank = evidence([at + 0.12] + [at + 0.3] * 9, [1.0] + [0.0] * 9)
    assert weigh_asks(x, y, groups, bank, no_other, at, 0.0) == pytest.approx(0.1)
    # The intent reading's weight comes first: read as other at 0.5 out of its topic with
    # weight 0.3, that bank question is already refused, so the wording may weigh more again.
    assert weigh_asks(x, y, groups, bank, np.array([0.5] + [0.0] * 9), at, 0.3) == pytest.approx(0.3)


@pytest.mark.model
@pytest.mark.parametrize(
    ("other", "group", "prevention"),
    [
        ("is it an offence to sell a knife to a 16 year old", "law", "shops selling knives to kids"),
        ("which form do i use for a DVPN", "admin", "DVPN breaches keep happening"),
        ("how many shed breaks did we have in our district last year", "figures", "shed breaks on the allotments"),
    ],
)
def test_a_close_match_worded_as_law_or_figures_gets_no_good_match_and_says_why(
    shipped_index: Path, embedder, other: str, group: str, prevention: str  # type: ignore[no-untyped-def]
) -> None:
    searcher = Searcher(KnowledgeIndex.load_current(shipped_index), embedder)
    asked_other, asked_prevention = searcher.search(other), searcher.search(prevention)
    assert asked_other.evidence.asks_other == 1.0 and asked_prevention.evidence.asks_other == 0.0
    assert asked_other.no_good_match and asked_other.asks_for_other and asked_other.asks_for == group
    assert asked_other.as_json()["asks_for"] == group  # python -m indexer search --json says which
    assert not asked_prevention.no_good_match and asked_prevention.asks_for is None
    assert asked_other.results[0].id == asked_prevention.results[0].id  # the same topic: only the asking differs


def test_a_long_question_about_one_case_is_refused_however_many_words_it_shares_with_an_entry(
    shipped_index: Path, embedder  # type: ignore[no-untyped-def]
) -> None:
    from indexer.lexical import RARE_TERMS_AT_MOST

    searcher = Searcher(KnowledgeIndex.load_current(shipped_index), embedder)
    result = searcher.search("car wash on my patch, think the workers are being exploited. want a joint visit with "
                             "immigration and the council on thursday. who do i phone at the GLAA to set it up?")
    assert result.results[0].id == "modern-slavery-partnership-visits"  # on topic, sharing some ten rare words
    assert result.evidence.rare_terms == RARE_TERMS_AT_MOST
    assert result.no_good_match and result.asks_for_other


@pytest.mark.parametrize("unit", ["how many ", "is a ", "% ", "can we ", "is it an ", "what form ", "difference between "])
def test_no_question_up_to_the_length_limit_stalls_the_cues(unit: str) -> None:
    """The patterns are bounded (no nested repetition), so the longest text an officer may send
    anywhere is read in milliseconds, however it repeats their asking words."""
    import time

    from domain.limits import MAX_TEXT

    question = (unit * (MAX_TEXT // len(unit) + 1))[:MAX_TEXT]
    started = time.perf_counter()
    packaged_cues().asks_for(question)
    assert time.perf_counter() - started < 0.5  # a stall, not a timing: 2 ms for 500 characters here


def test_no_cue_fires_on_a_prevention_question_or_a_bare_topic_of_the_intent_bank() -> None:
    """The bank's prevention questions and bare tactic or problem names were written to look like
    the others; a cue that matches one refuses a question the base may answer."""
    import yaml

    bank = Path(__file__).resolve().parents[2] / "eval" / "intent"
    asked = [q for name in ("questions.yaml", "questions_2.yaml")
             for q in yaml.safe_load((bank / name).read_text(encoding="utf-8"))]
    bare = yaml.safe_load((bank / "bare_phrases.yaml").read_text(encoding="utf-8"))
    prevention = [q["text"] for q in asked if q["asks"] == "what_works"] + [q["text"] for q in bare]
    assert len(prevention) == 520
    assert [q for q in prevention if packaged_cues().asks_for(q)] == []
    others = [q["text"] for q in asked if q["asks"] == "other"]
    assert sum(packaged_cues().asks_for(q) is not None for q in others) >= 150  # over a third read by their wording alone


def test_no_cue_fires_on_an_answerable_question_of_the_tuned_or_probe_sets() -> None:
    """Every answerable question the cues were written beside, including the probe sets written
    blind in officers' own words: a cue that matches one tells an officer there is nothing when
    the base answers them."""
    import yaml

    root = Path(__file__).resolve().parents[2] / "eval"
    paths = [root / "questions.yaml", *sorted(root.glob("train*.yaml")), *sorted((root / "probe").glob("*.yaml"))]
    answerable = [q["text"] for path in paths for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
                  if q.get("relevant")]
    assert len(answerable) > 1400
    assert [q for q in answerable if packaged_cues().asks_for(q)] == []
