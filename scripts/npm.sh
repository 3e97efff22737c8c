#!/usr/bin/env bash
# Installs the npm packages of each directory given (web, tools/js) exactly as its committed
# package-lock.json pins them (npm ci), when they are missing or the lock file changed since.
# Install scripts never run (--ignore-scripts): these packages ship files and tools, nothing to build.
# Usage: scripts/npm.sh DIR...
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in "$@"; do
  stamp="$dir/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ]; then
    continue
  fi
  echo "npm: installing $dir (npm ci)"
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
done
