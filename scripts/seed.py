#!/usr/bin/python3
"""Seeds a running Arena (make seed) with demo data: PLAYERS email accounts
(demo1@arena.example ... with password arena-demo-1 ...), and games of `four` between them until
each has at least GAMES stored matches, which the worker rates (their ratings and the `four` rating
board fill). Idempotent: a second run logs the same accounts in, finds their matches and plays none.

usage: seed.py [URL] [--players N] [--games N]   (URL default http://127.0.0.1:8080: make run's
address, or the Compose front door; REST and /v1/ws on the same address)
"""
import argparse
import asyncio
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import websockets

sys.path.insert(0, sys.path[0] + "/../tests/clients")
from arena_client import play_four  # noqa: E402


def parsed(raw):
    """A response body as JSON; one that is not (a proxy's error page) as {"body": its text}."""
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {"body": raw.decode(errors="replace")[:200]}


def call(base, method, path, body=None, token=None):
    """One REST call; returns (status, JSON body). Waits out a 429 (Retry-After) up to a minute."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = json.dumps(body).encode() if body is not None else None
    deadline = time.monotonic() + 60
    while True:
        req = urllib.request.Request(base + path, method=method, data=data, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, parsed(r.read())
        except urllib.error.HTTPError as e:
            if e.code == 429 and time.monotonic() < deadline:
                time.sleep(int(e.headers.get("Retry-After", "1")))
                continue
            return e.code, parsed(e.read())
        except urllib.error.URLError as e:
            sys.exit(f"seed: cannot reach Arena at {base}: {e.reason} (start it: make run, or make docker-up)")


def account(base, i):
    """Logs demo player i in, registering it first when it does not exist; returns the token pair."""
    creds = {"email": f"demo{i}@arena.example", "password": f"arena-demo-{i}"}
    status, body = call(base, "POST", "/v1/auth/login", creds)
    if status == 401:
        status, body = call(base, "POST", "/v1/auth/register", {**creds, "display_name": f"Demo {i}"})
        if status == 409:  # registered meanwhile by another run
            status, body = call(base, "POST", "/v1/auth/login", creds)
    if status not in (200, 201):
        sys.exit(f"seed: demo{i}: {status} {json.dumps(body)} (a demo account with another password?)")
    return body


def matches_of(base, user):
    status, body = call(base, "GET", f"/v1/players/{user}/matches?limit=100")
    if status != 200:
        sys.exit(f"seed: matches of {user}: {status} {json.dumps(body)}")
    return len(body["matches"])


async def play_rounds(ws_url, players, rounds):
    """Every player queues for `four` once a round; the matchmaker pairs them (or, after the mode's
    bots_after_s, gives a lone one a bot)."""
    sockets = [await websockets.connect(ws_url, extra_headers={"Authorization": "Bearer " + p["access_token"]})
               for p in players]
    try:
        for r in range(rounds):
            async with asyncio.timeout(120):
                await asyncio.gather(*(play_four(ws, 100 * r + i + 1) for i, ws in enumerate(sockets)))
            print(f"seed: round {r + 1} of {rounds} played")
    finally:
        for ws in sockets:
            await ws.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url", nargs="?", default="http://127.0.0.1:8080")
    ap.add_argument("--players", type=int, default=8)
    ap.add_argument("--games", type=int, default=3)
    args = ap.parse_args()
    if args.players < 2 or args.players % 2 or args.games < 0:
        sys.exit("seed: --players must be an even number >= 2, --games >= 0")
    base = args.url.rstrip("/")
    parts = urllib.parse.urlsplit(base)
    ws_url = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}/v1/ws"

    players = [account(base, i + 1) for i in range(args.players)]
    have = min(matches_of(base, p["user_id"]) for p in players)
    print(f"seed: {args.players} demo accounts (demo1@arena.example / arena-demo-1, ...); "
          f"each has at least {have} of {args.games} matches")
    if have < args.games:
        asyncio.run(play_rounds(ws_url, players, args.games - have))
    print("seed: ratings now (the worker rates each match a moment after it ends):")
    for p in players:
        _, profile = call(base, "GET", f"/v1/players/{p['user_id']}")
        four = next((m for m in profile.get("modes", []) if m["mode"] == "four"), None)
        rating = f"rating {four['rating']:.0f} after {four['games']} games" if four else "not rated yet"
        print(f"seed: {profile.get('display_name')}: {rating}")


if __name__ == "__main__":
    main()
