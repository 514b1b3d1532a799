"""Bot Framework state storage on SQLAlchemy, with optimistic concurrency.

Each key holds one JSON document and an integer eTag that every write increments. A write
that carries an eTag succeeds only if the stored eTag still matches; ``*`` or no eTag
overwrites. Documents are encoded with jsonpickle (as botbuilder's own Azure storages do,
because dialog state holds SDK objects) but decoded only when every type they name belongs
to the Bot Framework SDK or the standard date types: a tampered row cannot make the bot
import arbitrary code.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, Iterable, List

import jsonpickle
from botbuilder.core import Storage
from sqlalchemy import delete, select, update

from domain.db import Database
from domain.models import BotState, utcnow

__all__ = ["SqlAlchemyStorage", "ETagConflictError", "UnsafeStateError"]

_ALLOWED_TYPE_PREFIXES = ("botbuilder.", "botframework.", "datetime.", "decimal.")
_FORBIDDEN_TAGS = {"py/repr", "py/function", "py/mod", "py/module", "py/iterator"}
_TYPE_TAGS = {"py/object", "py/type"}


class ETagConflictError(Exception):
    """A write carried an eTag that no longer matches the stored one."""


class UnsafeStateError(Exception):
    """A stored document names a type outside the Bot Framework SDK."""


def _check_types(node: Any) -> None:
    if isinstance(node, dict):
        for tag, value in node.items():
            if tag in _FORBIDDEN_TAGS:
                raise UnsafeStateError(f"stored state uses {tag}")
            if tag in _TYPE_TAGS and not str(value).startswith(_ALLOWED_TYPE_PREFIXES):
                raise UnsafeStateError(f"stored state names type {value!r}")
            _check_types(value)
    elif isinstance(node, list):
        for item in node:
            _check_types(item)


def _encode(item: Any) -> tuple[dict, str | None]:
    """Split a store item into its JSON document (without eTag) and the eTag it carries."""
    if isinstance(item, dict):
        body = dict(item)
        etag = body.pop("e_tag", None)
    else:
        body = {k: v for k, v in vars(item).items() if not k.startswith("_")}
        etag = body.pop("e_tag", None)
    return json.loads(jsonpickle.encode(body, unpicklable=True, make_refs=False)), etag


def _decode(document: dict, etag: int) -> dict:
    _check_types(document)
    value = jsonpickle.decode(json.dumps(document), safe=True)
    value["e_tag"] = str(etag)
    return value


class SqlAlchemyStorage(Storage):
    """A botbuilder ``Storage`` in the ``bot_state`` table.

    Args:
        database: the assistant's database.
    """

    def __init__(self, database: Database) -> None:
        super().__init__()
        self._db = database

    async def read(self, keys: List[str]) -> Dict[str, object]:
        """Return the stored documents for ``keys`` (unknown keys are left out)."""
        if keys is None:
            raise ValueError("Keys are required when reading")
        wanted = list(keys)
        if not wanted:
            return {}
        return await asyncio.to_thread(self._read, wanted)

    async def write(self, changes: Dict[str, object]) -> None:
        """Write every change, each under its own eTag rule.

        Raises:
            ETagConflictError: an item's eTag is stale, or empty.
        """
        if changes is None:
            raise ValueError("Changes are required when writing")
        if not changes:
            return
        await asyncio.to_thread(self._write, dict(changes))

    async def delete(self, keys: List[str]) -> None:
        """Delete the documents for ``keys``; unknown keys are ignored."""
        if not keys:
            return
        await asyncio.to_thread(self._delete, list(keys))

    def _read(self, keys: list[str]) -> Dict[str, object]:
        with self._db.session() as session:
            rows = session.execute(
                select(BotState.key, BotState.document, BotState.etag).where(BotState.key.in_(keys))
            ).all()
        return {key: _decode(document, etag) for key, document, etag in rows}

    def _write(self, changes: dict[str, object]) -> None:
        with self._db.session() as session:
            for key, item in changes.items():
                document, etag = _encode(item)
                if etag == "":
                    raise ETagConflictError(f"an empty eTag is not allowed (key {key!r})")
                if etag is None or etag == "*":
                    self._upsert(session, key, document)
                    continue
                result = session.execute(
                    update(BotState)
                    .where(BotState.key == key, BotState.etag == _as_int(etag))
                    .values(document=document, etag=BotState.etag + 1, updated_at=utcnow())
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE returns a CursorResult; SQLAlchemy types it as Result
                    raise ETagConflictError(f"eTag {etag} is stale for this key")

    def _upsert(self, session: Any, key: str, document: dict) -> None:
        statement = self._db.insert(BotState).values(key=key, document=document, etag=1, updated_at=utcnow())
        statement = statement.on_conflict_do_update(
            index_elements=[BotState.key],
            set_={"document": document, "etag": BotState.etag + 1, "updated_at": utcnow()},
        )
        session.execute(statement)

    def _delete(self, keys: Iterable[str]) -> None:
        with self._db.session() as session:
            session.execute(delete(BotState).where(BotState.key.in_(list(keys))))


def _as_int(etag: str) -> int:
    try:
        return int(etag)
    except ValueError:
        # Not one of ours: it cannot match, so the write is a conflict.
        return -1
