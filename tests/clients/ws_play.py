#!/usr/bin/python3
"""Plays one match of any mode, as the simplest game client would (Python's `websockets`,
Debian's python3-websockets): logs in as a guest, queues for MODE, and after every tick's
match.delta sends INPUT (a JSON game input, e.g. '{"tap":true}') if one is given; prints what
it was assigned, the first snapshot, and the placements. Exits 0 when a result arrives.
usage: ws_play.py <port> <mode> [input-json]
"""
import asyncio
import json
import sys

import websockets

from arena_client import guest, print_placements

PORT, MODE = int(sys.argv[1]), sys.argv[2]
INPUT = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
BASE = f"127.0.0.1:{PORT}"
# Refusals a real-time client meets normally (an input racing a tick or the end).
EXPECTED = {"too_fast", "match_over", "no_such_match", "not_alive", "not_your_turn"}



async def main():
    me = guest(BASE)
    async with websockets.connect(f"ws://{BASE}/v1/ws",
                                  extra_headers={"Authorization": "Bearer " + me["access_token"]}) as ws:
        await ws.send(json.dumps({"op": "mm.enqueue", "rid": 1, "d": {"mode": MODE, "regions": {"eu": 25}}}))
        seat, match_id, snapshots = None, None, 0
        async with asyncio.timeout(120):
            while True:
                f = json.loads(await ws.recv())
                op, d = f.get("op"), f.get("d", {})
                if op == "error" and (f.get("rid") == 1 or d.get("code") not in EXPECTED):
                    print("FAIL: error", d)
                    return 1
                if op == "match.assigned":
                    seat, match_id = d["seat"], d["match_id"]
                    bots = sum(1 for t in d["teams"] if t["bot"])
                    print(f"match {match_id}: {d['game']} at {d['tick_rate']} Hz, seat {seat}, {bots} bots, "
                          f"settings {json.dumps(d.get('settings', {}))}")
                elif op == "match.snapshot" and snapshots == 0:
                    snapshots += 1
                    print("snapshot", json.dumps(d["state"])[:200])
                elif op == "match.delta" and INPUT is not None:
                    await ws.send(json.dumps({"op": "match.input", "rid": d["tick"] + 10,
                                              "d": {"match_id": match_id, "d": INPUT}}))
                elif op == "match.ended":
                    print_placements(d["result"], seat)
                    print("OK", match_id)
                    return 0


sys.exit(asyncio.run(main()))
