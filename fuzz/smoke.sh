#!/bin/bash
# smoke.sh - the fuzz smoke test `make test` runs (via `make fuzz-smoke`):
# every target built by fuzz/oss-fuzz/build.sh (OSS-Fuzz's variables set
# locally by `make fuzz`) first runs each input of its seed corpus
# (TARGET_seed_corpus.zip), then fuzzes for SECONDS, two targets at a time.
# Fails on any crash, sanitizer report or divergence reproducer.
#
#   fuzz/smoke.sh BUILD_DIR [SECONDS]
set -u
build=${1:?usage: fuzz/smoke.sh BUILD_DIR [SECONDS]}
secs=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
par=${FUZZ_SMOKE_PAR:-$(nproc)}
logdir="$build/smoke"
rm -rf "$logdir" "$build/findings"
mkdir -p "$logdir"

one() {
  local t=$1 seeds="$build/seeds/$1" rc
  rm -rf "$seeds"; mkdir -p "$seeds"
  python3 -m zipfile -e "$build/${t}_seed_corpus.zip" "$seeds" || return 1
  mkdir -p "$build/findings/$t"
  # Every seed once: what OSS-Fuzz checks before fuzzing.
  CBPF_FUZZ_REPRO_DIR="$build/findings/$t" "$build/$t" -runs=0 -timeout=10 \
    -artifact_prefix="$build/findings/$t/" "$seeds" > "$logdir/$t.seeds.log" 2>&1 || return 1
  "$root/fuzz/run.sh" "$t" --time "$secs" --build "$build" > "$logdir/$t.log" 2>&1
  rc=$?
  return $rc
}

targets=$(cd "$build" && ls fuzz_* | grep -v '\.' )
status=0
running=0
declare -A pids
for t in $targets; do
  one "$t" & pids[$t]=$!
  running=$((running + 1))
  if [ $running -ge "$par" ]; then wait -n; running=$((running - 1)); fi
done
for t in $targets; do
  if wait "${pids[$t]}"; then
    execs=$(grep -h 'stat::number_of_executed_units' "$logdir/$t.log" | awk '{print $2}')
    rate=$(grep -h 'stat::average_exec_per_sec' "$logdir/$t.log" | awk '{print $2}')
    printf 'fuzz-smoke: %-22s ok   %10s execs %8s exec/s\n' "$t" "$execs" "$rate"
  else
    printf 'fuzz-smoke: %-22s FAIL (logs: %s/%s*.log)\n' "$t" "$logdir" "$t"
    grep -h 'cbpf-fuzz:\|SUMMARY\|ERROR' "$logdir/$t".*log "$logdir/$t.log" 2>/dev/null | head -5
    status=1
  fi
done
exit $status
