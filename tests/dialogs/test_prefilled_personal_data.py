"""Answers filled in for the officer (the question passed on by "Ask the Hub") are checked
for personal data exactly as typed ones are: nothing with personal data is kept until the
officer decides, and answers filled in cleanly are not asked again."""

from __future__ import annotations

from typing import Any

from botbuilder.core import ConversationState, MemoryStorage
from botbuilder.testing import DialogTestClient
from sqlalchemy import select

from domain.models import Draft

from tests.dialogs.test_guided_base import NoteDialog, drafts, say  # noqa: F401 - the drafts fixture

PREFILL = {
    "title": "Sheds broken into, victim John Smith",
    "kind": "Idea",
    "details": "He can be reached on 07700 900123 after six",
}


def _client(drafts_store: Any, prefill: dict[str, str]) -> tuple[DialogTestClient, NoteDialog]:
    dialog = NoteDialog(drafts_store)
    client = DialogTestClient("test", dialog, initial_dialog_options={"prefill": prefill},
                              conversation_state=ConversationState(MemoryStorage()))
    return client, dialog


def _drafted(database: Any) -> str:
    with database.session() as session:
        return " ".join(str(row.progress) for row in session.scalars(select(Draft)))


async def test_a_filled_in_answer_with_a_name_is_put_to_the_officer_before_it_is_kept(drafts, sqlite_db) -> None:
    client, dialog = _client(drafts, PREFILL)
    first = await say(client, "start")
    assert first[-1].startswith("The title I filled in seems to include personal data: a name (John Smith).")
    assert "John Smith" not in _drafted(sqlite_db)  # nothing kept, not even in the draft, until decided

    # Kept with a reason; the choice filled in cleanly ("Idea") is not asked again.
    assert (await say(client, "Keep"))[-1].startswith("Why does the Hub need it?")
    assert (await say(client, "The victim asked us to pass on his name"))[-1].startswith("Which district?")
    # The details held personal data too: put to the officer when its question comes.
    held = await say(client, "skip")
    assert held[-1].startswith("The details I filled in seems to include personal data: a phone number (07700 900123).")
    assert (await say(client, "Edit"))[-1].startswith("Tell me more.")
    await say(client, "Groups gather by the sheds after dark")
    assert (await say(client, "save")) == ["Saved."]
    [saved] = dialog.saved
    assert saved["title"] == PREFILL["title"] and saved["kind"] == "Idea"
    assert saved["details"] == "Groups gather by the sheds after dark"
    assert saved["_personal_data"] == {"title": {"found": ["name"], "reason": "The victim asked us to pass on his name"}}
    assert "07700 900123" not in _drafted(sqlite_db)


async def test_clean_filled_in_answers_go_straight_to_the_next_question(drafts) -> None:
    client, _ = _client(drafts, {"title": "Sheds broken into on the allotments", "kind": "Idea"})
    assert (await say(client, "start"))[-1].startswith("Which district?")
