# A closed stdout ends every tool quietly: `tool | head -1` exits 0 (1 when
# data was rejected before), never the shell's 141, whether or not the
# caller ignores SIGPIPE; stdout on a full disk is "write error", exit 3.
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d)
redis_start main || exit 3
trap 'rm -rf "$w"; redis_stop' EXIT
sock=$RD_DIR/main/sock

# outputs of several MB, so that the tools write after head has gone
/usr/bin/python3 -c '
import bson, sqlite3, sys
w = sys.argv[1]
with open(w + "/big.ndjson", "w") as f:
    for i in range(300000):
        f.write("{\"id\":%d,\"pad\":\"%s\"}\n" % (i, "x" * 20))
with open(w + "/big.bson", "wb") as f:
    for i in range(100000):
        f.write(bson.encode({"id": i, "pad": "x" * 20}))
db = sqlite3.connect(w + "/big.db")
db.execute("create table t (id integer primary key, pad text)")
db.executemany("insert into t values (?, ?)", ((i, "x" * 20) for i in range(100000)))
db.commit()' "$w"
redis-cli -s "$sock" eval 'for i = 1, 50000 do redis.call("set", "k" .. i, "value" .. i) end' 0 >/dev/null
printf '{"id":1}\nnot json\n' >"$w/bad-first.ndjson"
cat "$w/big.ndjson" >>"$w/bad-first.ndjson"

headed() { # NAME EXPECTED-STATUS CMD...: the status of CMD | head -1
	local name=$1 want=$2 st e
	shift 2
	for trapped in no yes; do
		e=$( (
			[ $trapped = yes ] && trap '' PIPE
			"$@" 2>"$w/err" | head -1 >/dev/null
			echo "${PIPESTATUS[0]}"
		) )
		check "$name | head -1 (SIGPIPE ignored: $trapped): status" "$want" "$e"
		check "$name | head -1 (SIGPIPE ignored: $trapped): quiet" "" \
			"$(grep -v 'rejected\|not a JSON\|invalid JSON' "$w/err")"
	done
}
headed ndjson-map 0 ndjson-map "$w/big.ndjson"
headed "ndjson-map after a reject" 1 ndjson-map "$w/bad-first.ndjson"
headed sqlite-dump-ndjson 0 sqlite-dump-ndjson "$w/big.db" t
headed mongo-dump-ndjson 0 mongo-dump-ndjson "$w/big.bson"
headed redis-dump-ndjson 0 redis-dump-ndjson -s "$sock"

for t in ndjson-map sqlite-dump-ndjson redis-dump-ndjson mongo-dump-ndjson pg-copy-load; do
	check_run "$t --help >/dev/full" 3 "$t: write error: No space left on device" \
		sh -c "$t --help >/dev/full"
	check_run "$t --version >/dev/full" 3 "$t: write error: No space left on device" \
		sh -c "$t --version >/dev/full"
done
check_run "ndjson-map >/dev/full" 3 "ndjson-map: write error: No space left on device" \
	sh -c "ndjson-map '$w/big.ndjson' >/dev/full"
finish
