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
	# shellcheck disable=SC2034 # out, errout: for the caller
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

# redis_same_records A B: two dumps of one keyspace agree, record for record:
# sets' members in any order (the server's order is its own), zsets' in
# rank order as written, expiries to the millisecond (PEXPIRETIME, or an RDB
# file's); "ok" or the first difference
redis_same_records() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
def norm(path):
    out = []
    for l in open(path):
        r = json.loads(l)
        v = r.get("value")
        if r["type"] == "set" and isinstance(v, list):
            r["value"] = sorted(v, key=repr)
        out.append(r)
    return out
a, b = norm(sys.argv[1]), norm(sys.argv[2])
def key(r):
    x = dict(r)
    x.pop("expire_at_ms")
    return json.dumps(x, sort_keys=True)
a.sort(key=key)
b.sort(key=key)
bad = []
if len(a) != len(b):
    bad.append("%d records, and %d" % (len(a), len(b)))
for x, y in zip(a, b):
    ex, ey = x.get("expire_at_ms"), y.get("expire_at_ms")
    if key(x) != key(y) or ex != ey:
        bad.append("%s vs %s" % (key(x)[:200], key(y)[:200]))
        break
print("ok" if not bad else "; ".join(bad))
PY
}

# test_certs: in the current directory, made by openssl: a CA (ca.crt,
# ca.key), a server certificate for localhost signed by it (server.crt,
# server.key), a client certificate (client.crt, client.key), and a CA that
# signed neither (other.crt)
test_certs() {
	command -v openssl >/dev/null || { echo "test_certs: no openssl" >&2; return 3; }
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ndjson-migrate test CA" \
		-keyout ca.key -out ca.crt 2>/dev/null &&
		openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key \
			-out server.csr 2>/dev/null &&
		printf 'subjectAltName=DNS:localhost\n' >san.ext &&
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
			-extfile san.ext -out server.crt 2>/dev/null &&
		openssl req -newkey rsa:2048 -nodes -subj "/CN=a client" -keyout client.key \
			-out client.csr 2>/dev/null &&
		openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
			-out client.crt 2>/dev/null &&
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=some other CA" \
			-keyout other.key -out other.crt 2>/dev/null
}


# reject_property SEED N ROWS KIND "MODES" "FORMATS": pg-copy-load's reject
# property (tests/integration/reject-property) for one seed's stream of N
# records, loaded into table r in each mode and format: exit 1, the table
# exactly the good records, the rejects file exactly the bad lines, the
# summary's counts the table's.  KIND is "" (a local table) or citus.
reject_property() {
	local prop=$top/tests/integration/reject-property seed=$1 n=$2 rows=$3
	local kind=$4 modes=$5 fmts=$6 mode fmt nodup dry what args
	for mode in $modes; do
		case $mode in
		one) args=() ;;
		commit) args=(--batch-commit) ;;
		rows) args=(--batch-rows="$rows") ;;
		jobs) args=(--jobs=2 --batch-rows="$((rows * 5))") ;;
		dry) args=(--dry-run --batch-rows="$rows") ;;
		upsert) args=(--upsert=rid --batch-rows="$((rows * 3))") ;;
		resume) args=(--batch-commit --batch-rows="$rows" --resume="s$seed") ;;
		esac
		# no key twice where rows of one key would race (--jobs), or
		# meet on a worker in one upsert statement (Citus)
		nodup=0
		case $kind:$mode in *:jobs | citus:upsert) nodup=1 ;; esac
		dry=0
		[ "$mode" = dry ] && dry=1
		"$prop" gen "$seed" "$n" "$nodup" in.ndjson truth.json $kind
		for fmt in $fmts; do
			sql 'truncate r' >/dev/null
			[ "$mode" = resume ] && args[2]=--resume=s$seed-$fmt
			rm -f rej.ndjson sum.json
			run pg-copy-load -q -t r --format="$fmt" --max-rejects=100000 \
				--rejects=rej.ndjson --summary-json=sum.json "${args[@]}" in.ndjson
			what="${kind:+Citus: }seed $seed $mode ${args[*]} --format=$fmt"
			check "$what: status" "1" "$status"
			[ -n "$errout" ] && echo "$what: $errout" | head -3
			check "$what: invariant" "ok" "$("$prop" check truth.json rej.ndjson sum.json $dry 2>&1)"
		done
	done
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
