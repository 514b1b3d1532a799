"""People talking to the bot over HTTP as Teams calls it, for the admins' commands: messages
with @mentions, card presses (``Action.Execute`` and ``Action.Submit``) and answers to file
consent cards, whose uploads reach the FakeConnector."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app import SERVICES, Services, create_app
from domain.audit import Audit
from domain.models import Role
from domain.settings import Settings
from tests.fakes import OFFICER_AAD, BOT_ID, FakeConnector, card_of, replies, teams_activity

HUB_AAD = "1a000000-0000-4000-8000-000000000001"
ADMIN_AAD = "1a000000-0000-4000-8000-0000000000ad"
ADMIN2_AAD = "1a000000-0000-4000-8000-0000000000ae"
OTHER_AAD = "1a000000-0000-4000-8000-000000000006"
NAMES = {OFFICER_AAD: "Alex Morgan", HUB_AAD: "Sam Patel", ADMIN_AAD: "Chris Wood", ADMIN2_AAD: "Dee Admin",
         OTHER_AAD: "Robin *Shaw*"}


def teams_id(aad: str) -> str:
    """The Teams user id the fakes give this person (``29:...``)."""
    return f"29:{aad}"


def mention(aad: str, name: str | None = None, *, with_object_id: bool = False) -> dict[str, Any]:
    """A Teams mention entity of the person, as Teams puts it in ``activity.entities``."""
    shown = name if name is not None else NAMES.get(aad, "Someone")
    mentioned = {"id": teams_id(aad), "name": shown, **({"aadObjectId": aad} if with_object_id else {})}
    return {"type": "mention", "mentioned": mentioned, "text": f"<at>{shown}</at>"}


BOT_MENTION = {"type": "mention", "mentioned": {"id": BOT_ID, "name": "Prevention First"},
               "text": "<at>Prevention First</at>"}


class AdminChat:
    """Everyone in ``NAMES`` has said hello once; ``ADMIN_AAD`` is an admin from the configuration."""

    def __init__(self, client: Any, connector: FakeConnector) -> None:
        self.client, self.connector = client, connector
        self.services: Services = client.app[SERVICES]

    def _activity(self, aad: str, text: str | None, **extra: Any) -> dict:
        return teams_activity(text, aad_object_id=aad, name=NAMES[aad], service_url=self.connector.service_url,
                              **extra)

    async def say(self, aad: str, text: str | None = None, *, entities: list[dict] | None = None,
                  value: dict | None = None, conversation_type: str = "personal") -> list[dict]:
        activity = self._activity(aad, text)
        if entities is not None:
            activity["entities"] = entities
        if value is not None:
            activity["value"] = value
        activity["conversation"]["conversationType"] = conversation_type
        response = await self.client.post("/api/messages", json=activity)
        assert response.status == 200
        return [a for a in replies(await response.json()) if a["type"] == "message"]

    async def text(self, aad: str, text: str, *, entities: list[dict] | None = None, **extra: Any) -> str:
        return "\n".join(a.get("text") or "" for a in await self.say(aad, text, entities=entities, **extra))

    async def press(self, aad: str, verb: str, data: dict) -> dict:
        """An ``Action.Execute`` press; the invoke's answer."""
        invoke = self._activity(aad, None, activity_type="invoke", expect_replies=False,
                                value={"action": {"type": "Action.Execute", "verb": verb, "data": data},
                                       "trigger": "manual"})
        invoke["name"] = "adaptiveCard/action"
        response = await self.client.post("/api/messages", json=invoke)
        assert response.status == 200
        return await response.json()

    async def consent(self, aad: str, consent: dict, action: str = "accept") -> list[str]:
        """Answer a file consent card (``consent`` is its attachment); the texts the bot sent."""
        name = consent["name"]
        value = {"type": "fileUpload", "action": action, "context": consent["content"]["acceptContext"],
                 "uploadInfo": {"name": name, "uploadUrl": f"{self.connector.service_url}upload/{name}",
                                "contentUrl": f"https://contoso.sharepoint.com/{name}", "uniqueId": "u-1",
                                "fileType": name.rsplit(".", 1)[-1]}}
        invoke = self._activity(aad, None, activity_type="invoke", expect_replies=False, value=value)
        invoke["name"] = "fileConsent/invoke"
        before = len(self.connector.sent)
        response = await self.client.post("/api/messages", json=invoke)
        assert response.status == 200
        return [a.get("text") or "" for a in self.connector.sent[before:]
                if a["conversation"]["id"] == invoke["conversation"]["id"]]

    def audit(self) -> list[tuple[str, str, str]]:
        return [(e.actor, e.action, e.record_id) for e in Audit(self.services.database).entries(None, None)]


def consent_of(messages: list[dict]) -> dict | None:
    """The file consent card among the bot's answers, if any."""
    for message in messages:
        for attachment in message.get("attachments") or []:
            if attachment.get("contentType", "").endswith("file.consent"):
                return attachment
    return None


def cards_of(messages: list[dict]) -> list[dict]:
    return [card for card in map(card_of, messages) if card]


async def admin_chat(aiohttp_client: Any, tmp_path: Path, connector: FakeConnector) -> AdminChat:
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "INDEX_DIR": str(tmp_path / "index"),
        "BOOTSTRAP_ADMINS": ADMIN_AAD,
        "SCHEDULER_SECONDS": "3600",
    })
    chat = AdminChat(await aiohttp_client(create_app(settings)), connector)
    for aad in NAMES:  # everyone says hello once: the bot learns their names and Teams ids
        await chat.say(aad, "help")
    chat.services.users.set_role(HUB_AAD, Role.HUB)
    chat.services.users.set_role(ADMIN2_AAD, Role.ADMIN)
    return chat
