#!/usr/bin/env bash
# GraphQL against REST for the same data, in one run (docs/performance.md, issue 14): a leaderboard
# page (20 entries) and a profile with its last 10 matches, on the release build with a throwaway
# data dir. Seeds PLAYERS score entries and GAMES rated games (bench/seed_api.py), then runs
# arena-bench-api for each way of reading.
#   SECONDS_PER_RUN=10 CONNECTIONS=32 PLAYERS=200 GAMES=10 scripts/bench-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-build/bin}
secs=${SECONDS_PER_RUN:-10}
conns=${CONNECTIONS:-32}
port=${BENCH_PORT:-18091}
key=bench-api-server-key-0123456789abcdef

data=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$data"' EXIT
"$bin/arena" serve --config bench/api.toml --listen "127.0.0.1:$port" --data-dir "$data" --http-access-log false \
  --log-level warn --auth-ip-burst 100000 --auth-ip-per-minute 100000 &
server=$!
for _ in $(seq 50); do curl -sf "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
player=$(/usr/bin/python3 bench/seed_api.py "$port" "$key" "${PLAYERS:-200}" "${GAMES:-10}")
for _ in $(seq 100); do  # the last game's rating job
  [ "$(curl -s "127.0.0.1:$port/v1/players/$player" | grep -o '"games":[0-9]*')" = "\"games\":${GAMES:-10}" ] && break
  sleep 0.1
done

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $conns connections, ${secs} s each"
entry='rank userId displayName region updatedAt score subscore'
played='matchId mode game startedAt endedAt place placements { seat userId bot team place stats } rating { before after outcome }'
run() {
  echo "== $1"
  shift
  "$bin/arena-bench-api" --port "$port" --connections "$conns" --seconds "$secs" "$@" &
  local load=$!
  local before; before=$(awk '{print $14+$15}' "/proc/$server/stat")
  wait "$load"
  local after; after=$(awk '{print $14+$15}' "/proc/$server/stat")
  echo "server CPU: $(( (after - before) * 100 / $(getconf CLK_TCK) / secs ))% of one core"
}
run "leaderboard page over REST" --get "/v1/leaderboards/coins?limit=20"
run "leaderboard page over GraphQL" \
  --graphql "{ leaderboard(board: \"coins\", first: 20) { board season region nodes { $entry } pageInfo { hasNextPage endCursor } } }"
run "profile with 10 matches over REST (2 requests)" --get "/v1/players/$player" --get "/v1/players/$player/matches?limit=10"
run "profile with 10 matches over GraphQL (1 request)" \
  --graphql "{ player(id: \"$player\") { userId displayName createdAt lastSeen modes { mode model rating rank games wins losses draws } matches(first: 10) { nodes { $played } pageInfo { hasNextPage endCursor } } } }"
