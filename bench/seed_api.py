#!/usr/bin/python3
"""Seeds a running Arena for scripts/bench-api.sh: PLAYERS guests with a score each on board
`coins` (server writes), and GAMES rated games of `four` between two of them over the WebSocket
(seat 0 stacks column 0, seat 1 column 1: seat 0 wins in four moves). Prints the profile
player's id. usage: seed_api.py <port> <server key> <players> <games>
"""
import asyncio
import json
import sys
import urllib.request

import websockets

sys.path.insert(0, sys.path[0] + "/../tests/clients")
from arena_client import guest, play_four  # noqa: E402

PORT, KEY, PLAYERS, GAMES = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
BASE = f"127.0.0.1:{PORT}"


def score(user, value):
    body = json.dumps({"user_id": user, "score": value}).encode()
    req = urllib.request.Request(f"http://{BASE}/v1/leaderboards/coins/scores", method="POST", data=body,
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + KEY})
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()


async def main():
    for i in range(PLAYERS):
        score(guest(BASE)["user_id"], (i * 7919) % 100000)
    a, b = guest(BASE, "Profile"), guest(BASE, "Rival")
    hdr = lambda p: {"Authorization": "Bearer " + p["access_token"]}  # noqa: E731
    async with websockets.connect(f"ws://{BASE}/v1/ws", extra_headers=hdr(a)) as wa, \
            websockets.connect(f"ws://{BASE}/v1/ws", extra_headers=hdr(b)) as wb:
        async with asyncio.timeout(30 + GAMES * 15):  # a game takes about 6 s (rounds, 4 Hz ticks)
            for g in range(GAMES):
                await asyncio.gather(play_four(wa, 10 * g + 1), play_four(wb, 10 * g + 2))
    print(a["user_id"])


asyncio.run(main())
