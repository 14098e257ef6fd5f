#!/bin/sh
# check.sh BUILD_DIR SRC_DIR - the installed library as a user sees it:
#   1. `cmake --install` into a fresh prefix installs only include/cbpf/
#      headers, the libraries and cbpf.pc (no private lib/ header);
#   2. every installed header compiles on its own, and <cbpf/cbpf.h>
#      includes every one of them;
#   3. consumer.c builds with only `pkg-config --cflags --libs cbpf` and
#      prints the expected verdict;
#   4. `nm -D --defined-only libcbpf.so` is exactly the set of functions the
#      installed headers declare CBPF_API (the `static inline` ones, such as
#      cbpf_vm_run(), are not exports: consumer.c calls it from the header).
# $CBPF_SAN_FLAGS carries the sanitizer flags of a sanitized build.
set -eu
build=$1 src=$2
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install-check: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
inc="$tmp/prefix/include"
lib=$(dirname "$(find "$tmp/prefix" -name libcbpf.so -print -quit)")
[ -n "$lib" ] || fail "libcbpf.so not installed"

# 1. installed headers are exactly include/cbpf/*.h
(cd "$src/include" && ls cbpf/*.h) | sort > "$tmp/want.h"
(cd "$inc" && find . -name '*.h' | sed 's|^\./||') | sort > "$tmp/got.h"
cmp -s "$tmp/want.h" "$tmp/got.h" || { diff "$tmp/want.h" "$tmp/got.h" >&2; fail "installed headers differ from include/cbpf/"; }

# 2. each header stands alone; cbpf.h includes all of them
for h in $(cat "$tmp/want.h"); do
	printf '#include <%s>\n' "$h" > "$tmp/one.c"
	$cc -std=c11 -Wall -Wextra -Werror -I"$inc" -c "$tmp/one.c" -o "$tmp/one.o" \
		|| fail "$h does not compile on its own"
	case $h in cbpf/cbpf.h) continue ;; esac
	grep -q "#include \"$h\"" "$inc/cbpf/cbpf.h" || fail "cbpf/cbpf.h does not include $h"
done

# 3. a consumer with pkg-config alone
export PKG_CONFIG_PATH="$lib/pkgconfig"
flags=$(pkg-config --cflags --libs cbpf) || fail "pkg-config cannot find cbpf"
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -Werror ${CBPF_SAN_FLAGS:-} "$src/tests/install/consumer.c" \
	-o "$tmp/consumer" $flags || fail "consumer.c does not build with: $flags"
out=$(LD_LIBRARY_PATH="$lib" ASAN_OPTIONS=detect_leaks=0 "$tmp/consumer")
[ "$out" = "verdict 14 OK" ] || fail "consumer printed '$out', expected 'verdict 14 OK'"
LD_LIBRARY_PATH="$lib" ldd "$tmp/consumer" | grep -q "$lib/libcbpf.so" || fail "consumer did not link the installed libcbpf.so"

# 4. exported symbols == CBPF_API declarations
nm -D --defined-only "$lib/libcbpf.so" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort > "$tmp/exported"
cat "$inc"/cbpf/*.h | tr '\n' ' ' | sed 's/;/;\n/g' | grep 'CBPF_API ' \
	| sed 's/.*CBPF_API //; s/(.*//; s/.*[ *]//' | grep '^cbpf_' | sort -u > "$tmp/declared"
if ! cmp -s "$tmp/exported" "$tmp/declared"; then
	echo "exported (<) vs declared CBPF_API (>):" >&2
	diff "$tmp/exported" "$tmp/declared" >&2 || true
	fail "libcbpf.so exports differ from the public headers"
fi
echo "install-check: $(wc -l < "$tmp/exported") exported functions, all declared; consumer ok"
