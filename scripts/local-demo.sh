#!/usr/bin/env bash
# The whole cluster on one machine, from Debian's packages and no Docker (make demo):
# nats-server (JetStream on), redis-server and a throwaway PostgreSQL, each on a free loopback
# port in a temp dir; the migrations; every role as its own process (two auth+gateway
# processes, two sessions, two matchmakers (one leads), two hosts, two workers); then a bot swarm
# (arena-load's match workload: guests log in, connect to either gateway, queue for duels and
# play them, again and again; every --move-every seconds in a match a player drops its socket and
# resumes on the other gateway, checking that its pushes' seq runs on without a gap) with live
# progress and a final scorecard. Ctrl-C (or the end of --seconds) stops everything it started and
# removes the temp dir.
#
#   scripts/local-demo.sh [--seconds 60] [--players 200] [--mode duel] [--move-every 3] [--bin build/bin]
set -euo pipefail

seconds=60
players=200
mode=duel
move_every=3
bin=build/bin
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --players) players=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    --move-every) move_every=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "local-demo: unknown argument '$1' (use: --seconds N --players N --mode M --move-every S --bin DIR)" >&2; exit 2 ;;
  esac
done
case "$seconds$players$move_every" in *[!0-9]*) echo "local-demo: --seconds, --players and --move-every are whole numbers" >&2; exit 2 ;; esac
[ "$seconds" -ge 1 ] && [ "$seconds" -le 600 ] || { echo "local-demo: --seconds is 1..600" >&2; exit 2; }
[ "$players" -ge 2 ] && [ "$players" -le 10000 ] || { echo "local-demo: --players is 2..10000" >&2; exit 2; }

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
for need in "$bin/arena" "$bin/arena-load" /usr/bin/redis-server "$pg_bin/initdb"; do
  [ -x "$need" ] || { echo "local-demo: $need is missing (make demo installs and builds everything)" >&2; exit 1; }
done
nats=$(command -v nats-server || true)
[ -n "$nats" ] || { echo "local-demo: nats-server is missing (make demo installs it)" >&2; exit 1; }

dir=$(mktemp -d /tmp/arena-demo.XXXXXX)
chmod 755 "$dir"
pids=()
pg_data="$dir/pg"

