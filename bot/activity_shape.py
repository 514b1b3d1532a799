"""Checks that an inbound body is an activity the SDK and the router can take.

The SDK trusts the shape of what it is sent: a string where an object belongs, an invoke
with no sender or a list for a name reach code that raises, and Python's JSON parser
recurses once per level of nesting. These checks run on the raw body and the parsed JSON
before the SDK sees either; each problem is a sentence for a 400 response.
"""

from __future__ import annotations

import json
import re
from typing import Any

import botbuilder.schema as schema
import botbuilder.schema.teams as teams

__all__ = ["HANDLED_INVOKES", "MAX_DEPTH", "SEARCH_COMMAND", "SEARCH_QUERY", "SEARCH_SELECT", "has_lone_surrogate",
           "nesting_exceeds", "shape_problem"]

# Teams' activities nest about eight deep; an Adaptive Card submit adds the card's data.
MAX_DEPTH = 64

# The invokes the router (bot.handler) answers; the SDK answers any other with a 501.
SEARCH_QUERY = "composeExtension/query"
SEARCH_SELECT = "composeExtension/selectItem"
HANDLED_INVOKES = frozenset({"adaptiveCard/action", "fileConsent/invoke", SEARCH_QUERY, SEARCH_SELECT})
# The message extension's one search command (manifest.json) and what its query may ask for.
SEARCH_COMMAND = "searchEvidence"
_SEARCH_KINDS = ("research", "practice")
_SEARCH_MAX_SKIP = 500
_SEARCH_MAX_COUNT = 100

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]", re.ASCII)
# Teams' ids are ASCII and at most a few hundred characters; they go into URLs and headers.
MAX_ID_LENGTH = 1024
_ID = re.compile(r"[\x21-\x7e]{1,%d}" % MAX_ID_LENGTH)
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def nesting_exceeds(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON in ``raw`` nests arrays and objects more than ``limit`` deep.

    Linear in the size of the body and never recursive: strings (escapes included) are
    dropped, then only brackets are kept. Well-formed shallow bodies are cleared by removing
    innermost pairs level by level; whatever is left is counted bracket by bracket.
    """
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    rest = brackets
    for _ in range(limit):
        if not rest:
            return False
        rest = rest.replace(b"[]", b"").replace(b"{}", b"")
    if not rest:
        return False
    depth = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False  # unbalanced but shallow: the JSON parser will refuse it


def has_lone_surrogate(raw: bytes, body: Any) -> bool:
    """Whether the parsed ``body`` holds a lone UTF-16 surrogate (``"\\ud800"``): valid
    JSON, but not text that can be stored or sent on."""
    if not _SURROGATE_ESCAPE.search(raw):
        return False
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _models() -> dict[str, type]:
    found: dict[str, type] = {}
    for module in (teams, schema):  # the core schema's names win
        found.update({name: cls for name, cls in vars(module).items()
                      if isinstance(cls, type) and hasattr(cls, "_attribute_map")})
    return found


_MODELS = _models()
_SCALARS: dict[str, tuple[type, ...]] = {"str": (str,), "bool": (bool,), "iso-8601": (str,)}


def _type_problem(value: Any, kind: str, where: str) -> str | None:
    """What is wrong with ``value`` as the SDK's ``kind`` (None if nothing)."""
    if value is None or kind == "object":
        return None
    if kind in _SCALARS:
        return None if isinstance(value, _SCALARS[kind]) else f"{where} must be a {kind}"
    if kind in ("int", "float", "long"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else f"{where} must be a number"
    if kind.startswith("[") and kind.endswith("]"):
        if not isinstance(value, list):
            return f"{where} must be a list"
        for index, item in enumerate(value):
            problem = _type_problem(item, kind[1:-1], f"{where}[{index}]")
            if problem:
                return problem
        return None
    if kind.startswith("{") and kind.endswith("}"):
        if not isinstance(value, dict):
            return f"{where} must be an object"
        for key, item in value.items():
            problem = _type_problem(item, kind[1:-1], f"{where}.{key}")
            if problem:
                return problem
        return None
    model = _MODELS.get(kind)
    if model is None:
        return None
    if not isinstance(value, dict):
        return f"{where} must be an object"
    return _fields_problem(value, model, where)


def _fields_problem(body: dict, model: type, where: str) -> str | None:
    # The SDK matches keys without regard to case (Teams sends tenantId, the schema says tenantID).
    fields = {spec["key"].lower(): spec["type"] for spec in model._attribute_map.values()}  # type: ignore[attr-defined]
    for key, value in body.items():
        kind = fields.get(key.lower())
        if kind is not None:
            problem = _type_problem(value, kind, f"{where}.{key}" if where else key)
            if problem:
                return problem
    return None


def shape_problem(body: dict) -> str | None:
    """Why the parsed JSON object ``body`` is not an activity the bot can take (None if it is).

    Every field the SDK knows must have its schema's type (``from`` an object, ``text`` a
    string, ``entities`` a list of objects...); every activity needs a type and a sender
    with an id; an invoke must be one the router answers, and a card's ``Action.Execute``
    must carry its action as an object.
    """
    problem = _fields_problem(body, schema.Activity, "")
    if problem:
        return problem
    if not isinstance(body.get("channelId"), str) or not body["channelId"]:
        return "the activity has no channelId"
    sender = body.get("from")
    if not isinstance(sender, dict) or not isinstance(sender.get("id"), str) or not sender["id"]:
        return "the activity has no sender (from.id)"
    ids = {"channelId": body.get("channelId"), "id": body.get("id"), "replyToId": body.get("replyToId"),
           "from.id": sender["id"], "conversation.id": (body.get("conversation") or {}).get("id"),
           "recipient.id": (body.get("recipient") or {}).get("id")}
    for where, value in ids.items():
        if isinstance(value, str) and value and not _ID.fullmatch(value):
            return f"{where} must be printable ASCII without spaces, at most {MAX_ID_LENGTH} characters"
    if body.get("type") == "invoke":
        name = body.get("name")
        if not isinstance(name, str):
            return "the invoke has no name"
        if name not in HANDLED_INVOKES:
            return "the bot does not handle this invoke"
        value = body.get("value")
        if name == "adaptiveCard/action":
            if not isinstance(value, dict) or not isinstance(value.get("action"), dict):
                return "the card action has no action object"
            action = value["action"]
            if not all(isinstance(action.get(key), (str, type(None))) for key in ("type", "verb")):
                return "the card action's type and verb must be strings"
            return _type_problem(value, "AdaptiveCardInvokeValue", "value")
        if name == SEARCH_QUERY:
            return _search_query_problem(value)
        if name == "fileConsent/invoke" and isinstance(value, dict):
            if not isinstance(value.get("context"), (dict, type(None))):
                return "value.context must be an object"
            return _type_problem(value, "FileConsentCardResponse", "value")
    return None


def _search_query_problem(value: Any) -> str | None:
    """Why a ``composeExtension/query`` value cannot be answered, or None when it can."""
    if not isinstance(value, dict):
        return "the query has no value object"
    if value.get("commandId") != SEARCH_COMMAND:
        return f"the only search command is {SEARCH_COMMAND}"
    parameters = value.get("parameters")
    if not isinstance(parameters, list) or not all(
        isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("value"), (str, bool, type(None)))
        for p in parameters
    ):
        return "parameters must be a list of objects with a name and a text value"
    options = value.get("queryOptions")
    if options is not None:
        if not isinstance(options, dict):
            return "queryOptions must be an object"
        for key, top in (("skip", _SEARCH_MAX_SKIP), ("count", _SEARCH_MAX_COUNT)):
            number = options.get(key)
            if number is not None and (isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= top):
                return f"queryOptions.{key} must be a whole number from 0 to {top}"
    named = {p["name"]: p.get("value") for p in parameters}
    if named.get("kind") not in (None, "", *_SEARCH_KINDS):
        return "kind is research or practice"
    return None
