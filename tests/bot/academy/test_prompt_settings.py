"""Shift-friendly Academy prompts in Teams: ``journal time``, ``journal pause`` and ``journal
resume``, the prompt card's "Remind me in 2 hours", quiet hours, and the journal prompts and
action plan reminders that follow them, sent by two schedulers across the clock changes.

What is checked is what the officer sees: the replies, and which prompts and reminders
reach their chat at what London time (the scheduler runs on a controllable clock)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import Services
from domain.academy import PromptSettings
from domain.ops.scheduler import Scheduler
from tests.dialogs.test_submission import Chat
from tests.domain.ops.test_scheduler import Clock
from tests.fakes import OFFICER_AAD, card_of
from tests.nodetools import validate_cards

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
OTHER_AAD = "0b6f1b3c-2222-4a4a-9b9b-000000000002"
PROMPT = "Time for today's reflective journal."


@pytest.fixture
async def services(make_services) -> Services:  # type: ignore[no-untyped-def]
    return await make_services()


def london(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


class Officers:
    """The officers' chats and what reaches them, with the scheduler run on ``clock``."""

    def __init__(self, services: Services, connector: Any, clock: Clock, schedulers: int = 2) -> None:
        self.services, self.connector, self.clock = services, connector, clock
        services.academy.clock = clock
        self.chats = {aad: Chat(services, connector.service_url, aad=aad, name=name)
                      for aad, name in ((OFFICER_AAD, "Alex Morgan"), (OTHER_AAD, "Sam Taylor"))}
        self.schedulers = [Scheduler(services.database, services.academy.handle, instance=f"process-{n}", clock=clock)
                           for n in range(schedulers)]
        self.seen = 0
        self.arrived: list[tuple[str, str, datetime]] = []  # (who, "prompt" or the text, London time)

    async def meet(self) -> None:
        for chat in self.chats.values():
            await chat.say("help")  # their chats are known

    def enrol(self, starts_on: date, ends_on: date, *people: str, name: str = "Leaders 7") -> None:
        academy = self.services.academy.academy
        academy.create_cohort(name, "leadership", starts_on, ends_on, created_by="hub")
        for aad in people or tuple(self.chats):
            academy.enrol(name, aad, by="hub")

    async def run_until(self, end: datetime, step: timedelta = timedelta(minutes=15)) -> None:
        """Both schedulers, every ``step`` until ``end``, noting what arrives when."""
        while self.clock.now <= end:
            for scheduler in self.schedulers:
                await scheduler.run_due()
            for activity in self.connector.sent[self.seen:]:
                who = activity["conversation"]["id"].removeprefix("a:personal-")
                what = "prompt" if card_of(activity) and activity.get("text") == PROMPT else activity.get("text", "")
                self.arrived.append((who, what, self.clock.now.astimezone(LONDON)))
            self.seen = len(self.connector.sent)
            self.clock.advance(seconds=step.total_seconds())

    def prompts(self, aad: str = OFFICER_AAD) -> list[str]:
        """When each prompt reached ``aad``: "Mon 30 Mar 07:30"."""
        return [f"{when:%a %d %b %H:%M}" for who, what, when in self.arrived if who == aad and what == "prompt"]

    def reminders(self, aad: str = OFFICER_AAD) -> list[tuple[str, str]]:
        return [(f"{when:%a %d %b %H:%M}", what) for who, what, when in self.arrived
                if who == aad and what.startswith("Your SARA action plan")]

    def last_prompt_card(self, aad: str = OFFICER_AAD) -> dict[str, Any]:
        cards = [card_of(a) for a in self.connector.sent if a["conversation"]["id"].endswith(aad)
                 and a.get("text") == PROMPT]
        assert cards and cards[-1] is not None
        return cards[-1]


def snooze_data(card: dict[str, Any]) -> dict[str, Any]:
    action = next(a for a in card["actions"] if a["title"] == "Remind me in 2 hours")
    assert action["associatedInputs"] == "none"  # pressing it needs no answer typed
    return dict(action["data"])


# --- the commands ----------------------------------------------------------------------------


async def test_only_participants_can_change_their_prompts(services, connector):
    officers = Officers(services, connector, Clock(datetime(2026, 10, 20, 9, tzinfo=UTC)))
    await officers.meet()
    chat = officers.chats[OFFICER_AAD]
    for typed in ("journal time 07:30", "journal time", "journal pause 7", "journal resume"):
        reply = await chat.say(typed)
        assert reply == ["Journal prompts are part of an Academy course, and you are not enrolled in one, so "
                         "nothing was changed. Hub staff enrol participants: ask them if you think you should be."]
    assert services.academy.academy.prompt_settings(OFFICER_AAD) == PromptSettings()