stop_pids() {  # TERM, then (after up to 5 s each) KILL
  for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "$@"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
}
cleanup() {
  trap - EXIT INT TERM
  stop_pids "${pids[@]}"
  # PostgreSQL runs under su when we are root: stop the postmaster itself (su passes no signal on).
  if [ -f "$pg_data/postmaster.pid" ]; then stop_pids "$(head -1 "$pg_data/postmaster.pid")"; fi
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'echo; echo "local-demo: stopping"; exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {  # bounded: 20 s
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "local-demo: nothing listens on port $1 ($2); its log: $dir/$2.log" >&2
  tail -20 "$dir/$2.log" >&2 || true
  exit 1
}
as_owner() {  # PostgreSQL refuses to run as root
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

echo "local-demo: starting NATS, Redis and PostgreSQL in $dir"
nats_port=$(free_port)
"$nats" -a 127.0.0.1 -p "$nats_port" -js -sd "$dir/js" >"$dir/nats.log" 2>&1 &
pids+=($!)
redis_port=$(free_port)
/usr/bin/redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir" --save "" --appendonly no \
  >"$dir/redis.log" 2>&1 &
pids+=($!)
pg_port=$(free_port)
mkdir -p "$pg_data"
[ "$(id -u)" -eq 0 ] && chown postgres "$pg_data"
as_owner "'$pg_bin/initdb' -D '$pg_data' -U arena -A trust -E UTF8 --locale=C --no-sync" >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
as_owner "exec '$pg_bin/postgres' -D '$pg_data' -p $pg_port -k '$pg_data' -c listen_addresses=127.0.0.1 -c fsync=off" \
  >"$dir/postgres.log" 2>&1 &
pids+=($!)
wait_port "$nats_port" nats
wait_port "$redis_port" redis
wait_port "$pg_port" postgres

db="postgres://arena@127.0.0.1:$pg_port/postgres"
"$bin/arena" migrate up --database "$db" >"$dir/migrate.log" 2>&1 || { cat "$dir/migrate.log" >&2; exit 1; }
keys="k1:$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"

declare -A port_of pid_of
names=()
start_role() {  # name roles
  local name=$1 roles=$2 port
  port=$(free_port)
  "$bin/arena" serve --node-id "$name" --roles "$roles" --listen "127.0.0.1:$port" --data-dir "$dir/$name" \
    --bus "nats://127.0.0.1:$nats_port" --database "$db" --redis "redis://127.0.0.1:$redis_port" \
    --auth-jwt-keys "$keys" --http-access-log false --log-level warn >"$dir/$name.log" 2>&1 &
  pids+=($!)
  pid_of[$name]=$!
  port_of[$name]=$port
  names+=("$name")
}
start_role sessions-1 sessions
start_role sessions-2 sessions
start_role matchmaker-1 matchmaker
start_role matchmaker-2 matchmaker
start_role host-1 host
start_role host-2 host
start_role worker-1 worker
start_role worker-2 worker
start_role gateway-1 auth,gateway
start_role gateway-2 auth,gateway
for n in "${names[@]}"; do wait_port "${port_of[$n]}" "$n"; done
echo "local-demo: ${#names[@]} Arena processes up: ${names[*]}"
echo "local-demo: gateways on 127.0.0.1:${port_of[gateway-1]} and 127.0.0.1:${port_of[gateway-2]}"

# The sum of a metric over some processes (0 when none has it yet).
metric_sum() {  # pattern name...
  local pattern=$1 total=0 v
  shift
  for n in "$@"; do
    v=$(curl -s --max-time 2 "http://127.0.0.1:${port_of[$n]}/metrics" | awk -v p="$pattern" 'index($0, p) == 1 {s += $NF} END {print s + 0}')
    total=$(awk -v a="$total" -v b="$v" 'BEGIN {print a + b}')
  done
  echo "$total"
}

echo "local-demo: $players players for ${seconds}s in mode $mode (arena-load --workload match)"
"$bin/arena-load" --port "${port_of[gateway-1]}" --ws-ports "${port_of[gateway-1]},${port_of[gateway-2]}" \
  --connections "$players" --workload match --mode "$mode" --move-every "$move_every" --seconds "$seconds" --json "$dir/load.json" \
  >"$dir/load.log" 2>&1 &
load_pid=$!
pids+=($load_pid)
start=$(date +%s)
while kill -0 "$load_pid" 2>/dev/null; do
  sleep 2
  printf 'local-demo: %3ss  online %s  matches ended %s  rating jobs done %s\n' "$(($(date +%s) - start))" \
    "$(metric_sum 'gateway_sessions_open' gateway-1 gateway-2)" \
    "$(metric_sum 'game_matches_ended_total{' host-1 host-2)" \
    "$(metric_sum 'arena_jobs_total{queue="ratings",kind="rating.update",outcome="succeeded"}' worker-1 worker-2)"
done
wait "$load_pid" || { echo "local-demo: arena-load failed:" >&2; cat "$dir/load.log" >&2; exit 1; }

# Results finished in the last seconds are rated within a poll or two: wait for the queue (bounded).
for _ in $(seq 1 50); do
  pending=$("$bin/arena" jobs list --kind rating.update --state available --database "$db" 2>/dev/null | grep -c $'\tavailable\t' || true)
  [ "$pending" -eq 0 ] && break
  sleep 0.2
done

json() { python3 -c "import json,sys; d=json.load(open('$dir/load.json')); print($1)"; }
echo
echo "=== Arena local demo: scorecard ==="
echo "players            $(json 'd["connections_held"]') connected of $players ($(json 'd["connections_failed"]') failed)"
echo "matches played     $(metric_sum 'game_matches_ended_total{' host-1 host-2)"
echo "ratings changed    $(metric_sum 'arena_jobs_total{queue="ratings",kind="rating.update",outcome="succeeded"}' worker-1 worker-2) rating jobs done"
echo "inputs             $(json 'd["sent"]') sent, $(json 'd["delivered"]') answered by a new state, $(json 'd["errors"]') errors"
echo "input latency      p50 $(json 'd["latency_us"]["p50"]/1000') ms  p99 $(json 'd["latency_us"]["p99"]/1000') ms  p99.9 $(json 'd["latency_us"]["p999"]/1000') ms"
echo "reconnects         $(json 'd["moves"]') resumed on the other gateway, $(json 'd["move_failures"]') failed, $(json 'd["seq_gaps"]') seq gaps"
echo "process            CPU s    RSS MiB"
for n in "${names[@]}"; do
  p=${pid_of[$n]}
  cpu=$(awk -v t="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / t}' "/proc/$p/stat" 2>/dev/null || echo "-")
  rss=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$p/status" 2>/dev/null || echo "-")
  printf '%-18s %6s   %7s\n' "$n" "$cpu" "$rss"
done
