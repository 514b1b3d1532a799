"""The "Find evidence" message extension through Microsoft 365 Agents Playground, which posts
the compose box's ``composeExtension/query`` invoke from a team's channel as Teams does and
returns the bot's answer. The playground (0.2.28) does not send ``composeExtension/selectItem``
(it inserts a picked result's card as it came in the query's answer, which is why every
result carries its card); the pick is covered through the protocol in
``tests/bot/test_search_extension.py``."""

from __future__ import annotations

import pytest

from tests.e2e.playground import Playground

pytestmark = [pytest.mark.e2e, pytest.mark.node]

USER = {"id": "29:e2e-officer", "name": "Jo Patel", "aadObjectId": "5c1d2e3f-0000-4000-8000-0000000000e2"}


async def test_searching_from_the_channel_compose_box_lists_evidence_with_the_cards_to_insert(bot_url):
    async with Playground(bot_url, users=[USER], bot_name="Prevention First") as teams:
        answer = await teams.invoke("composeExtension/query", {
            "commandId": "searchEvidence", "parameters": [{"name": "query", "value": "county lines"}],
            "queryOptions": {"skip": 0, "count": 5},
        }, conversation_id=teams.channel_id)
        result = answer["composeExtension"]
        titles = [a["preview"]["content"]["title"] for a in result["attachments"]]
        assert result["type"] == "result" and len(titles) == 5
        assert any(title.startswith("County lines") for title in titles)
        first = result["attachments"][0]
        assert first["content"]["body"][0]["text"].startswith(f"[{titles[0]}]")  # the card, headed by its link
