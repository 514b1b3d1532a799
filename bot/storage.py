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
from datetime import date, datetime
from enum import Enum
from typing import Any, Dict, Iterable, List

from botbuilder.core import ConversationState, Storage, TurnContext, UserState
from botbuilder.core.bot_state import CachedBotState
from jsonpickle.pickler import Pickler
from jsonpickle.unpickler import Unpickler
from sqlalchemy import bindparam, delete, select, update

from domain.db import Database
from domain.models import BotState, utcnow

__all__ = ["SqlAlchemyStorage", "ETagConflictError", "UnsafeStateError", "TurnConversationState", "TurnUserState",
           "fingerprint"]

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
    return Pickler(unpicklable=True, make_refs=False).flatten(body), etag


def _decode(document: dict, etag: int) -> dict:
    _check_types(document)
    value = Unpickler(safe=True).restore(document)
    value["e_tag"] = str(etag)
    return value


def fingerprint(value: Any) -> Any:
    """A value that is equal for equal states and differs when anything in them changed.

    The SDK compares a whole jsonpickle flattening of the state before and after each turn,
    three times a turn; this walk gives the same answer in about a fifth of the time.
    """
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return tuple((key, fingerprint(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, *(fingerprint(item) for item in value))
    if isinstance(value, Enum):
        return type(value).__qualname__, value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    attributes = getattr(value, "__dict__", None)
    if attributes is not None:
        return type(value).__qualname__, fingerprint(attributes)
    return type(value).__qualname__, repr(value)


class _Cached(CachedBotState):
    def compute_hash(self, obj: object) -> Any:
        return fingerprint(obj)


class _Fingerprinted:
    """``BotState.load`` and ``save_changes`` as the SDK has them, with the state's change
    check done by :func:`fingerprint`, once per save."""

    async def load(self, turn_context: TurnContext, force: bool = False) -> None:
        state: Any = self
        cached = state.get_cached_state(turn_context)
        key = state.get_storage_key(turn_context)
        if force or not cached or not cached.state:
            items = await state._storage.read([key])
            turn_context.turn_state[state._context_service_key] = _Cached(items.get(key))

    async def save_changes(self, turn_context: TurnContext, force: bool = False) -> None:
        state: Any = self
        cached = state.get_cached_state(turn_context)
        if cached is None:
            return
        now = fingerprint(cached.state)
        if force or now != cached.hash:
            await state._storage.write({state.get_storage_key(turn_context): cached.state})
            cached.hash = now


class TurnConversationState(_Fingerprinted, ConversationState):
    """Conversation state (the dialog stack) with a cheap change check."""


class TurnUserState(_Fingerprinted, UserState):
    """User state with a cheap change check."""


class SqlAlchemyStorage(Storage):
    """A botbuilder ``Storage`` in the ``bot_state`` table.

    Args:
        database: the assistant's database.
    """

    def __init__(self, database: Database) -> None:
        super().__init__()
        self._db = database
        # Built once: building a statement costs more than running it on SQLite.
        columns = select(BotState.key, BotState.document, BotState.etag)
        self._select_one = columns.where(BotState.key == bindparam("state_key"))  # what every turn reads
        self._select = columns.where(BotState.key.in_(bindparam("keys", expanding=True)))
        self._update = (
            update(BotState)
            .where(BotState.key == bindparam("state_key"), BotState.etag == bindparam("expected"))
            .values(document=bindparam("new_document"), etag=BotState.etag + 1, updated_at=bindparam("now"))
        )
        insert = database.insert(BotState).values(
            key=bindparam("state_key"), document=bindparam("new_document"), etag=1, updated_at=bindparam("now"))
        self._upsert = insert.on_conflict_do_update(
            index_elements=[BotState.key],
            set_={"document": insert.excluded.document, "etag": BotState.etag + 1, "updated_at": insert.excluded.updated_at},
        )

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

    # Core connections, not ORM sessions: every message reads state and most dialog steps
    # write it, and the ORM's unit of work would only add cost to these single statements.
    def _read(self, keys: list[str]) -> Dict[str, object]:
        with self._db.reading() as connection:
            if len(keys) == 1:
                rows = connection.execute(self._select_one, {"state_key": keys[0]}).all()
            else:
                rows = connection.execute(self._select, {"keys": keys}).all()
        return {key: _decode(document, etag) for key, document, etag in rows}

    def _write(self, changes: dict[str, object]) -> None:
        with self._db.engine.begin() as connection:
            for key, item in changes.items():
                document, etag = _encode(item)
                if etag == "":
                    raise ETagConflictError(f"an empty eTag is not allowed (key {key!r})")
                values = {"state_key": key, "new_document": document, "now": utcnow()}
                if etag is None or etag == "*":
                    connection.execute(self._upsert, values)
                    continue
                result = connection.execute(self._update, {**values, "expected": _as_int(etag)})
                if result.rowcount != 1:
                    raise ETagConflictError(f"eTag {etag} is stale for this key")

    def _delete(self, keys: Iterable[str]) -> None:
        with self._db.session() as session:
            session.execute(delete(BotState).where(BotState.key.in_(list(keys))))


def _as_int(etag: str) -> int:
    try:
        return int(etag)
    except ValueError:
        # Not one of ours: it cannot match, so the write is a conflict.
        return -1