async def test_the_help_lists_the_prompt_commands_with_the_academy_commands(services, connector):
    officers = Officers(services, connector, Clock(datetime(2026, 10, 20, 9, tzinfo=UTC)))
    await officers.meet()  # each says help
    card = officers.chats[OFFICER_AAD].cards[-1]
    facts = {fact["title"]: fact["value"] for block in card["body"] if block["type"] == "FactSet"
             for fact in block["facts"]}
    names = list(facts)
    academy = names.index("academy")
    assert names[academy:academy + 5] == ["academy", "six hats", "action plan", "self-assessment", "my reflections"]
    assert names[academy + 6:academy + 9] == ["journal time", "journal pause", "journal resume"]
    assert facts["journal time"] == "When your daily journal prompt comes, or set it: journal time 07:30, or journal " \
                                    "time default"


@pytest.mark.parametrize("typed", ["7:30", "07:30", "0730", "7.30"])
async def test_an_officer_sets_their_own_time_and_goes_back_to_the_usual_one(services, connector, typed):
    officers = Officers(services, connector, Clock(datetime(2026, 10, 20, 9, tzinfo=UTC)))
    await officers.meet()
    officers.enrol(date(2026, 10, 19), date(2026, 10, 23))
    chat = officers.chats[OFFICER_AAD]
    assert (await chat.say("journal time"))[0].startswith(
        "Your daily journal prompt comes at 18:00 UK time, the usual time.")
    assert (await chat.say(f"journal time {typed}")) == [
        "Done. Your daily journal prompt comes at 07:30 UK time, the time you chose (the usual time is 18:00). "
        "Action plan reminders come at 07:30 too."]
    assert (await chat.say("journal time"))[0].startswith("Your daily journal prompt comes at 07:30 UK time")
    assert (await chat.say("journal time default")) == [
        "Done. Your daily journal prompt comes at 18:00 UK time, the usual time. Action plan reminders come at 09:00."]
    assert services.academy.academy.prompt_settings(OFFICER_AAD) == PromptSettings()


@pytest.mark.parametrize("typed", ["25:00", "7:75", "half seven", "19"])
async def test_a_time_that_cannot_be_read_is_asked_again_with_an_example_and_changes_nothing(services, connector, typed):
    officers = Officers(services, connector, Clock(datetime(2026, 10, 20, 9, tzinfo=UTC)))
    await officers.meet()
    officers.enrol(date(2026, 10, 19), date(2026, 10, 23))
    chat = officers.chats[OFFICER_AAD]
    await chat.say("journal time 06:45")
    reply = await chat.say(f"journal time {typed}")
    assert reply[0].startswith(f"I can't read {typed} as a time, so your prompt time has not changed.")
    assert "for example: journal time 07:30" in reply[0]
    assert services.academy.academy.prompt_settings(OFFICER_AAD).own_time == time(6, 45)


async def test_a_pause_says_until_when_and_a_bad_number_is_asked_again(services, connector):
    officers = Officers(services, connector, Clock(datetime(2026, 10, 20, 9, tzinfo=UTC)))
    await officers.meet()
    officers.enrol(date(2026, 10, 19), date(2026, 10, 23))
    chat = officers.chats[OFFICER_AAD]
    for typed in ("journal pause", "journal pause 0", "journal pause 61", "journal pause a week", "journal pause -3"):
        reply = (await chat.say(typed))[0]
        assert "Type journal pause and a number of days from 1 to 60, for example: journal pause 7." in reply
        assert reply.endswith("Nothing was changed.")
    assert services.academy.academy.prompt_settings(OFFICER_AAD) == PromptSettings()
    assert (await chat.say("journal resume"))[0].startswith("Your prompts are not paused, so nothing changed.")

    assert (await chat.say("journal pause 7 days")) == [
        "Paused for 7 days: no journal prompts or action plan reminders until Tuesday 27 October 2026, when they "
        "start again (a reminder due in the meantime comes then). Type journal resume to start them sooner."]
    assert "paused: they start again on Tuesday 27 October 2026" in (await chat.say("journal time"))[0]
    assert (await chat.say("journal resume"))[0] == (
        "Your journal prompts and action plan reminders are back on. Your daily journal prompt comes at 18:00 UK "
        "time, the usual time.")


# --- prompts on time -------------------------------------------------------------------------


