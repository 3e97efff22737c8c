#!/usr/bin/env bash
# Runs the libFuzzer targets of the fuzz preset (build/fuzz/bin/*_fuzz) over their seeds in
# fuzz/corpus/<target>/. Usage: scripts/fuzz.sh SECONDS [TARGET...]   (default: every target)
# New inputs a run finds go to a temporary directory, not the repository; a crash leaves its
# input in build/fuzz/artifacts/ and makes the script fail. Add such an input to the target's
# corpus once it is fixed, so every later run replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi
mkdir -p build/fuzz/artifacts
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
passed=0
for t in "${targets[@]}"; do
  bin=build/fuzz/bin/${t}_fuzz
  [ -x "$bin" ] || { echo "fuzz: $bin is not built (cmake --build --preset fuzz --target fuzz_targets)"; exit 2; }
  mkdir -p "$work/$t"
  log="$work/$t.log"
  if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="build/fuzz/artifacts/${t}-" "$work/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
    runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    echo "fuzz: $t ok: $runs runs in ${secs}s, $cov, $(ls "$work/$t" | wc -l) new inputs"
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "fuzz: $t FAILED; the input is in build/fuzz/artifacts/, the log follows"
    grep -v '^#' "$log" | tail -40
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
