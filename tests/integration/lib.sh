# lib.sh: assertions for integration tests (sourced).  Each test file ends
# with `finish`, which prints "N passed, N failed".
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$(cd "${B:-$top/build}" && pwd)
SHARED=${SHARED:-$top/../shared}
export PATH="$B/bin:$PATH" PGOPTIONS="-c client_min_messages=warning"
. "$top/scripts/pgtest.sh"
. "$top/scripts/redistest.sh"
passed=0 failed=0

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $1"
		diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed -n '3,30p'
	fi
}

# run CMD...: run it, leaving $out, $errout and $status
run() {
	local o e
	o=$(mktemp) e=$(mktemp)
	"$@" >"$o" 2>"$e"
	status=$?
	out=$(cat "$o") errout=$(cat "$e")
	rm -f "$o" "$e"
}

# check_run NAME STATUS STDERR CMD...: exact exit status and stderr
check_run() {
	local name=$1 st=$2 msg=$3
	shift 3
	run "$@"
	check "$name: status" "$st" "$status"
	check "$name: stderr" "$msg" "$errout"
}

# sql QUERY: unaligned, tuples only
sql() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
