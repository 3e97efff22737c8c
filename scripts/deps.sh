#!/usr/bin/env bash
# Installs the Debian 12 packages Arena needs to build, test and run, skipping those present.
# Non-interactive; safe to run repeatedly. Usage: scripts/deps.sh [deploy|test] [--check]
#   scripts/deps.sh        what building and running Arena embedded needs (make run, make build)
#   scripts/deps.sh deploy that, and the tools that check the deployment files (make lint):
#                          promtool, docker-compose, yamllint, Go with gopkg.in/yaml.v3
#   scripts/deps.sh test   those, and the servers only tests and the demo start (make test, make demo):
#                          PostgreSQL, Redis, RabbitMQ
set -euo pipefail

group=build
check=false
for arg in "$@"; do
  case "$arg" in
    test) group=test ;;
    deploy) group=deploy ;;
    --check) check=true ;;
    *) echo "deps: unknown argument '$arg' (use: [deploy|test] [--check])" >&2; exit 2 ;;
  esac
done

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache git
  # libraries (see README "Dependencies" for why each is here)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsodium-dev libsqlite3-dev sqlite3
  # cluster mode's durable store: the PostgreSQL client library; its shared state: Redis's
  libpq-dev libhiredis-dev
  # the game events stream on RabbitMQ (events.broker = amqp://): rabbitmq-c
  librabbitmq-dev
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  # cluster mode: NATS client library and, for tests, the server
  libnats-dev nats-server
  # match host: the gRPC bot-policy adapter (proto/arena/bot/v1/policy.proto)
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev curl python3 python3-websockets
  # fuzz targets (clang + libFuzzer runtime); the TSan tier uses GCC's libtsan2
  clang libclang-rt-14-dev libtsan2
  # lint and format
  clang-tidy clang-format cppcheck
)

# Node.js and npm: the Swagger UI files the server serves (web/) and the API checks of make test
# (tools/js/), installed with npm ci from their package-lock.json by scripts/npm.sh. Debian's
# packages unless a Node.js with npm is already installed.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

# The checks of the deployment files (scripts/check-deploy.sh): they run no server.
if [ "$group" = deploy ] || [ "$group" = test ]; then
  packages+=(
    prometheus  # promtool: check config, check rules, test rules (the package's server is not started)
    docker-compose  # docker-compose config on docker-compose.yml (no Docker daemon is used)
    yamllint
    golang-go golang-gopkg-yaml.v3-dev  # tools/helm-render: Helm's template engine for the chart
  )
fi

# Servers that only tests start, each on a free loopback port in a temp dir.
if [ "$group" = test ]; then
  packages+=(
    postgresql  # storage and cluster tests (tier pg); the package's own cluster is not used
    redis-server  # shared-state tests (tier redis); the package's own server is not used
    rabbitmq-server  # events stream tests (tier rabbitmq); the package's own node is not started
  )
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} Debian packages present"
  exit 0
fi

if [ "$check" = true ]; then
  echo "deps: missing: ${missing[*]}"
  exit 1
fi

echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo_cmd=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo_cmd=(sudo -n)
else
  cat >&2 <<MSG
deps: these Debian packages are missing and this user cannot install them:
  ${missing[*]}
Run as root (or a user with passwordless sudo):
  sudo apt-get install -y ${missing[*]}
then run the make command again.
MSG
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when an install fails on stale ones.
if ! "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
