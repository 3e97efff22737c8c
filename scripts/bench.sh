#!/usr/bin/env bash
# Runs Arena's benchmarks on the release build and prints the figures recorded in
# docs/performance.md. Starts its own server on 127.0.0.1 with a throwaway data dir.
#   SECONDS_PER_RUN=10 CONNECTIONS=64 scripts/bench.sh
#   ARENA=/path/to/other/arena scripts/bench.sh   (the same load against another server build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/bin
arena=${ARENA:-$bin/arena}
secs=${SECONDS_PER_RUN:-10}
conns=${CONNECTIONS:-64}
port=${BENCH_PORT:-18089}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
echo "== JWT (one core): $bin/jwt_bench"
"$bin/jwt_bench" --benchmark_min_time=2 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
echo "== Ratings (one core): $bin/ratings_bench"
"$bin/ratings_bench" --benchmark_min_time=1 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true

data=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$data"' EXIT
"$arena" serve --listen "127.0.0.1:$port" --data-dir "$data" --http-access-log false --log-level warn &
server=$!
for _ in $(seq 50); do curl -sf "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

for mode in device-repeat device-new guest; do
  echo "== logins over HTTP: $bin/arena-bench-login --port $port --connections $conns --seconds $secs --mode $mode"
  "$bin/arena-bench-login" --port "$port" --connections "$conns" --seconds "$secs" --mode "$mode"
done
echo "== server RSS after the runs: $(awk '/VmRSS/{print $2" "$3}' /proc/$server/status)"
kill "$server"; wait "$server" 2>/dev/null || true

# Real time: a fresh server (so idle memory is measured from a clean heap), high message limits.
data2=$(mktemp -d)
"$arena" serve --listen "127.0.0.1:$port" --data-dir "$data2" --http-access-log false --log-level warn \
  --gateway-messages-per-second 1000000 --gateway-message-burst 1000000 \
  --http-max-connections-per-ip 0 --gateway-upgrades-per-ip-burst 10000000 \
  --gateway-upgrades-per-ip-per-minute 100000000 &
server=$!
for _ in $(seq 50); do curl -sf "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
load="$bin/arena-load --port $port --seconds ${LOAD_SECONDS:-5}"
echo "== idle connections: $load --connections ${IDLE_CONNECTIONS:-19000} --workload idle --threads 2 --server-pid $server"
$load --connections "${IDLE_CONNECTIONS:-19000}" --workload idle --threads 2 --server-pid "$server" | head -2
echo "== ping round trips: $load --connections 100 --workload ping"
$load --connections 100 --workload ping | sed -n 2,3p
echo "== channel fan-out: $load --connections 10000 --channels 1000 --workload broadcast --rate 20000"
$load --connections 10000 --channels 1000 --workload broadcast --rate 20000 | sed -n 2,3p
echo "== match input-to-state: $load --workload match --connections 1000 --mode practice --input-ms 100"
$load --workload match --connections 1000 --mode practice --input-ms 100 | sed -n 2,3p
rm -rf "$data2"

# Matchmaking core on one thread (no server): a 100k-ticket queue drained, then steady arrivals.
echo "== matchmaking, 100k queued, drained: $bin/arena-bench-matchmaking --tickets 100000 --arrivals 0 --simulated-seconds 60"
"$bin/arena-bench-matchmaking" --tickets 100000 --arrivals 0 --simulated-seconds 60
echo "== matchmaking, 100k queued + 100k/s arrivals: $bin/arena-bench-matchmaking --tickets 100000 --arrivals 100000 --simulated-seconds 30"
"$bin/arena-bench-matchmaking" --tickets 100000 --arrivals 100000 --simulated-seconds 30

# Match host: 10,000 cycles matches of 8 bots at 20 Hz on the shared scheduler.
echo "== rating jobs on SQLite: $bin/arena-bench-jobs --jobs 20000 --players 10000 --threads 4 --concurrency 1024"
"$bin/arena-bench-jobs" --jobs 20000 --players 10000 --threads 4 --concurrency 1024
echo "== leaderboard reads, 1M entries: $bin/arena-bench-leaderboard --players 1000000 --reads 2000 --counted-reads 20"
"$bin/arena-bench-leaderboard" --players 1000000 --reads 2000 --counted-reads 20
echo "== match host: $bin/arena-bench-host --matches 10000 --seconds 10 --threads 2"
"$bin/arena-bench-host" --matches 10000 --seconds 10 --threads 2

# The router without client sockets: pushes from a Router to sessions on a Gateway, in one
# process (memory bus), then between two NATS clients through a throwaway nats-server.
routing="$bin/arena-bench-routing --users 2000 --messages 1000000 --window 2000"
echo "== router, in process: $routing --bus memory"
$routing --bus memory
nats_dir=$(mktemp -d)
nats_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nats-server -a 127.0.0.1 -p "$nats_port" >"$nats_dir/nats.log" 2>&1 &
nats=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$nats_port") 2>/dev/null && break; sleep 0.1; done
echo "== router, over NATS: $routing --bus nats://127.0.0.1:<port>"
status=0
$routing --bus "nats://127.0.0.1:$nats_port" || status=$?
kill "$nats"; wait "$nats" 2>/dev/null || true
rm -rf "$nats_dir"
exit "$status"
