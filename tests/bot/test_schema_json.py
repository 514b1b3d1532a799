"""Reading activities without msrest's generic walk: the same objects as msrest reads, on
thousands of mutated Teams activities (the fuzz test's), and the same errors."""

from __future__ import annotations

import json
import random
from typing import Any

from botbuilder.schema import Activity

from bot.activity_shape import shape_problem
from bot.schema_json import Unsupported, schema_from_json
from tests.bot.test_fuzz import _mutate, _templates


def _comparable(value: Any) -> Any:
    if isinstance(value, dict):
        return sorted(((repr(key), _comparable(item)) for key, item in value.items()), key=lambda pair: pair[0])
    if isinstance(value, (list, tuple)):
        return [_comparable(item) for item in value]
    if hasattr(value, "__dict__") and not isinstance(value, (str, int, float)):
        return type(value).__name__, _comparable(vars(value))
    return repr(value)


def _read(reader: Any, body: dict[str, Any]) -> Any:
    try:
        return reader(body)
    except Unsupported:
        raise
    except Exception as error:  # noqa: BLE001 - the kind of failure is what is compared
        return "refused", bool(error)


def test_activities_read_as_msrest_reads_them() -> None:
    rng = random.Random(2026)
    templates = _templates("http://127.0.0.1:9/")
    compared = 0
    for _ in range(6000):
        body = json.loads(json.dumps(rng.choice(templates)))
        if rng.random() < 0.8:
            body = _mutate(body, rng)
        if not isinstance(body, dict) or shape_problem(body):
            continue  # refused before either reader sees it
        ours = _read(lambda b: schema_from_json(Activity, b), body)
        theirs = _read(lambda b: Activity().deserialize(b), body)
        assert _comparable(ours) == _comparable(theirs), json.dumps(body)[:500]
        compared += 1
    assert compared > 2000
