#!/usr/bin/python3
"""Plays one practice match of cycles against bots, as a game client would (Python's
`websockets`, Debian's python3-websockets): logs in as a guest, queues for `practice`, keeps
the grid from the snapshot and the per-tick deltas, and steers away from walls and trails
until the match ends; prints the placements. Exits 0 when a result arrives, 1 otherwise.
usage: ws_practice.py <port> [mode]
"""
import asyncio
import json
import sys

import websockets

from arena_client import guest, print_placements

PORT = int(sys.argv[1])
MODE = sys.argv[2] if len(sys.argv) > 2 else "practice"
BASE = f"127.0.0.1:{PORT}"
DX, DY = [0, 1, 0, -1], [-1, 0, 1, 0]
DIRS = ["up", "right", "down", "left"]



async def main():
    me = guest(BASE)
    async with websockets.connect(f"ws://{BASE}/v1/ws",
                                  extra_headers={"Authorization": "Bearer " + me["access_token"]}) as ws:
        await ws.send(json.dumps({"op": "mm.enqueue", "rid": 1, "d": {"mode": MODE, "regions": {"eu": 25}}}))
        seat, match_id, w, h, grid, pos = None, None, 0, 0, set(), None
        async with asyncio.timeout(60):
            while True:
                f = json.loads(await ws.recv())
                op, d = f.get("op"), f.get("d", {})
                if op == "error":
                    # An input can race the end of the game (match_over, no_such_match) or of
                    # our cycle (not_alive): normal in a real-time game. Anything else is not.
                    if f.get("rid") == 1 or d.get("code") not in ("match_over", "no_such_match", "not_alive"):
                        print("FAIL: error", d)
                        return 1
                if op == "match.assigned":
                    seat, match_id = d["seat"], d["match_id"]
                    bots = sum(1 for t in d["teams"] if t["bot"])
                    print(f"match {match_id}: {d['game']} at {d['tick_rate']} Hz, seat {seat}, {bots} bots")
                elif op == "match.snapshot":
                    s = d["state"]
                    w, h = s["w"], s["h"]
                    grid = {(i % w, i // w) for i, c in enumerate(s["grid"]) if c != "."}
                    r = s["riders"][seat]
                    pos = (r["x"], r["y"], DIRS.index(r["dir"])) if r["alive"] else None
                elif op == "match.delta":
                    for s_, x, y, dr in d["d"].get("moves", []):
                        grid.add((x, y))
                        if s_ == seat:
                            pos = (x, y, dr)
                    if seat in d["d"].get("out", []):
                        print(f"out at tick {d['tick']}")
                        pos = None
                    if pos is not None:
                        x, y, dr = pos
                        free = lambda k: (0 <= x + DX[k] < w and 0 <= y + DY[k] < h
                                          and (x + DX[k], y + DY[k]) not in grid)
                        if not free(dr):
                            for turn, k in (("left", (dr + 3) % 4), ("right", (dr + 1) % 4)):
                                if free(k):
                                    await ws.send(json.dumps({"op": "match.input", "rid": d["tick"],
                                                              "d": {"match_id": match_id, "d": {"turn": turn}}}))
                                    break
                elif op == "match.ended":
                    print_placements(d["result"], seat)
                    print("OK", match_id)
                    return 0


sys.exit(asyncio.run(main()))
