"""The connector client's own transport: the same JSON as the SDK's serialiser, the bot's
token fetched off the loop and reused, and nothing sent once the app has stopped."""

from __future__ import annotations

import asyncio
import inspect
import threading
from datetime import datetime, timezone

import aiohttp
import botbuilder.schema as schema
import pytest
from msrest import Serializer

from bot.connector_http import ActivitySerializer, BearerTokenPolicy, HttpTransport
from bot.schema_json import schema_json
from bot.cards import adaptive_card

MODELS = {name: cls for name, cls in inspect.getmembers(schema, inspect.isclass)}


def activities() -> list[schema.Activity]:
    card = adaptive_card([{"type": "TextBlock", "text": "Shed burglaries <b>"}], "Shed burglaries")
    return [
        schema.Activity(type="message", text="Saved your journal entry."),
        schema.Activity(
            type="message", text="Hi <at>Alex</at>", reply_to_id="1", locale="en-GB",
            timestamp=datetime(2026, 12, 4, 9, 30, 5, 123000, tzinfo=timezone.utc),
            from_property=schema.ChannelAccount(id="28:bot", name="Prevention First"),
            recipient=schema.ChannelAccount(id="29:alex", aad_object_id="0b6f1b3c-1111-4a4a-9b9b-000000000001"),
            conversation=schema.ConversationAccount(id="a:1", conversation_type="personal", tenant_id="t"),
            input_hint=schema.InputHints.accepting_input,
            entities=[schema.Mention(mentioned=schema.ChannelAccount(id="29:alex", name="Alex"),
                                     text="<at>Alex</at>", type="mention")],
            suggested_actions=schema.SuggestedActions(
                actions=[schema.CardAction(type=schema.ActionTypes.im_back, title="Save", value="save")]),
            attachments=[card], channel_data={"notification": {"alert": True}},
        ),
    ]


@pytest.mark.parametrize("activity", activities())
def test_an_activity_is_written_as_the_sdks_serialiser_writes_it(activity: schema.Activity) -> None:
    expected = Serializer(MODELS).body(activity, "Activity")
    assert schema_json(activity) == expected
    assert ActivitySerializer(Serializer(MODELS)).body(activity, "Activity") == expected


def test_a_conversation_reference_is_written_as_the_sdk_writes_it() -> None:
    from botbuilder.core import TurnContext

    reference = TurnContext.get_conversation_reference(activities()[1])
    assert schema_json(reference) == reference.serialize()


class Credentials:
    """The SDK's app credentials as far as the policy uses them: a blocking token fetch."""

    def __init__(self, app_id: str | None = "app") -> None:
        self.microsoft_app_id = app_id
        self.fetches: list[str] = []

    def _should_set_token(self, _session: object) -> bool:
        return bool(self.microsoft_app_id)

    def get_access_token(self) -> str:
        self.fetches.append(threading.current_thread().name)
        return f"token-{len(self.fetches)}"


async def test_the_token_is_fetched_off_the_loop_once_and_again_only_when_old() -> None:
    now = [0.0]
    credentials = Credentials()
    policy = BearerTokenPolicy(credentials, clock=lambda: now[0])
    tokens = await asyncio.gather(*(policy.token() for _ in range(20)))
    assert set(tokens) == {"token-1"} and len(credentials.fetches) == 1
    assert credentials.fetches[0] != threading.current_thread().name
    now[0] += 30 * 60
    assert await policy.token() == "token-2"


async def test_no_token_without_an_app_id() -> None:
    credentials = Credentials(app_id=None)
    assert await BearerTokenPolicy(credentials).token() is None and credentials.fetches == []


async def test_nothing_is_sent_after_the_app_has_stopped() -> None:
    transport = HttpTransport()
    await transport.close()
    with pytest.raises(aiohttp.ClientConnectionError):
        await transport.send(None)  # type: ignore[arg-type]
