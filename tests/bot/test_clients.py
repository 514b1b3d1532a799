"""The outbound-client cache and the expectReplies serialiser behave like the SDK's own."""

from __future__ import annotations

from types import SimpleNamespace

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import ExpectedReplies
from botframework.connector.auth import ClaimsIdentity

from bot.cards import welcome_card
from bot.clients import CachingAuthentication, serialize_replies


def test_replies_serialise_exactly_as_the_sdk_does() -> None:
    card = MessageFactory.attachment(CardFactory.adaptive_card(welcome_card("Jo Patel")))
    card.text = "with text"
    activities = [MessageFactory.text("plain **text**"), card]
    assert serialize_replies(activities) == ExpectedReplies(activities=activities).serialize()
    assert activities[1].attachments[0].content["type"] == "AdaptiveCard"  # left as it was


async def test_outbound_clients_are_made_once_per_bot_and_destination() -> None:
    auth = CachingAuthentication(SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID=""))
    claims = ClaimsIdentity({}, True)
    first = await auth.create_user_token_client(claims)
    assert await auth.create_user_token_client(claims) is first

    factory = auth.create_connector_factory(claims)
    client = await factory.create("https://smba.trafficmanager.net/uk/", "https://api.botframework.com")
    again = await auth.create_connector_factory(claims).create("https://smba.trafficmanager.net/uk/",
                                                                "https://api.botframework.com")
    elsewhere = await factory.create("https://smba.trafficmanager.net/emea/", "https://api.botframework.com")
    assert again is client and elsewhere is not client
