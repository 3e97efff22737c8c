"""What every client script here shares: a guest login over REST, and a game of `four`."""
import json
import urllib.request


def guest(base, name=None):
    """POST /v1/auth/guest on `base` (host:port); returns the token pair as a dict."""
    body = json.dumps({"display_name": name} if name else {}).encode()
    req = urllib.request.Request(f"http://{base}/v1/auth/guest", method="POST", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def print_placements(result, seat):
    """The placements of a match.ended result, best first, marking your seat."""
    for p in sorted(result["placements"], key=lambda p: p["place"]):
        who = "you" if p["seat"] == seat else ("bot" if p["bot"] else p["user_id"])
        print(f"  place {p['place']}: seat {p['seat']} ({who}) {p['stats']}")


async def play_four(ws, rid, mode="four", region="eu"):
    """Queues `ws` (an open, authenticated WebSocket) for `mode` (a mode of the game `four`) and
    plays one game to its end: its own seat's column while it has room (seat 0 stacks column 0,
    seat 1 column 1: against each other, seat 0 wins in four moves), else the first column with
    room. Returns match.ended's data; raises on an error frame."""
    await ws.send(json.dumps({"op": "mm.enqueue", "rid": rid, "d": {"mode": mode, "regions": {region: 20}}}))
    seat, match_id, heights = None, None, [0] * 7
    while True:
        m = json.loads(await ws.recv())
        op, d = m.get("op"), m.get("d", {})
        if op == "match.assigned":
            seat, match_id = d["seat"], d["match_id"]
        elif op in ("match.snapshot", "match.delta") and match_id is not None:
            state = d.get("state") if op == "match.snapshot" else d.get("d")
            if not state:
                continue
            if "rows" in state:
                heights = [sum(row[c] != "." for row in state["rows"]) for c in range(7)]
            elif "column" in state:
                heights[state["column"]] += 1
            if state.get("to_move") == seat and "winner" not in state and "draw" not in state:
                column = seat if heights[seat] < 6 else next(c for c in range(7) if heights[c] < 6)
                await ws.send(json.dumps({"op": "match.input", "rid": rid + 1000 + d.get("tick", 0),
                                          "d": {"match_id": match_id, "d": {"column": column}}}))
        elif op == "match.ended":
            return d
        elif "error" in m:  # a refused enqueue or move would leave the game waiting
            raise RuntimeError(json.dumps(m))
