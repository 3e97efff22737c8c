#!/usr/bin/env bash
# A short, bounded run of the local demo (scripts/local-demo.sh) with the binaries given: the whole
# cluster comes up, the swarm plays, matches are rated, the scorecard says so, and nothing the demo
# started is left running.
set -euo pipefail
bin=$1
out=$("$(dirname "$0")/../scripts/local-demo.sh" --bin "$bin" --seconds 6 --players 20 2>&1) || {
  echo "$out"
  exit 1
}
echo "$out"
fail() { echo "FAILED: $1" >&2; exit 1; }
grep -q "^players            20 connected of 20 (0 failed)" <<<"$out" || fail "not every player connected"
matches=$(awk '/^matches played/ {print $3}' <<<"$out")
rated=$(awk '/^ratings changed/ {print $3}' <<<"$out")
[ "${matches:-0}" -gt 0 ] || fail "no match was played"
[ "${rated:-0}" -gt 0 ] || fail "no match was rated"
moves=$(awk '/^reconnects/ {print $2}' <<<"$out")
[ "${moves:-0}" -gt 0 ] || fail "no player moved to the other gateway"
grep -q "^reconnects .* 0 failed, 0 seq gaps" <<<"$out" || fail "a move failed or lost a push"
[ "$(grep -c '^gateway-\|^host-\|^worker-\|^sessions-\|^matchmaker-' <<<"$out")" -eq 10 ] || fail "not 10 processes in the scorecard"
dir=$(sed -n 's/^local-demo: starting NATS, Redis and PostgreSQL in //p' <<<"$out")
[ -n "$dir" ] && [ ! -e "$dir" ] || fail "the demo left $dir behind"
if pgrep -f -- "$dir" >/dev/null; then fail "the demo left processes running"; fi
echo "local demo: $matches matches played, $rated rated, $moves players moved gateways"
