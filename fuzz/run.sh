#!/bin/bash
# run.sh - run one fuzz target with its seed corpus and dictionary.
#
#   fuzz/run.sh TARGET [--time S] [--jobs N] [--afl] [--build DIR] [-- ENGINE-ARGS]
#
# TARGET is a name from fuzz/ (fuzz_vm or vm). The libFuzzer build comes
# from `make fuzz` (DIR, default build-fuzz/libfuzzer), the AFL++ one from
# `make fuzz-afl` (build-fuzz/afl; -M main plus -S instances up to N,
# one of them with the cmplog binary). The working corpus is kept in
# DIR/corpus/TARGET; reproducers and crashing inputs go to
# DIR/findings/TARGET/ (fuzz/README.md; each crash input is also turned
# into a JSON reproducer by fuzz/repro.py). Exit status: 0 when the run found
# nothing, 1 when it did, 2 on usage errors.
set -u
usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
target=$1; shift
case "$target" in fuzz_*) ;; *) target="fuzz_$target" ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
time=60 jobs=1 afl=0 build=""
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --afl) afl=1; shift ;;
    --build) build=$2; shift 2 ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
if [ -z "$build" ]; then
  build="$root/build-fuzz/libfuzzer"; [ $afl = 1 ] && build="$root/build-fuzz/afl"
fi
bin="$build/$target"
[ -x "$bin" ] || { echo "run.sh: $bin not built (make fuzz / make fuzz-afl)" >&2; exit 2; }
corpus="$build/corpus/$target" findings="$build/findings/$target" seeds="$build/seeds/$target"
mkdir -p "$corpus" "$findings" "$seeds"
if [ -e "$build/${target}_seed_corpus.zip" ] && [ -z "$(ls -A "$seeds")" ]; then
  python3 -m zipfile -e "$build/${target}_seed_corpus.zip" "$seeds"
fi
export CBPF_FUZZ_REPRO_DIR="$findings"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
dict=(); [ -e "$build/$target.dict" ] && dict=("-dict=$build/$target.dict")
# The [libfuzzer] section of TARGET.options, as OSS-Fuzz passes it.
opts=()
if [ -e "$build/$target.options" ]; then
  while IFS='=' read -r key val; do
    key=${key// /} val=${val// /}
    [ -n "$key" ] && [ "${key#[}" = "$key" ] && opts+=("-$key=$val")
  done < "$build/$target.options"
fi
before=$(ls "$findings" | wc -l)

if [ $afl = 0 ]; then
  par=(); [ "$jobs" -gt 1 ] && par=("-fork=$jobs" "-ignore_crashes=0")
  "$bin" "${par[@]}" -max_total_time="$time" -print_final_stats=1 -timeout=10 \
    -artifact_prefix="$findings/" "${dict[@]}" "${opts[@]}" "$@" "$corpus" "$seeds"
  rc=$?
else
  export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
  export ASAN_OPTIONS="abort_on_error=1:symbolize=0:detect_leaks=0"
  export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:symbolize=0"
  out="$build/afl-out/$target"; mkdir -p "$out"
  adict=(); [ -e "$build/$target.dict" ] && adict=(-x "$build/$target.dict")
  cmplog=(); [ -x "$build/cmplog/$target" ] && cmplog=(-c "$build/cmplog/$target")
  pids=()
  for i in $(seq 0 $((jobs - 1))); do
    if [ "$i" = 0 ]; then role=(-M main "${cmplog[@]}"); else role=(-S "s$i"); fi
    afl-fuzz -i "$seeds" -o "$out" -V "$time" -m none -t 10000+ "${role[@]}" "${adict[@]}" "$@" -- "$bin" \
      > "$out/log.$i" 2>&1 &
    pids+=($!)
  done
  rc=0; for p in "${pids[@]}"; do wait "$p" || rc=1; done
  for d in "$out"/*/crashes; do
    for f in "$d"/id*; do [ -e "$f" ] && cp "$f" "$findings/afl-$(basename "$(dirname "$d")")-$(basename "$f" | tr ',:' '__')"; done
  done
fi
# Every engine crash input also as a JSON reproducer (fuzz/repro.py).
for f in "$findings"/crash-* "$findings"/timeout-* "$findings"/oom-* "$findings"/leak-* \
         "$findings"/afl-*; do
  [ -e "$f" ] && [ "${f%.json}" = "$f" ] && [ ! -e "$f.json" ] &&
    python3 "$root/fuzz/repro.py" "$target" "$f" -o "$f.json"
done
after=$(ls "$findings" | wc -l)
[ "$after" -gt "$before" ] && { echo "run.sh: $target: $((after - before)) new file(s) in $findings" >&2; exit 1; }
[ $rc = 0 ] || exit 1
exit 0
