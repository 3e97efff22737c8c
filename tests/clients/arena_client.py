"""What every client script here shares: a guest login over REST."""
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
