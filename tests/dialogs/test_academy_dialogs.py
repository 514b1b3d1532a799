"""The Academy's dialogs and commands, driven through the whole bot with botbuilder's
TestAdapter: six hats, the SARA action plan over separate sittings, the self-assessment
before and after, and the Hub's cohort and enrolment commands. Real handler, database,
knowledge index and model."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from botbuilder.schema import ConversationAccount

from bot.app import SERVICES, Services, create_app
from domain.settings import Settings
from dialogs.self_assessment import day
from domain.clock import london_today
from domain.academy import HATS, Academy, Module
from domain.models import Role
from tests.conftest import MODEL_CACHE
from tests.dialogs.test_submission import Chat
from tests.fakes import OFFICER_AAD, TENANT_ID
from tests.nodetools import validate_cards

pytestmark = pytest.mark.model
HUB_AAD = "0b6f1b3c-4444-4a4a-9b9b-000000000004"
TODAY = london_today()


@pytest.fixture
async def services(aiohttp_client, tmp_path: Path, shipped_index: Path) -> Services:  # type: ignore[no-untyped-def]
    shutil.copytree(shipped_index, tmp_path / "index")
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "INDEX_DIR": str(tmp_path / "index"),
        "MODEL_CACHE_DIR": str(MODEL_CACHE),
    })
    client = await aiohttp_client(create_app(settings))
    return client.app[SERVICES]


@pytest.fixture
def academy(services: Services) -> Academy:
    return services.academy.academy


def chat_in(services: Services, connector, conversation: str,  # type: ignore[no-untyped-def]
            aad: str = OFFICER_AAD, name: str = "Alex Morgan") -> Chat:
    """A chat in its own conversation: a new sitting keeps nothing but the database."""
    chat = Chat(services, connector.service_url, aad=aad, name=name)
    chat.adapter.template.conversation = ConversationAccount(
        id=f"a:{conversation}", conversation_type="personal", tenant_id=TENANT_ID)
    return chat


@pytest.fixture
def chat(services: Services, connector) -> Chat:  # type: ignore[no-untyped-def]
    return chat_in(services, connector, "officer")


def enrolled(services: Services, academy: Academy, name: str, starts_ago: int, ends_in: int) -> int:
    """A cohort with the officer enrolled, running from ``starts_ago`` days ago to ``ends_in`` days on."""
    services.users.seen(OFFICER_AAD, "Alex Morgan")
    cohort = academy.create_cohort(name, Module.LEADERSHIP, TODAY - timedelta(days=starts_ago),
                                   TODAY + timedelta(days=ends_in), created_by=HUB_AAD)
    academy.enrol(cohort.id, OFFICER_AAD, by=HUB_AAD)
    return cohort.id


# --- six hats -------------------------------------------------------------------------------

HAT_ANSWERS = [
    "How can we cut repeat calls to the retail park?",
    "40 calls since May, most between 3pm and 6pm.",
    "Uneasy: the same two shops call and nothing changes.",
    "Shops may not share CCTV quickly enough.",
    "The store managers are keen to work with us.",
    "A shared radio scheme between the stores.",
    "Meet the retail park manager next week.",
]


async def test_six_hats_on_a_topic_is_saved_and_listed(services, academy, chat):
    first = await chat.say("six hats on Repeat calls to the *retail* park")
    assert first[0].startswith("Blue hat. Focus: what are you thinking about")  # the topic was given
    assert "For example: How can we cut repeat calls to the retail park?" in first[0]
    assert "Optional: type skip to leave it out." in first[0]
    replies = first
    for (_, colour, what, _), answer in zip(HATS, HAT_ANSWERS):
        assert replies[0].startswith(f"{colour} hat. {what}")
        replies = await chat.say(answer)
    summary = replies[0]
    assert "1. Topic: Repeat calls to the \\*retail\\* park" in summary
    assert "4. Red hat: Feelings: Uneasy: the same two shops call and nothing changes." in summary
    assert "8. Blue hat: Decisions: Meet the retail park manager next week." in summary
    done = await chat.say("save")
    assert done == ["Saved your six hats reflection on Repeat calls to the \\*retail\\* park. "
                    "Type my reflections to see your reflections, latest first."]
    [saved] = academy.reflections(OFFICER_AAD)
    assert saved.topic == "Repeat calls to the *retail* park"
    assert list(saved.answers.values()) == HAT_ANSWERS
    mine = await chat.say("my reflections")
    assert mine[0].startswith(f"Your six hats reflections, latest first:\n\n1\\. {day(TODAY)}: "
                              "Repeat calls to the \\*retail\\* park\n\nTo attach one, type")


async def test_a_reflection_is_attached_to_a_submission_the_officer_can_see_and_to_their_plan(services, academy, chat):
    reflection = academy.save_reflection(OFFICER_AAD, "Shop theft", {"white": "40 calls since May"})
    from domain.portal import Kind, NewSubmission
    mine = services.portal.submissions.create(
        OFFICER_AAD, NewSubmission(Kind.PROBLEM, "Shop theft", "Repeat calls", [], "Watford")).reference
    theirs = services.portal.submissions.create(
        HUB_AAD, NewSubmission(Kind.IDEA, "Other", "Someone else's", [], "Watford")).reference
    assert (await chat.say(f"attach 1 to {theirs}"))[0].startswith("I can't find that to attach to.")
    assert await chat.say(f"attach 1 to {mine.lower()}") == [f"Attached your reflection on Shop theft to {mine}."]
    assert academy.reflections(OFFICER_AAD)[0].submission_reference == mine
    assert (await chat.say("attach 1 to plan"))[0] == "You have no action plan yet. Type action plan to start one."
    cohort = enrolled(services, academy, "Leaders 9", starts_ago=10, ends_in=-1)
    plan = academy.start_plan(OFFICER_AAD, cohort, "Shop theft at the retail park")
    assert await chat.say("attach 1 to plan") == ["Attached your reflection on Shop theft to your action plan."]
    assert academy.reflections(OFFICER_AAD)[0].plan_id == plan.id == reflection.id - reflection.id + plan.id
    listed = await chat.say("my reflections")
    assert f"(attached to your action plan) (attached to {mine})" in listed[0]


async def test_six_hats_skip_back_and_change_from_the_summary(academy, chat):
    await chat.say("six hats on Shop theft")
    back = await chat.say("back")  # from the first hat to the topic the command gave
    assert back[0].startswith("What would you like to think through") and "Your earlier answer: Shop theft" in back[0]
    assert (await chat.say("Shop theft at the retail park"))[0].startswith("Blue hat. Focus")
    assert (await chat.say("skip"))[0].startswith("White hat. Facts")
    assert (await chat.say("40 calls since May"))[0].startswith("Red hat. Feelings")
    back = await chat.say("back")
    assert back[0].startswith("White hat. Facts") and "Your earlier answer: 40 calls since May" in back[0]
    assert (await chat.say("40 calls since May, most after school"))[0].startswith("Red hat. Feelings")
    for colour in ("Black", "Yellow", "Green", "Blue"):  # red, black, yellow and green skipped
        assert (await chat.say("skip"))[0].startswith(f"{colour} hat.")
    summary = await chat.say("Meet the park manager next week.")
    assert "2. Blue hat: Focus: (not answered)" in summary[0] and "4. Red hat: Feelings: (not answered)" in summary[0]
    change = await chat.say("3")
    assert change[0].startswith("White hat. Facts") and "Your earlier answer: 40 calls since May, most after school" in change[0]
    summary = await chat.say("52 calls since May")
    assert "3. White hat: Facts: 52 calls since May" in summary[0]
    await chat.say("save")
    [saved] = academy.reflections(OFFICER_AAD)
    assert saved.topic == "Shop theft at the retail park"
    assert saved.answers == {"blue_focus": None, "white": "52 calls since May", "red": None, "black": None,
                             "yellow": None, "green": None, "blue_decisions": "Meet the park manager next week."}


async def test_six_hats_with_every_hat_skipped_saves_nothing(academy, chat):
    await chat.say("six hats")
    await chat.say("Team briefings")
    for _ in range(6):
        await chat.say("skip")
    summary = await chat.say("skip")
    assert "Every hat is skipped: answer at least one" in summary[0]
    assert (await chat.say("save"))[0].startswith("Answer at least one hat before saving the reflection. Nothing was saved.")
    assert academy.reflections(OFFICER_AAD) == []


# --- the action plan --------------------------------------------------------------------------

async def test_an_action_plan_is_written_over_separate_sittings_and_completed(services, academy, connector):
    enrolled(services, academy, "Leaders 7", starts_ago=20, ends_in=-1)
    # Sitting 1: the problem and the scanning stage.
    first = chat_in(services, connector, "sitting-1")
    replies = await first.say("action plan")
    assert replies[0].startswith("Your action plan works one problem through SARA")
    assert replies[1].startswith("Which problem will your action plan tackle?")
    assert (await first.say("Repeat shoplifting at the retail park"))[0].startswith("What is the problem:")
    summary = await first.say("Since May, 40 calls about shoplifting at the retail park, most between 3pm and 6pm.")
    assert summary[0].startswith("Here is your new action plan:")
    saved = (await first.say("save"))[0]
    assert saved.startswith("Saved the scanning stage of your action plan.")
    assert "- Scanning: done\n- Analysis: not written yet" in saved and "Next: analysis" in saved
    plan = academy.plan(OFFICER_AAD)
    assert plan is not None and plan.problem == "Repeat shoplifting at the retail park"
    assert plan.stages_done == ("scanning",)

    # Sitting 2, another day: the analysis (the problem analysis triangle).
    second = chat_in(services, connector, "sitting-2")
    where = (await second.say("action plan"))[0]
    assert where.startswith("Your action plan: Repeat shoplifting at the retail park")
    assert "1. Carry on with analysis\n2. Scanning\n3. Analysis\n4. Response\n5. Assessment" in where
    replies = await second.say("1")
    assert replies[0].startswith("Analysis: the problem analysis triangle")
    assert replies[1].startswith("Victim: who is harmed")
    assert (await second.say("Two small shops with no security staff."))[0].startswith("Offender:")
    assert (await second.say("A few local adults who steal to order."))[0].startswith("Location:")
    assert (await second.say("The rear car park, with no CCTV."))[0].startswith("Here is your SARA analysis:")
    saved = (await second.say("save"))[0]
    assert saved.startswith("Saved the analysis stage") and "Next: response" in saved
    assert academy.plan(OFFICER_AAD).stages["analysis"] == {
        "victim": "Two small shops with no security staff.", "offender": "A few local adults who steal to order.",
        "location": "The rear car park, with no CCTV."}

    # Sitting 3: a stage written before is changed, then the response, citing a knowledge entry,
    # then the assessment and completion.
    third = chat_in(services, connector, "sitting-3")
    await third.say("action plan")
    reopened = await third.say("2")  # scanning, written in the first sitting
    assert reopened[0].startswith("Scanning: the problem") and "Here is what you wrote" in reopened[0]
    assert reopened[1].startswith("Here is your SARA scanning:\n\n1. Description: Since May, 40 calls")
    assert "Your earlier answer: Since May, 40 calls" in (await third.say("1"))[0]
    await third.say("Since May, 52 calls about shoplifting at the retail park, most between 3pm and 6pm.")
    rewritten = (await third.say("save"))[0]
    assert rewritten.startswith("Saved the scanning stage") and "Next: response" in rewritten
    assert academy.plan(OFFICER_AAD).stages["scanning"]["description"].startswith("Since May, 52 calls")
    await third.say("action plan")
    assert (await third.say("response"))[1].startswith("What will you do, with whom")
    await third.say("Set up a business crime partnership with a shared radio link and an exclusion scheme "
                    "for prolific shoplifters.")
    offer = (await third.say("save"))[0]
    assert "knowledge entries may support your response" in offer
    listed = offer.split("Cite any of them?")[1]
    number = next(line.split(".")[0] for line in listed.splitlines()
                  if line.endswith("Business crime reduction partnership for shoplifting"))
    back = await third.say("back")  # from the citations to the response's summary
    assert back[1].startswith("Here is your SARA response:")
    assert (await third.say("save"))[0] == offer  # the same entries offered again
    assert (await third.say("9"))[0].startswith("Type the numbers of the entries to cite")
    saved = (await third.say(number))[0]
    assert saved.startswith("Saved the response stage") and "Next: assessment" in saved
    assert academy.plan(OFFICER_AAD).stages["response"]["cited_entries"] == ["retail-crime-partnership"]
    assert "- Response: done\n- Assessment: not written yet" in (await third.say("action plan"))[0]
    assert (await third.say("carry on"))[1].startswith("How will you measure whether it worked?")
    await third.say("Calls and recorded thefts for three months against last year.")
    offer = (await third.say("save"))[0]
    assert "All four stages are written. Mark your action plan complete?" in offer
    assert (await third.say("mark it complete"))[0].startswith(f"Your action plan is complete, recorded on {day(TODAY)}.")
    plan = academy.plan(OFFICER_AAD)
    assert plan.is_complete and plan.stages_done == ("scanning", "analysis", "response", "assessment")
    assert (await third.say("action plan"))[0].startswith("Your action plan on Repeat shoplifting at the retail park "
                                                           "is complete")
    assert validate_cards(first.cards + second.cards + third.cards) == []


async def test_an_action_plan_needs_a_cohort_and_asks_which_when_there_are_several(services, academy, chat):
    assert (await chat.say("action plan"))[0].startswith("The action plan is part of an Academy course, and you are "
                                                         "not enrolled in one.")
    enrolled(services, academy, "Leaders 7", starts_ago=20, ends_in=-1)
    enrolled(services, academy, "Specialists 3", starts_ago=5, ends_in=2)
    which = (await chat.say("action plan"))[0]
    assert which.startswith("You are in more than one Academy cohort. Which action plan?")
    assert (await chat.say("specialists 3"))[1].startswith("Which problem will your action plan tackle?")
    assert await chat.say("cancel") == ["Cancelled. Your new action plan was not saved."]
    assert academy.plans(OFFICER_AAD) == []


# --- the self-assessment ----------------------------------------------------------------------

async def test_self_assessment_before_and_after_shows_the_change_item_by_item(services, academy, chat):
    cohort_id = enrolled(services, academy, "Leaders 7", starts_ago=10, ends_in=0)  # both are due today
    replies = await chat.say("self-assessment")
    assert replies[0].startswith("Your self-assessment before the course (Leaders 7): 7 statements")
    assert replies[1].startswith("Statement 1 of 7: I can solve a local problem with the SARA model")
    assert "1. Strongly disagree\n2. Disagree\n3. Neither agree nor disagree\n4. Agree\n5. Strongly agree" in replies[1]
    for answer in ("2", "disagree", "neither", "4", "Agree", "5", "strongly agree"):
        replies = await chat.say(answer)
    assert "1. Problem solving with SARA: Disagree" in replies[0]
    assert "3. Partnership working: Neither agree nor disagree" in replies[0]
    saved = await chat.say("save")
    assert saved[0].startswith("Saved your self-assessment before the course.")
    assert academy.assessment(OFFICER_AAD, cohort_id, "before").scores == {
        "sara": 2, "evidence": 2, "partnership": 3, "new_approaches": 4, "reflection": 4, "coaching": 5, "ndm": 5}

    replies = await chat.say("self-assessment")  # the course ends today: the second one is due
    assert replies[0].startswith("Your self-assessment after the course (Leaders 7)")
    await chat.say("back")  # nothing before the first statement
    for answer in ("4", "4", "3", "2", "5", "4", "5"):
        await chat.say(answer)
    done = (await chat.say("save"))[0]
    assert done == (
        "Saved your self-assessment after the course.\n\nHow your answers changed, before -> after:\n\n"
        "- Problem solving with SARA: 2 -> 4 (+2)\n"
        "- Evidence-based policing: 2 -> 4 (+2)\n"
        "- Partnership working: 3 -> 3 (no change)\n"
        "- Confidence to try new approaches: 4 -> 2 (-2)\n"
        "- Reflective practice: 4 -> 5 (+1)\n"
        "- Coaching: 5 -> 4 (-1)\n"
        "- The National Decision Model: 5 -> 5 (no change)\n\n"
        "In all: +2 across the 7 statements."
    )
    again = (await chat.say("self-assessment"))[0]
    assert again.startswith("You have answered the self-assessment before and after your course (Leaders 7).")
    assert "- Coaching: 5 -> 4 (-1)" in again
    status = (await chat.say("academy"))[0]
    assert "- Self-assessment before the course: done\n- Self-assessment after the course: done" in status


async def test_self_assessment_not_yet_due(services, academy, chat):
    assert (await chat.say("self-assessment"))[0].startswith("The self-assessment is part of an Academy course")
    enrolled(services, academy, "Leaders 9", starts_ago=-7, ends_in=14)
    assert await chat.say("self-assessment") == [
        f"Your self-assessment opens on the first day of your course, {day(TODAY + timedelta(days=7))}."]


# --- the Hub's commands -----------------------------------------------------------------------

async def test_hub_commands_are_refused_to_an_officer_and_done_for_the_hub(services, academy, chat, connector):
    refused = ("Creating cohorts and enrolling people is for Hub staff, so nothing was changed. "
               "If someone needs enrolling on an Academy course, ask the Prevention First Hub.")
    assert await chat.say("cohort new Leaders 7, leadership, 2026-03-02, 2026-03-13") == [refused]
    assert await chat.say("enrol Leaders 7: Alex Morgan") == [refused]
    assert await chat.say("enrol csv\nuser,cohort,module,starts_on,ends_on\n"
                          "Alex Morgan,Leaders 7,leadership,2026-03-02,2026-03-13") == [refused]
    assert academy.cohorts() == []
    not_enrolled = (await chat.say("academy"))[0]
    assert not_enrolled.startswith("The Academy's reflective practice") and "not enrolled in one" in not_enrolled

    services.users.seen(HUB_AAD, "Hub Lead")
    services.users.set_role(HUB_AAD, Role.HUB)
    hub = chat_in(services, connector, "hub", aad=HUB_AAD, name="Hub Lead")
    created = await hub.say("cohort new Leaders 7, leadership, 02/03/2026, 2026-03-13")
    assert created[0].startswith("Created the cohort Leaders 7: Leadership, 2 March 2026 to 13 March 2026; "
                                 "action plans due 13 June 2026.")
    assert (await hub.say("cohort new leaders 7, foundation, 2026-03-02, 2026-03-13"))[0] == (
        "There is already a cohort called 'leaders 7'. Nothing was created.")
    assert (await hub.say("cohort new Leaders 8, leadership, 2026-03-02, 13 March"))[0].startswith(
        "I can't read the date 13 March")
    report = await hub.say("enrol leaders 7: Alex Morgan, Nobody Here")
    assert report == ["Enrolment in Leaders 7:\n\n- Alex Morgan: enrolled\n- Nobody Here: not enrolled: nobody by "
                      "that name or id has used the assistant, or more than one person has that name "
                      "(use their Azure AD object id)"]
    assert academy.cohort("Leaders 7").participants == (OFFICER_AAD,)
    assert "- Leaders 7: Leadership, 2 March 2026 to 13 March 2026, 1 enrolled" in (await hub.say("cohort"))[0]
    status = (await chat.say("academy"))[0]
    assert status.startswith("Your Academy course:\n\nLeaders 7: Leadership, 2 March 2026 to 13 March 2026")
    assert "- Action plan: not started; due 13 June 2026" in status


async def test_enrol_csv_reports_each_bad_line_with_its_number(services, academy, chat, connector):
    await chat.say("hello")  # the officer has used the assistant
    services.users.seen(HUB_AAD, "Hub Lead")
    services.users.set_role(HUB_AAD, Role.HUB)
    hub = chat_in(services, connector, "hub", aad=HUB_AAD, name="Hub Lead")
    report = (await hub.say(
        "enrol csv\n"
        "user,cohort,module,starts_on,ends_on\n"
        "Alex Morgan,Leaders 9,leadership,2026-04-06,2026-04-17\n"
        "Nobody Here,Leaders 9,,,\n"
        "Alex Morgan,Leaders 10,juggling,2026-04-06,2026-04-17\n"
        "Alex Morgan,Leaders 11,leadership,2026-13-01,2026-04-17\n"
        "Alex Morgan,Leaders 9,,,\n"
    ))[0]
    assert report.startswith("Enrolment from the CSV: 1 enrolled, 1 already enrolled, 3 not enrolled "
                             "(lines 3, 4, 5).\n\nCohorts created: Leaders 9.")
    assert ("Not enrolled:\n"
            "- Line 3 (Nobody Here): unknown user 'Nobody Here': they need to message the assistant once first\n"
            "- Line 4 (Alex Morgan): unknown module 'juggling' (leadership, specialist, foundation or practitioner)\n"
            "- Line 5 (Alex Morgan): bad date '2026-13-01' in starts\\_on (use YYYY-MM-DD)") in report
    assert report.endswith("Enrolled:\n- Line 2 (Alex Morgan): Leaders 9\n- Line 6 (Alex Morgan): Leaders 9, already enrolled")
    assert [c.name for c in academy.cohorts()] == ["Leaders 9"]
    broken = await hub.say("enrol csv\nuser,cohort\nAlex Morgan,Leaders 9")
    assert broken[0].startswith("Nothing was enrolled: missing columns 'module', 'starts\\_on' and 'ends\\_on'")
