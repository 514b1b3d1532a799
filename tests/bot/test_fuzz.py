"""Mutated Teams activities, posted as a channel would: none may get a 5xx.

Valid activities of every kind the bot takes (messages, card submits, card actions, file
consent answers, invokes it does not handle, installs, members joining) are mutated at
random (keys dropped, values of the wrong type, huge strings, deep nesting, odd unicode,
nulls) and posted to ``/api/messages``. The run is seeded, so a failure repeats; the first
failing bodies and the count by status are in the assertion message.
"""

from __future__ import annotations

import copy
import json
import random
import time
from collections import Counter
from typing import Any

from tests.fakes import BOT_ID, replies, teams_activity

SEED = 13
MUTANTS = 10_000
RAW_SHARE = 0.1  # of the mutants, the share mutated as bytes rather than as JSON

WEIRD_STRINGS = [
    "", " ", "\u0000", "\ud800", "💥" * 50, "e\u0301" * 10, "\u202eevil", "<script>", "null", "help",
    "submit", "status PF-2026-0001", "x" * 20_000, "A" * 200_000, "\\", '"', "{", "https://", "ftp://x",
    "2026-02-30T25:61:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "not a date",
]
WEIRD_NUMBERS: list[Any] = [0, -1, 1.5, 2**63, -(2**70), 1e308, True, False]


def _deep(depth: int, kind: str) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


def _weird(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(WEIRD_STRINGS)
    if roll < 0.6:
        return rng.choice(WEIRD_NUMBERS)
    if roll < 0.7:
        return None
    if roll < 0.8:
        return [rng.choice(WEIRD_STRINGS[:10]), None, {}]
    if roll < 0.9:
        return {"id": rng.choice(WEIRD_NUMBERS), "type": None, "x": []}
    return _deep(rng.choice([10, 40, 63, 70]), rng.choice(["list", "dict"]))


def _templates(service_url: str) -> list[dict[str, Any]]:
    def activity(text: str | None = "help", **extra: Any) -> dict[str, Any]:
        return teams_activity(text, service_url=service_url, **extra)

    execute = activity(None, activity_type="invoke",
                       value={"action": {"type": "Action.Execute", "verb": "help", "data": {"x": 1}}, "trigger": "manual"})
    execute["name"] = "adaptiveCard/action"
    consent = activity(None, activity_type="invoke", value={
        "type": "fileUpload", "action": "accept",
        "context": {"offer": "0123abcd"},
        "uploadInfo": {"name": "journal.docx", "uploadUrl": f"{service_url}upload/journal.docx",
                       "contentUrl": "https://example.org/f", "uniqueId": "u1", "fileType": "docx"},
    })
    consent["name"] = "fileConsent/invoke"
    compose = activity(None, activity_type="invoke", value={"commandId": "search", "parameters": [{"name": "q", "value": "x"}]})
    compose["name"] = "composeExtension/query"
    unknown = activity(None, activity_type="invoke", value={"anything": True})
    unknown["name"] = "made/up"
    install = activity(None, activity_type="installationUpdate", action="add")
    joined = activity(None, activity_type="conversationUpdate",
                      membersAdded=[{"id": "29:someone"}, {"id": BOT_ID}])
    return [
        activity("help"),
        activity("what works for shoplifting"),
        activity("status PF-2026-0001"),
        activity(None, value={"text": "help"}),
        activity(None, value={"action": "what-works", "query": "graffiti"}),
        activity(None, value={"action": "journal", "entry": "x"}),
        execute, consent, compose, unknown, install, joined,
        activity("hi", entities=[{"type": "mention", "text": "<at>bot</at>", "mentioned": {"id": BOT_ID}}],
                 attachments=[{"contentType": "text/html", "content": "<p>hi</p>"}]),
    ]


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, prefix + (index,))
    return found


def _mutate(activity: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    body = copy.deepcopy(activity)
    for _ in range(rng.choice([1, 1, 2, 3])):
        paths = [path for path in _paths(body) if path]
        if not paths:
            break
        path = rng.choice(paths)
        parent: Any = body
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        roll = rng.random()
        if roll < 0.3 and isinstance(parent, dict):
            del parent[last]
        elif roll < 0.4 and isinstance(parent, dict):
            parent[rng.choice(["text", "name", "value", "extra", "FROM", "tenantID"])] = _weird(rng)
        elif roll < 0.5:
            value = parent[last]
            parent[last] = [value] if rng.random() < 0.5 else {"wrapped": value}
        else:
            parent[last] = _weird(rng)
    return body


def _raw_mutant(activity: dict[str, Any], rng: random.Random) -> bytes:
    data = json.dumps(activity).encode()
    roll = rng.random()
    if roll < 0.25:
        return data[: rng.randrange(len(data))]
    if roll < 0.5:
        depth = rng.choice([65, 1000, 100_000])
        return data[:-1] + b', "value": ' + b"[" * depth + b"]" * depth + b"}"
    if roll < 0.75:
        at = rng.randrange(len(data))
        return data[:at] + bytes([rng.randrange(256)]) + data[at + 1:]
    return data.replace(b'"', b"'", 1)


async def test_mutated_activities_never_get_a_5xx(client, connector):
    rng = random.Random(SEED)
    templates = _templates(connector.service_url)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    started = time.monotonic()
    for _ in range(MUTANTS):
        template = rng.choice(templates)
        if rng.random() < RAW_SHARE:
            data = _raw_mutant(template, rng)
        else:
            data = json.dumps(_mutate(template, rng)).encode()
        response = await client.post("/api/messages", data=data, headers={"Content-Type": "application/json"})
        await response.read()
        statuses[response.status] += 1
        if response.status >= 500 and len(failures) < 5:
            failures.append(f"{response.status}: {data[:600]!r}")
    elapsed = time.monotonic() - started
    summary = f"{MUTANTS} mutants in {elapsed:.1f} s; by status {dict(sorted(statuses.items()))}"
    assert not failures, summary + "\n" + "\n".join(failures)

    answer = await client.post("/api/messages", json=teams_activity("help", service_url=connector.service_url))
    assert answer.status == 200, summary
    assert len(replies(await answer.json())) == 1, summary


def test_the_mutations_are_repeatable():
    template = _templates("http://127.0.0.1:9/")[0]
    first, second = random.Random(SEED), random.Random(SEED)
    assert [_mutate(template, first) for _ in range(50)] == [_mutate(template, second) for _ in range(50)]
