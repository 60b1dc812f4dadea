# hash field expiries (Redis 7.4's HPEXPIRE) against a real server of that
# line, built from ../shared/vendor by scripts/redis-new (the test fails,
# never skips, when it cannot be had): the SCAN dump reads each field's
# expiry (HPEXPIRETIME) and writes what the RDB reader writes from the same
# server's snapshot (types 24 and 25, RDB 12), and what redis-py reads.
. "$(dirname "$0")/lib.sh"
new=$(REDIS_NEW_DIR=${REDIS_NEW_DIR-} "$top/scripts/redis-new") || {
	echo "redis-hfe: no Redis 7.4+ server (scripts/redis-new)" >&2
	exit 3
}
RD_DIR=$(mktemp -d)
mkdir -p "$RD_DIR/new"
sock=$RD_DIR/new/sock
trap 'kill -9 "$(cat "$RD_DIR/new/pid" 2>/dev/null)" 2>/dev/null; rm -rf "$RD_DIR"' EXIT
"$new" --port 0 --unixsocket "$sock" --unixsocketperm 700 --save '' --appendonly no --daemonize yes \
	--dir "$RD_DIR/new" --pidfile "$RD_DIR/new/pid" --logfile "$RD_DIR/new/log" \
	--repl-diskless-sync-delay 0 || exit 3
for _ in $(seq 100); do redis-cli -s "$sock" ping >/dev/null 2>&1 && break; sleep 0.05; done
cd "$RD_DIR" || exit 3
check "the server has field expiries (HPEXPIRE answers)" "1" \
	"$(redis-cli -s "$sock" hset probe f v >/dev/null; redis-cli -s "$sock" hpexpire probe 100000 fields 1 f)"
/usr/bin/python3 - "$sock" <<'PY' || exit 3
import random, redis, sys
rnd = random.Random(7)
for db in (0, 2):
    r = redis.Redis(unix_socket_path=sys.argv[1], db=db)
    for k in range(12):
        n = rnd.choice([1, 3, 20, 200, 600])  # listpacks and hash tables
        key = b"h%d:%d" % (db, k) if k != 5 else b"\xff\x00bin%d" % db
        r.hset(key, mapping={(b"f%d" % i if i % 7 else b"\xfe%d" % i): b"v" * (i % 5) for i in range(n)})
        for i in range(n):
            f = b"f%d" % i if i % 7 else b"\xfe%d" % i
            c = rnd.random()
            if c < 0.4:
                r.execute_command("HPEXPIRE", key, rnd.randrange(100000, 10**9), "FIELDS", 1, f)
            elif c < 0.45:
                r.execute_command("HPEXPIREAT", key, 4102444800000 + i, "FIELDS", 1, f)
        if k % 4 == 0:
            r.pexpire(key, 10**9)
    r.hset("plain%d" % db, mapping={"a": "1", "b": "2"})
    r.set("s%d" % db, "x")
PY
check "INFO keyspace shows subexpiry" "2" "$(redis-cli -s "$sock" info keyspace | grep -c 'subexpiry=[1-9]')"

# the server's own view: each hash's fields and HPEXPIRETIME, by redis-py
view() { # FILE: our records; "ok" or the first difference with the server
	/usr/bin/python3 - "$sock" "$1" <<'PY'
import base64, json, sys, redis
def b(v):
    return v.encode() if isinstance(v, str) else base64.b64decode(v["$binary"]["base64"])
def kb(k):
    if k.startswith("$binary:"):
        return base64.b64decode(k[8:])
    return (k[1:] if k.startswith("$") else k).encode()
got = {}
for l in open(sys.argv[2]):
    rec = json.loads(l)
    if rec["type"] != "hash":
        continue
    k = (rec["db"], b(rec["key"]))
    h = got.setdefault(k, {})
    if "field" in rec:  # --explode
        h[b(rec["field"])] = (b(rec["value"]), rec.get("field_expire_at_ms"))
    else:
        fe = rec.get("field_expire_at_ms", {})
        for f, v in rec["value"].items():
            h[kb(f)] = (b(v), fe.get(f))
want = {}
for db in (0, 2):
    r = redis.Redis(unix_socket_path=sys.argv[1], db=db)
    for k in r.scan_iter(_type="hash"):
        if k == b"probe":
            continue
        fields = r.hgetall(k)
        fs = list(fields)
        ex = r.execute_command("HPEXPIRETIME", k, "FIELDS", len(fs), *fs)
        want[(db, k)] = {f: (fields[f], e if e > 0 else None) for f, e in zip(fs, ex)}
got.pop((0, b"probe"), None)
bad = [k for k in set(want) | set(got) if want.get(k) != got.get(k)]
if bad:
    k = bad[0]
    w, g = want.get(k) or {}, got.get(k) or {}
    f = next((f for f in set(w) | set(g) if w.get(f) != g.get(f)), None)
    print("%d of %d hashes differ, e.g. %r field %r: server %r, ours %r" % (len(bad), len(want), k, f, w.get(f), g.get(f)))
else:
    print("ok")
PY
}
for args in "" "--chunk=7" "--explode --chunk=50"; do
	# shellcheck disable=SC2086
	redis-dump-ndjson -s "$sock" $args >scan.ndjson 2>scan.err
	st=$?
	check "SCAN dump $args: every field's expiry, as HPEXPIRETIME gives it" "0||ok" "$st|$(cat scan.err)|$(view scan.ndjson)"
	# shellcheck disable=SC2086
	redis-dump-ndjson -s "$sock" --snapshot=diskless $args >snap.ndjson 2>snap.err
	st=$?
	check "--snapshot $args (RDB 12, types 24 and 25): the same" "0||ok" "$st|$(cat snap.err)|$(view snap.ndjson)"
done
redis-dump-ndjson -s "$sock" -n 0 >scan.ndjson 2>/dev/null
redis-dump-ndjson -s "$sock" -n 0 --snapshot=diskless >snap.ndjson 2>/dev/null
check "SCAN dump and --snapshot: the same records (key order aside)" "ok" "$(redis_same_records scan.ndjson snap.ndjson)"
finish