async def test_own_times_hold_across_the_march_clock_change_and_each_prompt_comes_once(services, connector):
    clock = Clock(datetime(2026, 3, 27, 0, 0, tzinfo=UTC))  # Friday; BST starts on Sunday 29 March
    officers = Officers(services, connector, clock)
    await officers.meet()
    officers.enrol(date(2026, 3, 23), date(2026, 3, 27))
    assert services.academy.plan_jobs(clock.now) > 0  # planned before the officer chose a time
    assert (await officers.chats[OFFICER_AAD].say("journal time 7:30"))[0].startswith("Done.")
    await officers.run_until(datetime(2026, 3, 31, 23, 0, tzinfo=UTC))
    assert officers.prompts(OFFICER_AAD) == ["Fri 27 Mar 07:30", "Mon 30 Mar 07:30", "Tue 31 Mar 07:30"]
    assert officers.prompts(OTHER_AAD) == ["Fri 27 Mar 18:00", "Mon 30 Mar 18:00", "Tue 31 Mar 18:00"]
    assert validate_cards([officers.last_prompt_card()]) == []


async def test_own_times_hold_across_the_october_clock_change_and_a_pause_stops_them(services, connector):
    clock = Clock(datetime(2026, 10, 23, 0, 0, tzinfo=UTC))  # Friday; BST ends on Sunday 25 October
    officers = Officers(services, connector, clock)
    await officers.meet()
    officers.enrol(date(2026, 10, 19), date(2026, 10, 23))
    await officers.chats[OFFICER_AAD].say("journal time 0730")  # chosen before the prompts are planned
    await officers.chats[OTHER_AAD].say("journal time 20.15")
    services.academy.plan_jobs(clock.now)
    await officers.run_until(datetime(2026, 10, 26, 12, 0, tzinfo=UTC))
    assert (await officers.chats[OTHER_AAD].say("journal pause 2"))[0].startswith(
        "Paused for 2 days: no journal prompts or action plan reminders until Wednesday 28 October 2026")
    await officers.run_until(datetime(2026, 10, 28, 23, 0, tzinfo=UTC))
    assert officers.prompts(OFFICER_AAD) == ["Fri 23 Oct 07:30", "Mon 26 Oct 07:30", "Tue 27 Oct 07:30",
                                             "Wed 28 Oct 07:30"]
    assert officers.prompts(OTHER_AAD) == ["Fri 23 Oct 20:15", "Wed 28 Oct 20:15"]  # none on the paused days


async def test_resuming_early_brings_the_next_prompt_back(services, connector):
    clock = Clock(datetime(2026, 10, 26, 8, 0, tzinfo=UTC))
    officers = Officers(services, connector, clock)
    await officers.meet()
    officers.enrol(date(2026, 10, 19), date(2026, 10, 23))
    services.academy.plan_jobs(clock.now)
    await officers.chats[OFFICER_AAD].say("journal pause 14")
    await officers.run_until(datetime(2026, 10, 27, 12, 0, tzinfo=UTC))
    assert (await officers.chats[OFFICER_AAD].say("journal resume"))[0].startswith("Your journal prompts and")
    await officers.run_until(datetime(2026, 10, 28, 23, 0, tzinfo=UTC))
    assert officers.prompts(OFFICER_AAD) == ["Tue 27 Oct 18:00", "Wed 28 Oct 18:00"]


async def test_quiet_hours_move_a_late_usual_time_but_not_a_night_shift_time(make_services, connector):
    services = await make_services(JOURNAL_PROMPT_TIME="22:30")
    clock = Clock(datetime(2026, 10, 26, 0, 0, tzinfo=UTC))
    officers = Officers(services, connector, clock)
    await officers.meet()
    officers.enrol(date(2026, 10, 26), date(2026, 10, 27))
    services.academy.plan_jobs(clock.now)
    assert "23:15 UK time" in (await officers.chats[OTHER_AAD].say("journal time 23:15"))[0]
    await officers.run_until(datetime(2026, 10, 28, 23, 30, tzinfo=UTC))
    assert officers.prompts(OFFICER_AAD)[:2] == ["Tue 27 Oct 07:00", "Wed 28 Oct 07:00"]  # not at 22:30
    assert officers.prompts(OTHER_AAD)[:2] == ["Mon 26 Oct 23:15", "Tue 27 Oct 23:15"]
    assert all(not (time(7) > when.time() or when.time() >= time(22)) for who, what, when in officers.arrived
               if who == OFFICER_AAD)


# --- remind me in 2 hours --------------------------------------------------------------------


