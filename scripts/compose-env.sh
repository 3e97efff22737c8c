#!/usr/bin/env bash
# Makes the .env the Compose file reads: a copy of .env.example (every Arena setting, commented)
# when the file is missing, plus the secrets the cluster needs when the file does not set them yet:
# ARENA_AUTH_JWT_KEYS (one HS256 key shared by every process), POSTGRES_PASSWORD and
# RABBITMQ_PASSWORD, each random. Never changes a value that is set. Usage: scripts/compose-env.sh [FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-.env}
secret() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }
if [ ! -f "$file" ]; then
  cp .env.example "$file"
  echo "compose-env: wrote $file from .env.example"
fi
add() {  # NAME VALUE: appended unless NAME= is set (uncommented) already
  if ! grep -qE "^(export +)?$1=" "$file"; then
    printf '\n# Added by scripts/compose-env.sh for docker-compose.yml\n%s=%s\n' "$1" "$2" >>"$file"
    echo "compose-env: set $1 in $file"
  fi
}
add ARENA_AUTH_JWT_KEYS "k1:$(secret)"
add POSTGRES_PASSWORD "$(secret)"
add RABBITMQ_PASSWORD "$(secret)"
