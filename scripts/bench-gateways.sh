#!/usr/bin/env bash
# Two gateways over real NATS (JetStream on) and Redis, for routing and session-move benchmarks
# (docs/performance.md): starts nats-server, redis-server, one auth+sessions process and two
# gateways on free loopback ports in a temp dir, runs arena-load against both gateways with the
# arguments after --, prints its report and each process's CPU seconds, and stops everything.
#
#   scripts/bench-gateways.sh [--move-sessions true|false] [--write-delay 0ms] [--arena-arg ARG]... [--bin build/bin] \
#     -- --workload broadcast ...
# (--arena-arg: one more argument for every arena process, e.g. --arena-arg --http-threads --arena-arg 1)
set -euo pipefail
move=true
write_delay=0ms
extra=()
bin=build/bin
while [ $# -gt 0 ]; do
  case "$1" in
    --move-sessions) move=$2; shift 2 ;;
    --write-delay) write_delay=$2; extra+=(--gateway-write-delay "$2"); shift 2 ;;
    --arena-arg) extra+=("$2"); shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "bench-gateways: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
nats=$(command -v nats-server) || { echo "bench-gateways: nats-server is missing" >&2; exit 1; }
dir=$(mktemp -d /tmp/arena-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "bench-gateways: nothing listens on $1 ($2)" >&2; tail -20 "$dir/$2.log" >&2; exit 1
}
nats_port=$(free_port)
"$nats" -a 127.0.0.1 -p "$nats_port" -js -sd "$dir/js" >"$dir/nats.log" 2>&1 &
pids+=($!); nats_pid=$!
redis_port=$(free_port)
/usr/bin/redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir" --save "" --appendonly no >"$dir/redis.log" 2>&1 &
pids+=($!); redis_pid=$!
wait_port "$nats_port" nats
wait_port "$redis_port" redis
keys="k1:$(python3 -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="))')"
declare -A port_of pid_of
start() {  # name roles
  local port; port=$(free_port)
  "$bin/arena" serve --node-id "$1" --roles "$2" --listen "127.0.0.1:$port" --data-dir "$dir/$1" \
    --bus "nats://127.0.0.1:$nats_port" --redis "redis://127.0.0.1:$redis_port" --gateway-move-sessions "$move" "${extra[@]}" \
    --auth-ip-burst 1000000 --auth-ip-per-minute 1000000 --gateway-upgrades-per-ip-burst 1000000 \
    --gateway-upgrades-per-ip-per-minute 1000000 --gateway-max-sessions-per-user 1000 \
    --auth-jwt-keys "$keys" --http-access-log false --log-level warn >"$dir/$1.log" 2>&1 &
  pids+=($!); pid_of[$1]=$!; port_of[$1]=$port
}
start core auth,sessions
start gw-1 gateway
start gw-2 gateway
for n in core gw-1 gw-2; do wait_port "${port_of[$n]}" "$n"; done
TIMEFORMAT='load   cpu %2U s user + %2S s system (the load tool itself)'
time "$bin/arena-load" --port "${port_of[core]}" --ws-ports "${port_of[gw-1]},${port_of[gw-2]}" "$@"
echo "move_sessions=$move write_delay=$write_delay"
for n in core gw-1 gw-2; do
  awk -v n="$n" -v t="$(getconf CLK_TCK)" '{printf "%-6s cpu %.1f s\n", n, ($14 + $15) / t}' "/proc/${pid_of[$n]}/stat"
done
for p in nats:$nats_pid redis:$redis_pid; do
  awk -v n="${p%%:*}" -v t="$(getconf CLK_TCK)" '{printf "%-6s cpu %.1f s\n", n, ($14 + $15) / t}' "/proc/${p##*:}/stat"
done
