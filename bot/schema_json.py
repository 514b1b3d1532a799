"""Bot Framework schema objects to and from their JSON, walked directly from the schema's
attribute maps.

msrest's generic serialiser does the same walk with type checks and validation at every
step: reading the activity of each request and writing each reply took about a tenth of a
turn's CPU. These walks give the same results (tested against msrest on the fuzz corpus and
on the bot's own replies); anything they do not know is left to msrest.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import botbuilder.schema as schema
from msrest import Deserializer, Serializer

__all__ = ["schema_json", "schema_from_json", "Unsupported"]


class Unsupported(TypeError):
    """The value holds something this walk does not handle the way msrest does."""


def schema_json(value: Any) -> Any:
    """A schema object as the JSON msrest's serialiser writes for it.

    Raises:
        Unsupported: ``value`` holds something this walk does not know.
    """
    attributes = getattr(value, "_attribute_map", None)
    if attributes is not None:
        out: dict[str, Any] = {}
        for name, spec in attributes.items():
            field = getattr(value, name, None)
            if field is not None:
                out[spec["key"]] = _iso_8601(field) if spec["type"] == "iso-8601" else schema_json(field)
        return out  # as msrest, properties outside the attribute map are not sent
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {key: schema_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [schema_json(item) for item in value]
    raise Unsupported(f"cannot write {type(value).__name__} as schema JSON")


def _iso_8601(value: Any) -> Any:
    if not isinstance(value, datetime):
        raise Unsupported("an iso-8601 field that is not a datetime")
    return Serializer.serialize_iso(value)


_MODELS = {name: cls for name, cls in vars(schema).items() if isinstance(cls, type) and hasattr(cls, "_attribute_map")}
# Per model: its JSON keys, matched exactly as msrest matches them (Teams' ``tenantId`` is
# not the schema's ``tenantID``: it stays in ``additional_properties``).
_KEYS = {cls: {spec["key"]: (name, spec["type"]) for name, spec in cls._attribute_map.items()}
         for cls in _MODELS.values()}


def schema_from_json(model: type, data: Any) -> Any:
    """The schema object ``model`` read from its JSON, as msrest's ``model().deserialize`` reads it.

    Keys the schema does not name go into ``additional_properties``. Expects JSON already checked against the schema's types
    (:func:`bot.activity_shape.shape_problem`).

    Raises:
        Unsupported: the JSON holds something this walk does not read as msrest would.
    """
    keys = _KEYS.get(model)
    if keys is None or getattr(model, "_subtype_map", None) or not isinstance(data, dict):
        raise Unsupported(model.__name__)
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, raw in data.items():
        found = keys.get(key)
        if found is None:
            extra[key] = raw
            continue
        name, kind = found
        values[name] = None if raw is None else _read(kind, raw)
    result = model(**{name: value for name, value in values.items() if value is not None})
    result.additional_properties = extra
    return result


def _read(kind: str, raw: Any) -> Any:
    if kind == "str":
        if not isinstance(raw, str):
            raise Unsupported("a str field that is not a string")
        return raw
    if kind == "bool":
        if not isinstance(raw, bool):
            raise Unsupported("a bool field that is not a boolean")
        return raw
    if kind == "object":
        return raw
    if kind == "iso-8601":
        return Deserializer.deserialize_iso(raw)
    if kind.startswith("[") and kind.endswith("]") and isinstance(raw, list):
        return [None if item is None else _read(kind[1:-1], item) for item in raw]
    if kind.startswith("{") and kind.endswith("}") and isinstance(raw, dict):
        return {key: None if item is None else _read(kind[1:-1], item) for key, item in raw.items()}
    model = _MODELS.get(kind)
    if model is not None:
        return schema_from_json(model, raw)
    raise Unsupported(kind)
