"""Helpers for the tests of what retention and erasure leave behind: an officer's personal
chat through the whole bot on a test database, and a scan of every text and JSON column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from sqlalchemy import JSON, String, select

from bot.app import SERVICES, Services, create_app
from domain.db import Database
from domain.models import Base
from domain.settings import Settings
from tests.fakes import BOT_ID, TENANT_ID


def bot_on(db: Database, tmp_path: Path) -> Services:
    """The assistant's services on ``db`` (already migrated), not serving HTTP; dispose
    ``services.database`` when done."""
    settings = Settings.from_env({"DATABASE_URL": db.url, "INDEX_DIR": str(tmp_path / "index")})
    return create_app(settings, migrate=False)[SERVICES]


class Chat:
    """One officer's personal chat with the bot, through the app's middleware and router."""

    def __init__(self, services: Services, aad: str, name: str) -> None:
        self.conversation_id = f"a:personal-{aad}"
        template = Activity(
            channel_id="msteams", service_url="https://smba.example/", locale="en-GB",
            from_property=ChannelAccount(id=f"29:{aad}", name=name, aad_object_id=aad),
            recipient=ChannelAccount(id=BOT_ID, name="Prevention First"),
            conversation=ConversationAccount(id=self.conversation_id, conversation_type="personal",
                                             tenant_id=TENANT_ID),
        )
        self.adapter = TestAdapter(services.bot.on_turn, template_or_conversation=template)
        for each in services.middleware:
            self.adapter.use(each)

    @property
    def state_key(self) -> str:
        """The key of this chat's conversation state in ``bot_state``."""
        return f"msteams/conversations/{self.conversation_id}"

    async def say(self, text: str) -> list[str]:
        """Send a message; the text of each reply."""
        await self.adapter.receive_activity(Activity(type="message", text=text))
        replies = []
        while (reply := self.adapter.get_next_activity()) is not None:
            if reply.type == "message":
                replies.append(reply.text or "")
        return replies


def text_columns() -> list[tuple[str, str]]:
    """(table, column) for every String, Text or JSON column of every table, read from the
    models, so a table or column added later is scanned too."""
    return [(table.name, column.name) for table in Base.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, (String, JSON))]


def _shown(value: Any) -> list[str]:
    """A stored value as text, and as text with message escaping (backslashes) taken out."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return [text, text.replace("\\", "")]


def found(db: Database, needles: Iterable[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every needle that some row still holds in that column."""
    wanted = list(needles)
    hits = set()
    with db.engine.connect() as connection:
        for table_name, column_name in text_columns():
            column = Base.metadata.tables[table_name].c[column_name]
            for value in connection.execute(select(column)).scalars():
                if value is None:
                    continue
                for text in _shown(value):
                    hits.update((table_name, column_name, needle) for needle in wanted if needle in text)
    return sorted(hits)
