# lib.sh: shared by the benchmarks (sourced).  Data is built once into
# BENCH_DIR (default /tmp/ndjson-migrate-bench) and reused.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$(cd "${B:-$top/build}" && pwd)
export PATH="$B/bin:$PATH"
BENCH_DIR=${BENCH_DIR:-/tmp/ndjson-migrate-bench}
mkdir -p "$BENCH_DIR"
. "$top/scripts/pgtest.sh"
"$top/scripts/install-deps" --bench

# data N FORMAT: path of N generated rows in FORMAT (ndjson, csv, sqlite)
data() {
	local f=$BENCH_DIR/rows-$1.$2
	if [ ! -s "$f" ]; then
		echo "bench: generating $f" >&2
		if [ "$2" = sqlite ]; then
			"$top/scripts/gen-rows" "$1" sqlite "$f.tmp" && mv "$f.tmp" "$f"
		else
			"$top/scripts/gen-rows" "$1" "$2" >"$f.tmp" && mv "$f.tmp" "$f"
		fi
	fi
	echo "$f"
}

# measure VAR CMD...: run CMD once; VAR_s = wall seconds, VAR_kb = peak RSS,
# VAR_cpu = user + system CPU seconds (of CMD and its children)
measure() {
	local var=$1 t u sy
	shift
	t=$(mktemp)
	/usr/bin/time -f '%e %M %U %S' -o "$t" "$@" || { echo "bench: failed: $*" >&2; cat "$t" >&2; exit 3; }
	read -r "${var}_s" "${var}_kb" u sy <"$t"
	printf -v "${var}_cpu" '%s' "$(awk -v u="$u" -v s="$sy" 'BEGIN { printf "%.2f", u + s }')"
	rm -f "$t"
}

# ratio A B: A/B to two decimals
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}
