#!/usr/bin/python3
"""A third-party client (Python's `websockets`, Debian's python3-websockets) against Arena.

Logs two guests in over HTTP, connects both (one with a Bearer header, one the browser way
with the subprotocol), joins a channel, exchanges a channel message and a DM, and checks
every frame. Exits 0 on success, 1 with a message on any mismatch.
usage: ws_chat.py <port>
"""
import asyncio
import json
import sys

import websockets

from arena_client import guest

PORT = int(sys.argv[1])
BASE = f"127.0.0.1:{PORT}"



async def next_op(ws, op):
    for _ in range(50):
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame.get("op") == op:
            return frame
    raise AssertionError(f"no {op}")


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


async def main():
    alice, bob = guest(BASE, "alice"), guest(BASE, "bob")
    async with websockets.connect(f"ws://{BASE}/v1/ws",
                                  extra_headers={"Authorization": "Bearer " + alice["access_token"]}) as a, \
               websockets.connect(f"ws://{BASE}/v1/ws",
                                  subprotocols=["arena.v1", "bearer." + bob["access_token"]]) as b:
        check(b.subprotocol == "arena.v1", "server selects arena.v1")
        wa, wb = await next_op(a, "session.welcome"), await next_op(b, "session.welcome")
        check(wa["d"]["user_id"] == alice["user_id"], "alice's welcome")
        check(wb["d"]["user_id"] == bob["user_id"], "bob's welcome")

        await a.send(json.dumps({"op": "channel.join", "rid": "a1", "d": {"channel": "tavern"}}))
        check((await next_op(a, "channel.join"))["rid"] == "a1", "alice joined")
        await b.send(json.dumps({"op": "channel.join", "rid": 1, "d": {"channel": "tavern"}}))
        joined = await next_op(b, "channel.join")
        check(sorted(joined["d"]["members"]) == sorted([alice["user_id"], bob["user_id"]]), "members")

        await a.send(json.dumps({"op": "channel.send", "rid": "a2", "d": {"channel": "tavern", "body": "hi bob"}}))
        msg = await next_op(b, "channel.message")
        check(msg["d"] == {"channel": "tavern", "from": alice["user_id"], "body": "hi bob"}, "channel message")
        check(isinstance(msg.get("seq"), int) and msg["seq"] > 0, "pushes carry seq")

        await b.send(json.dumps({"op": "dm.send", "rid": 2, "d": {"to": alice["user_id"], "body": "hi alice"}}))
        dm = await next_op(a, "dm.message")
        check(dm["d"] == {"from": bob["user_id"], "body": "hi alice"}, "direct message")
        print("OK")


asyncio.run(main())
