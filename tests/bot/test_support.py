"""Support, done right, through Teams: an officer about to submit is offered only similar
submissions that still take support; a supporter's ``status`` card shows the title, status and
dates but not the submitter's description (until the submitter types ``share``) and never the
Hub's note; supporters hear of a status change without the note; and ``status`` by the Hub or
a supporter is audited once, the submitter's own not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.audit import Audit
from domain.hub.changes import HubChanges
from domain.models import SubmissionSupporter
from domain.portal import Kind, NewSubmission, Status, embedding_text
from tests.bot.hub.test_triage import (  # noqa: F401
    HUB_AAD,
    OFFICER_AAD,
    OTHER_AAD,
    SUPPORTER_AAD,
    audit,
    burglary,
    teams,
    texts,
)
from tests.dialogs.test_submission import DESCRIPTION, Chat, answer_up_to_the_offer, services  # noqa: F401

NOTE = "Declined: the burglary team already has this series."
SEEN_DESCRIPTION = "since September, mostly at night"  # from the seeded submission's description


def _shown(card: dict) -> str:
    return texts(card) + "\n" + card["fallbackText"]


async def _support_then_decline(teams, reference: str) -> None:  # type: ignore[no-untyped-def]
    teams.services.portal.submissions.add_support(reference, SUPPORTER_AAD, "Same at Oak Lane allotments.")
    answer = await teams.text(HUB_AAD, f"change status {reference} to declined: {NOTE}")
    assert answer.startswith(f"{reference} is now declined.")


# --- what is offered -----------------------------------------------------------------------


@pytest.mark.model
async def test_only_submissions_still_taking_support_are_offered_and_one_declined_meanwhile_is_refused(
    services, connector  # noqa: F811
):
    portal = services.portal
    changes = HubChanges(services.database, portal.submissions, Audit(services.database))

    async def existing(title: str) -> str:
        vector = (await portal.knowledge.embed([embedding_text(title, DESCRIPTION)]))[0]
        new = NewSubmission(Kind.PROBLEM, title, DESCRIPTION, ["burglary"], "Watford")
        return portal.submissions.create(OTHER_AAD, new, vector=vector).reference

    still_open = await existing("Allotment shed break-ins")
    declined = await existing("Allotment shed burglaries")
    closed = await existing("Sheds broken into on allotments")
    merged = await existing("Shed break-ins at allotments")
    changes.change_status(declined, Status.DECLINED, HUB_AAD, "No crimes recorded since May.", None)
    changes.change_status(closed, Status.TRIAGED, HUB_AAD, None, None)
    changes.change_status(closed, Status.CLOSED, HUB_AAD, None, None)
    changes.merge(merged, still_open, HUB_AAD, None, None)

    chat = Chat(services, connector.service_url)
    offer = (await answer_up_to_the_offer(chat))[0]
    assert f"- {still_open}: Allotment shed break-ins (Received)" in offer
    assert f"1. Add my support to {still_open}\n2. Carry on with a new submission" in offer
    assert not any(reference in offer for reference in (declined, closed, merged))

    # The Hub declines it while the officer is reading the offer: their choice is refused.
    changes.change_status(still_open, Status.DECLINED, HUB_AAD, "Not one for the Hub.", None)
    refused = await chat.say(f"Add my support to {still_open}")
    assert refused[0] == (f"{still_open} was declined, so it is no longer taking support. "
                          "Carry on with a new submission instead.")
    with services.database.session() as session:
        assert session.scalars(select(SubmissionSupporter)).all() == []


# --- what a supporter sees -----------------------------------------------------------------


async def test_a_supporters_status_card_shows_title_and_status_not_the_description_or_the_hubs_note(
    teams, burglary  # noqa: F811
):
    await _support_then_decline(teams, burglary)
    shown = _shown(await teams.card(SUPPORTER_AAD, f"status {burglary}"))
    assert f"{burglary}: Shed burglaries on allotments" in shown and "Status: Declined" in shown
    assert "Received" in shown and "Declined" in shown  # the history's statuses
    assert SEEN_DESCRIPTION not in shown and "burglary team already has this series" not in shown
    assert "Your notes: Same at Oak Lane allotments." in shown
    assert "Its submitter has not shared their description with supporters." in shown

    # The submitter's own card has the description and the Hub's note, and says how to share.
    mine = _shown(await teams.card(OFFICER_AAD, f"status {burglary}"))
    assert SEEN_DESCRIPTION in mine and "burglary team already has this series" in mine
    assert (f"Supporters see the title and status; type share {burglary} to let them see your description."
            in mine)


async def test_after_share_a_supporter_sees_the_description_but_never_the_hubs_note(teams, burglary):  # noqa: F811
    await _support_then_decline(teams, burglary)
    # Only the submitter can share it.
    refused = await teams.text(SUPPORTER_AAD, f"share {burglary}")
    assert refused.startswith(f"I can't find a submission {burglary} of yours.")
    assert SEEN_DESCRIPTION not in _shown(await teams.card(SUPPORTER_AAD, f"status {burglary}"))

    shared = await teams.text(OFFICER_AAD, f"share {burglary.lower()}")
    assert shared.startswith(f"Officers supporting {burglary} can see your description")
    shown = _shown(await teams.card(SUPPORTER_AAD, f"status {burglary}"))
    assert SEEN_DESCRIPTION in shown
    assert "burglary team already has this series" not in shown
    mine = _shown(await teams.card(OFFICER_AAD, f"status {burglary}"))
    assert f"Type unshare {burglary} to stop." in mine

    unshared = await teams.text(OFFICER_AAD, f"unshare {burglary}")
    assert unshared.startswith(f"Officers supporting {burglary} see only its title, status and dates")
    assert SEEN_DESCRIPTION not in _shown(await teams.card(SUPPORTER_AAD, f"status {burglary}"))


async def test_share_without_a_reference_asks_which_and_everyday_words_are_a_question(teams):  # noqa: F811
    assert (await teams.text(OFFICER_AAD, "share")).startswith(
        "Which submission? Type share and its reference, for example: share PF-2026-0042.")
    answer = await teams.text(OFFICER_AAD, "share good practice on burglary")
    assert "Which submission?" not in answer and "of yours" not in answer


async def test_a_merged_in_submitter_sees_their_own_notes_on_the_original_not_the_other_supporters(
    teams, burglary  # noqa: F811
):
    services = teams.services
    duplicate = services.portal.submissions.create(
        OTHER_AAD, NewSubmission(Kind.PROBLEM, "Allotment sheds broken into", "Private: plot 14's lock codes.",
                                 ["burglary"], "Watford")).reference
    services.portal.submissions.add_support(burglary, SUPPORTER_AAD, "Same at Oak Lane allotments.")
    assert (await teams.text(HUB_AAD, f"merge {duplicate} into {burglary}: same problem")).startswith(
        f"{duplicate} is merged into {burglary}.")
    shown = _shown(await teams.card(OTHER_AAD, f"status {burglary}"))
    assert f"Your notes: Merged from {duplicate}: Allotment sheds broken into" in shown
    assert "Oak Lane" not in shown and SEEN_DESCRIPTION not in shown and "Supporters: 2" in shown


# --- what supporters are told --------------------------------------------------------------


async def test_a_status_change_message_to_a_supporter_has_no_note_and_the_submitters_has_it(
    teams, burglary  # noqa: F811
):
    await _support_then_decline(teams, burglary)
    [to_submitter] = await teams.told(OFFICER_AAD)
    assert to_submitter.startswith(f"Update on your submission {burglary} (Shed burglaries on allotments): "
                                   "it is now declined.")
    assert f"Note from the Hub: {NOTE}" in to_submitter
    [to_supporter] = await teams.told(SUPPORTER_AAD)
    assert to_supporter == (f"Update on {burglary} (Shed burglaries on allotments), which you support: it is now "
                            f"declined.\n\nType status {burglary} to see its history.")


# --- reads are audited ---------------------------------------------------------------------


async def test_status_by_the_hub_and_by_a_supporter_is_audited_once_each_and_the_submitters_not(
    teams, burglary  # noqa: F811
):
    teams.services.portal.submissions.add_support(burglary, SUPPORTER_AAD, "Same at Oak Lane allotments.")
    assert audit(teams.services) == []
    await teams.card(OFFICER_AAD, f"status {burglary}")
    assert audit(teams.services) == []
    await teams.card(HUB_AAD, f"status {burglary}")
    assert audit(teams.services) == [(HUB_AAD, "submission.read", burglary)]
    await teams.card(SUPPORTER_AAD, f"status {burglary}")
    assert audit(teams.services) == [(HUB_AAD, "submission.read", burglary),
                                     (SUPPORTER_AAD, "submission.read", burglary)]
    # Someone who may not see it is told so, and nothing is recorded as read.
    assert (await teams.text(OTHER_AAD, f"status {burglary}")).startswith(f"I can't find a submission {burglary}")
    assert len(audit(teams.services)) == 2
