#!/bin/bash -eu
# build.sh - builds every fuzz target in OSS-Fuzz's conventions: compiler
# $CC with $CFLAGS, engine $LIB_FUZZING_ENGINE, output in $OUT (binaries,
# TARGET_seed_corpus.zip, TARGET.dict, TARGET.options). OSS-Fuzz and
# ClusterFuzzLite run it as is; `make fuzz`, `make fuzz-afl` and the smoke
# test run it locally with those variables set (fuzz/README.md).
#
# Optional: CBPF_SRC (the source tree; default: $SRC/cbpf when it exists,
# else two levels above this script), WORK (scratch directory for objects;
# default $OUT/obj).
if [ -n "${CBPF_SRC:-}" ]; then
  SRC_TREE=$CBPF_SRC
elif [ -n "${SRC:-}" ] && [ -d "$SRC/cbpf/fuzz" ]; then
  SRC_TREE=$SRC/cbpf                 # OSS-Fuzz: this script runs as $SRC/build.sh
else
  SRC_TREE=$(cd "$(dirname "$0")/../.." && pwd)
fi
OUT=${OUT:?set OUT}
CC=${CC:-clang}
CFLAGS=${CFLAGS:-}
LIB_FUZZING_ENGINE=${LIB_FUZZING_ENGINE:?set LIB_FUZZING_ENGINE}
OBJ=${WORK:-$OUT/obj}/cbpf-fuzz-obj
PYTHON=${PYTHON:-python3}
JOBS=${JOBS:-$(nproc)}

mkdir -p "$OUT" "$OBJ"
OUT=$(cd "$OUT" && pwd)   # absolute: the seed zips are written from inside other dirs
OBJ=$(cd "$OBJ" && pwd)
WARN="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-command-line-argument"
INC="-I$SRC_TREE/include -I$SRC_TREE/lib -I$SRC_TREE/lib/support -I$SRC_TREE/kernel_cmp"
INC="$INC -I$SRC_TREE/testsupport -I$SRC_TREE/fuzz"

# The fuzz helpers (fz_*.c) and a few library loops get no coverage
# instrumentation in libFuzzer builds: fuzz/sancov-ignore.txt says which and why.
HELPER_CFLAGS=
case "$CFLAGS" in
  *fuzzer-no-link*|*sanitize-coverage*)
    HELPER_CFLAGS="-fsanitize-coverage-ignorelist=$SRC_TREE/fuzz/sancov-ignore.txt" ;;
esac

# The library, the kernel oracles, the test support (testsupport/: the PRNG
# the mutator draws from, the generator rawrate uses) and the fuzz helpers:
# one archive.
# An object is rebuilt when its source, any header, the ignore list or
# this script is newer than it.
mapfile -t lib_h < <(find "$SRC_TREE/lib" -name '*.h')
mapfile -t lib_c < <(find "$SRC_TREE/lib" -name '*.c' | sort)
newest_h=$(ls -t "$SRC_TREE"/include/cbpf/*.h "${lib_h[@]}" "$SRC_TREE"/kernel_cmp/*.h \
  "$SRC_TREE"/testsupport/*.h "$SRC_TREE"/fuzz/*.h "$SRC_TREE"/fuzz/sancov-ignore.txt \
  "$SRC_TREE"/fuzz/oss-fuzz/build.sh | head -n 1)
objs=()
cmds=()
for src in "${lib_c[@]}" "$SRC_TREE"/kernel_cmp/*.c "$SRC_TREE"/testsupport/*.c \
           "$SRC_TREE"/fuzz/fz_*.c; do
  rel=${src#"$SRC_TREE"/}
  obj="$OBJ/$(printf '%s' "${rel%.c}" | tr / _).o"
  objs+=("$obj")
  if [ ! -e "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_h" -nt "$obj" ]; then
    cmds+=("$CC $WARN $CFLAGS $HELPER_CFLAGS $INC -c $src -o $obj")
  fi
done
if [ ${#cmds[@]} -gt 0 ]; then
  printf '%s\n' "${cmds[@]}" | xargs -P "$JOBS" -I{} sh -c '{}'
fi
rm -f "$OBJ/libcbpf_fuzz.a"
ar rcs "$OBJ/libcbpf_fuzz.a" "${objs[@]}"

# The generated half of the dictionaries (fuzz/dict_gen.c), from the opcode
# table; built without sanitizers or fuzzing flags (it only prints).
$CC $WARN -O1 $INC "$SRC_TREE/fuzz/dict_gen.c" $(find "$SRC_TREE/lib" -name '*.c' | sort) \
  -o "$OBJ/dict_gen" -lm
# The library-printed text seeds (tcpdump -d, bpf_asm) for fuzz/seeds.py.
$CC $WARN -O1 $INC "$SRC_TREE/fuzz/seed_text.c" $(find "$SRC_TREE/lib" -name '*.c' | sort) \
  -o "$OBJ/seed_text" -lm

# One binary per fuzz/fuzz_*.c, with its dictionary (hand-written tokens of
# fuzz/dict/KIND.dict plus `dict_gen KIND`) and options.
for src in "$SRC_TREE"/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  libs="-lm -lpthread"
  case "$name" in *pcap*) libs="-lpcap $libs" ;; esac
  $CC $WARN $CFLAGS $INC -c "$src" -o "$OBJ/$name.o"
  $CC $CFLAGS "$OBJ/$name.o" -o "$OUT/$name" $LIB_FUZZING_ENGINE "$OBJ/libcbpf_fuzz.a" $libs
  case "$name" in fuzz_asm) kind=asm ;; fuzz_text) kind=text ;; *) kind=binary ;; esac
  { cat "$SRC_TREE/fuzz/dict/$kind.dict"; "$OBJ/dict_gen" "$kind"; } > "$OUT/$name.dict.tmp"
  mv "$OUT/$name.dict.tmp" "$OUT/$name.dict"
  [ -e "$SRC_TREE/fuzz/options/$name.options" ] && cp "$SRC_TREE/fuzz/options/$name.options" "$OUT/"
done

# The raw kernel rates fuzz/bench.py compares the kernel targets with
# (a helper, kept out of $OUT so that it is not taken for a fuzz target).
$CC $WARN $CFLAGS $INC "$SRC_TREE/fuzz/rawrate.c" -o "$OBJ/rawrate" "$OBJ/libcbpf_fuzz.a" -lm -lpthread \
  || echo "build.sh: rawrate not built (only fuzz/bench.py needs it)" >&2

# Seed corpora: drawn from corpus/ plus fuzz/seeds/, zipped per target.
rm -rf "$OBJ/seeds"
"$PYTHON" "$SRC_TREE/fuzz/seeds.py" --src "$SRC_TREE" --out "$OBJ/seeds" --printer "$OBJ/seed_text"
for dir in "$OBJ/seeds"/*/; do
  name=$(basename "$dir")
  rm -f "$OUT/${name}_seed_corpus.zip"
  (cd "$dir" && "$PYTHON" -m zipfile -c "$OUT/${name}_seed_corpus.zip" .)
done