async def test_remind_me_in_two_hours_until_quiet_hours_start(services, connector):
    clock = Clock(datetime(2026, 10, 26, 12, 0, tzinfo=UTC))
    officers = Officers(services, connector, clock)
    await officers.meet()
    officers.enrol(date(2026, 10, 26), date(2026, 10, 30))
    services.academy.plan_jobs(clock.now)
    chat = officers.chats[OFFICER_AAD]
    await officers.run_until(london(date(2026, 10, 26), time(18, 10)))
    assert officers.prompts() == ["Mon 26 Oct 18:00"]
    first = snooze_data(officers.last_prompt_card())
    assert await chat.say(value=first) == ["I'll remind you at 20:15 today (UK time)."]
    assert await chat.say(value=first) == ["You have already asked me to remind you from this prompt."]
    await officers.run_until(london(date(2026, 10, 26), time(20, 30)))
    assert officers.prompts() == ["Mon 26 Oct 18:00", "Mon 26 Oct 20:15"]
    second = snooze_data(officers.last_prompt_card())
    assert await chat.say(value=second) == ["I'll remind you at 22:00 today (UK time)."]  # not 22:45
    await officers.run_until(london(date(2026, 10, 26), time(22, 15)))
    assert officers.prompts() == ["Mon 26 Oct 18:00", "Mon 26 Oct 20:15", "Mon 26 Oct 22:00"]
    assert await chat.say(value=snooze_data(officers.last_prompt_card())) == [
        "It's quiet hours (22:00 to 07:00) now, so I won't remind you again today. Type journal whenever you are "
        "ready."]
    await officers.run_until(london(date(2026, 10, 27), time(0, 30)))
    assert len(officers.prompts()) == 3
    # Yesterday's card, pressed the next day, does not snooze today's prompt.
    clock.now = london(date(2026, 10, 27), time(9, 0))
    assert await chat.say(value=first) == [
        "That prompt was for Monday 26 October 2026. To write a journal entry now, type journal."]


async def test_a_snoozed_prompt_is_not_sent_once_the_entry_is_written_or_prompts_are_paused(services, connector):
    clock = Clock(datetime(2026, 10, 26, 12, 0, tzinfo=UTC))
    officers = Officers(services, connector, clock)
    await officers.meet()
    officers.enrol(date(2026, 10, 26), date(2026, 10, 30))
    services.academy.plan_jobs(clock.now)
    await officers.run_until(london(date(2026, 10, 26), time(18, 0)))
    for aad in (OFFICER_AAD, OTHER_AAD):
        reply = await officers.chats[aad].say(value=snooze_data(officers.last_prompt_card(aad)))
        assert reply == ["I'll remind you at 20:15 today (UK time)."]
    saved = await officers.chats[OFFICER_AAD].say(value={"action": "journal", "op": "save",
                                                         "description": "Briefed the late turn."})
    assert saved[0].startswith("Saved your journal entry for Monday 26 October")
    await officers.chats[OTHER_AAD].say("journal pause 1")
    await officers.run_until(london(date(2026, 10, 26), time(21, 0)))
    assert officers.prompts(OFFICER_AAD) == officers.prompts(OTHER_AAD) == ["Mon 26 Oct 18:00"]


async def test_a_night_shift_time_snoozes_past_midnight(services, connector):
    clock = Clock(datetime(2026, 10, 26, 12, 0, tzinfo=UTC))
    officers = Officers(services, connector, clock)
    await officers.meet()
    officers.enrol(date(2026, 10, 26), date(2026, 10, 30))
    await officers.chats[OFFICER_AAD].say("journal time 23:00")
    services.academy.plan_jobs(clock.now)
    await officers.run_until(london(date(2026, 10, 26), time(23, 0)))
    assert await officers.chats[OFFICER_AAD].say(value=snooze_data(officers.last_prompt_card())) == [
        "I'll remind you at 01:15 on Tuesday 27 October 2026 (UK time)."]  # pressed at 23:15
    await officers.run_until(london(date(2026, 10, 27), time(1, 30)))
    assert officers.prompts() == ["Mon 26 Oct 23:00", "Tue 27 Oct 01:15"]


# --- action plan reminders -------------------------------------------------------------------


async def test_plan_reminders_follow_the_own_time_and_wait_for_a_pause_across_the_october_change(services, connector):
    # A course ending on 1 August 2026: its plan is due on 1 November, a week before is 25 October.
    clock = Clock(datetime(2026, 10, 24, 0, 0, tzinfo=UTC))
    officers = Officers(services, connector, clock)
    await officers.meet()
    officers.enrol(date(2026, 7, 27), date(2026, 8, 1))
    await officers.chats[OFFICER_AAD].say("journal time 07:30")
    await officers.chats[OTHER_AAD].say("journal time 07:30")
    assert (await officers.chats[OTHER_AAD].say("journal pause 3"))[0].startswith(
        "Paused for 3 days: no journal prompts or action plan reminders until Tuesday 27 October 2026")
    services.academy.plan_jobs(clock.now)
    await officers.run_until(datetime(2026, 10, 28, 0, 0, tzinfo=UTC), step=timedelta(minutes=30))
    week = "Your SARA action plan is due in a week (01 November 2026). Type action plan to carry on where you left off."
    assert officers.reminders(OFFICER_AAD) == [("Sun 25 Oct 07:30", week)]  # 07:30 GMT, the day the clocks go back
    assert officers.reminders(OTHER_AAD) == [("Tue 27 Oct 07:30", week)]  # when the pause ends
