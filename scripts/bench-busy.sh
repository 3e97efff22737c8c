#!/usr/bin/env bash
# Ping round trips of real-time clients while the rest of one embedded process is busy
# (docs/performance.md, "Busy process"). Phases, each a fresh arena-load run against one server:
#   idle       ping only
#   logins     ping + LOGINS guest logins/s (nothing queued yet)
#   held       ping, with HOLD_TICKETS party tickets queued (queued once, before this phase)
#   held+mm    ping + MM_OPS client matchmaking ops/s while the tickets are held
#   held+logins ping + LOGINS guest logins/s (tickets still held)
#   held+mm+logins all of it at once
#   ARENA=path/to/arena HOLD_TICKETS=100000 scripts/bench-busy.sh   (make bench-busy)
set -euo pipefail
cd "$(dirname "$0")/.."
arena=${ARENA:-build/bin/arena}
load=build/bin/arena-load
port=${BENCH_PORT:-18090}
secs=${SECONDS_PER_RUN:-15}
hold=${HOLD_TICKETS:-100000}
mm=${MM_OPS:-100}
logins=${LOGINS:-2000}
rate=${PING_RATE:-2000}
data=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$data"' EXIT
"$arena" serve --config bench/hold.toml --listen "127.0.0.1:$port" --data-dir "$data" --http-access-log false \
  --log-level warn --gateway-messages-per-second 1000000 --gateway-message-burst 1000000 \
  --http-max-connections-per-ip 0 --gateway-upgrades-per-ip-burst 10000000 \
  --gateway-upgrades-per-ip-per-minute 100000000 --gateway-resume-window 1h --gateway-resume-buffer 16 &
server=$!
for _ in $(seq 50); do curl -sf "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); server $arena"
ping="$load --port $port --workload ping --connections 100 --rate $rate --seconds $secs"
rounds() {  # mean and count of matchmaking rounds so far (servers without the histogram: n/a)
  curl -s "127.0.0.1:$port/metrics" | awk '/^matchmaking_round_seconds_sum/{s=$2} /^matchmaking_round_seconds_count/{c=$2}
    END{if (c) printf "rounds so far %d, mean %.0f ms\n", c, 1000*s/c; else print "rounds: n/a"}'
}
phase() {
  local name=$1; shift
  echo "== $name: $ping $*"
  $ping "$@" | grep -v '^{'
  rounds
}
phase idle
phase logins --logins-per-second "$logins"
phase held --hold-tickets "$hold"
phase held+mm --mm-ops-per-second "$mm"
phase held+logins --logins-per-second "$logins"
phase held+mm+logins --mm-ops-per-second "$mm" --logins-per-second "$logins"
echo "== server RSS: $(awk '/VmRSS/{print $2" "$3}' /proc/$server/status)"
