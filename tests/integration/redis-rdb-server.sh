# redis-dump-ndjson --rdb against redis-server itself, file by file: Redis's
# own tests/assets files (from the vendored source), files crafted to hold
# what the server refuses or skips (a key twice, a member twice, a NaN
# score, empty keys), and a file of a real server; the server loads each,
# and its view must equal our records as written (a zset by rank), or both
# refuse it.  Then every cut point of two files (never half a record), and
# expiries judged at the file's own time or --as-of, never the clock.
. "$(dirname "$0")/lib.sh"
# the work files in RD_DIR, which redis_stop removes
RD_DIR=$(mktemp -d)
w=$RD_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
tarball=$SHARED/vendor/redis-unstable-2024-10-18.tar.gz
[ -f "$tarball" ] || { echo "redis-rdb-server: no $tarball (Redis's test assets)" >&2; exit 3; }
tar xzf "$tarball" --strip-components=3 --wildcards '*/tests/assets/*.rdb' || exit 3
names=$("$top/tests/integration/rdb-craft" craft) || exit 3

# a real server's file: a zset of many members on few scores (a skiplist,
# which the server writes highest first), -0 and 0, infinities
redis_start live || exit 3  # sets the EXIT trap
/usr/bin/python3 - "$RD_DIR/live/sock" <<'PY' || exit 3
import random, redis, sys
r = redis.Redis(unix_socket_path=sys.argv[1])
rnd = random.Random(5)
r.zadd("ties", {"m%03d" % i: rnd.choice([0.0, -0.0, 1.5, float("inf"), float("-inf"), -2.0]) for i in range(300)})
r.zadd("small", {"b": 1, "a": 1, "c": 0})
r.rpush("l", *range(50))
r.set("s", "x" * 100)
PY
redis-cli -s "$RD_DIR/live/sock" save >/dev/null || exit 3
cp "$RD_DIR/live/dump.rdb" live.rdb

files="$(for n in $names; do echo "craft/$n.rdb"; done) $(ls ./*.rdb)"
diff_check() { # "SERVER [OPTIONS]" FILES...: each line of rdb-differential
	local server=$1 line
	shift
	"$top/tests/integration/rdb-differential" "$server" "$w/srv" "$@" >diff.out 2>&1
	while read -r line; do
		check "redis-server ${server#* }: $line" ok "$(echo "$line" | sed -n 's/^[^:]*: \(ok\).*/\1/p')"
	done <diff.out
	check "redis-server ${server#* }: a line for each of the $# files" "$#" "$(wc -l <diff.out)"
}
# shellcheck disable=SC2086,SC2046
diff_check "redis-server" $(echo $files | tr ' ' '\n' | grep -v 'hash-field-twice\|zset-rank')
# a hash's field twice is refused by the server only when it sanitizes (7.0
# keeps both otherwise, whatever the hash's size); we refuse it always
# shellcheck disable=SC2086,SC2046
diff_check "redis-server --sanitize-dump-payload yes" $(echo $files | tr ' ' '\n' | grep -v 'zset-rank')
# a small zset becomes a listpack in the server, which writes -0 as 0: its
# own skiplist keeps the file's -0, and the order is the same
diff_check "redis-server --zset-max-listpack-entries 0" craft/zset-rank.rdb

check_run "a key twice: the records before it, exit 1, the key and the byte" 1 \
	"redis-dump-ndjson: craft/key-twice.rdb: db 0: key \"a\" twice (redis-server refuses it) at byte 44" \
	redis-dump-ndjson --rdb craft/key-twice.rdb
check "a key twice: the records before it" '{"db":0,"key":"a","type":"string","expire_at_ms":null,"value":"1"}
{"db":0,"key":"b","type":"string","expire_at_ms":null,"value":"2"}' "$out"
check_run "a set member twice" 1 "redis-dump-ndjson: craft/set-member-twice.rdb: a set member twice at byte 39" \
	redis-dump-ndjson --rdb craft/set-member-twice.rdb
check_run "a NaN score" 1 "redis-dump-ndjson: craft/zset-nan.rdb: a sorted set score that is NaN at byte 53" \
	redis-dump-ndjson --rdb craft/zset-nan.rdb
