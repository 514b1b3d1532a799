"""A Bot Connector stand-in on loopback for the load benchmark: ``python -m bench.connector PORT``.

Runs in its own process so that recording the bot's replies does not take CPU from the load
generator. Every message the bot sends is kept by conversation; ``GET /record`` returns them
(``{conversation id: [text, ...]}``) and ``DELETE /record`` forgets them between runs.
"""

from __future__ import annotations

import sys
from collections import defaultdict

from aiohttp import web


def make_app() -> web.Application:
    """The connector's routes: send, reply, and the record the benchmark reads."""
    record: dict[str, list[str]] = defaultdict(list)
    counter = 0

    async def receive(request: web.Request) -> web.Response:
        nonlocal counter
        activity = await request.json()
        counter += 1
        if activity.get("type") == "message":
            text = activity.get("text") or ""
            if not text and activity.get("attachments"):
                text = "[card]"
            record[request.match_info["conversation"]].append(text)
        return web.json_response({"id": f"sent-{counter}"})

    async def read(_request: web.Request) -> web.Response:
        return web.json_response(record)

    async def forget(_request: web.Request) -> web.Response:
        record.clear()
        return web.Response(status=204)

    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.router.add_post("/v3/conversations/{conversation}/activities", receive)
    app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", receive)
    app.router.add_get("/record", read)
    app.router.add_delete("/record", forget)
    return app


def main(argv: list[str]) -> int:
    web.run_app(make_app(), host="127.0.0.1", port=int(argv[1]), print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