check_run "empty keys: skipped and counted, as the server does" 0 \
	"redis-dump-ndjson: craft/empty-keys.rdb: 2 keys, 2 records; 0 expired, 0 hash fields expired, 6 empty, 0 skipped" \
	redis-dump-ndjson --rdb craft/empty-keys.rdb -v
check "zsets in rank order, from a skiplist and a type-3 zset" \
	'[["m","-Infinity"],["n",-0],["p",0],["a1",1],["a2",1],["b",2],["c",3],["i","Infinity"]]
[["w",-1e+300],["b",2],["bb",2],["x",5.5],["y",5.5],["v",1e+300]]' \
	"$(redis-dump-ndjson --rdb craft/zset-rank.rdb | sed 's/.*"value":\(.*\)}$/\1/')"

check_run "a hash field twice" 1 "redis-dump-ndjson: craft/hash-field-twice.rdb: a hash field twice at byte 43" \
	redis-dump-ndjson --rdb craft/hash-field-twice.rdb

# a file cut at each of its bytes: exit 1, one line naming the byte, and
# what was written is whole records, the first records of the whole file
bad=$(/usr/bin/python3 - encodings.rdb live.rdb <<'PY'
import json, subprocess, sys
bad = []
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    full = subprocess.run(["redis-dump-ndjson", "--rdb", "-", "--as-of=0"], input=data, capture_output=True).stdout.decode().splitlines(True)
    for i in range(len(data)):
        p = subprocess.run(["redis-dump-ndjson", "--rdb", "-", "--as-of=0"], input=data[:i], capture_output=True)
        out, err = p.stdout.decode(), p.stderr.decode()
        lines = out.splitlines(True)
        ok = (p.returncode == 1 and len(err.splitlines()) == 1 and " at byte " in err
              and (out == "" or out.endswith("\n")) and lines == full[:len(lines)]
              and all(json.loads(l) is not None for l in lines))
        if not ok:
            bad.append("%s:%d" % (path, i))
print(len(bad), " ".join(bad[:5]))
PY
)
check "encodings.rdb and a server's file cut at each byte: whole records, exit 1, one line" "0 " "$bad"

# expiry: the file's ctime, or --as-of; the clock at read time never
redis-cli -s "$RD_DIR/live/sock" flushall >/dev/null
redis-cli -s "$RD_DIR/live/sock" set ttl2 v px 2000 >/dev/null
redis-cli -s "$RD_DIR/live/sock" set kept v >/dev/null
redis-cli -s "$RD_DIR/live/sock" save >/dev/null
cp "$RD_DIR/live/dump.rdb" ttl.rdb
first=$(redis-dump-ndjson --rdb ttl.rdb | md5sum)
sleep 3
check "a key saved with a 2 s TTL: read at once and 3 s later, the same records" "$first" \
	"$(redis-dump-ndjson --rdb ttl.rdb | md5sum)"
check "... with its TTL" "2" "$(redis-dump-ndjson --rdb ttl.rdb | wc -l)"
check_run "--as-of=now: judged now, the key is gone" 0 \
	"redis-dump-ndjson: ttl.rdb: 1 keys, 1 records; 1 expired, 0 hash fields expired, 0 empty, 0 skipped" \
	redis-dump-ndjson --rdb ttl.rdb --as-of=now -v
check_run "--as-of not a time" 2 "redis-dump-ndjson: --as-of: not a time in milliseconds since 1970, nor now: yesterday
$(redis-dump-ndjson --bad 2>&1 | sed 1d)" redis-dump-ndjson --rdb ttl.rdb --as-of=yesterday
check_run "a file without ctime holding an expiry: written, and said" 0 \
	"redis-dump-ndjson: <stdin>: the file does not say when it was written (no ctime): 1 expiries written, none judged (--as-of to judge them)" \
	sh -c "printf 'REDIS0009\376\000\374\350\003\000\000\000\000\000\000\000\001k\001v\377\000\000\000\000\000\000\000\000' | redis-dump-ndjson --rdb -"
check "... the key, its expiry in 1970" '{"db":0,"key":"k","type":"string","expire_at_ms":1000,"value":"v"}' "$out"
finish
