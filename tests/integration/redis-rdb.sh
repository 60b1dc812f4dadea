# redis-dump-ndjson --rdb against the server that wrote the file: a real
# redis-server filled with every type in both of its encodings (small
# collections as listpacks and intsets, big ones as hash tables, skiplists and
# quicklists of many nodes), awkward bytes, compressed strings, TTLs, keys
# that expired but are still in the snapshot, streams with deleted entries
# and consumer groups, databases 0, 3 and 15; SAVE; then the file's records
# must equal the SCAN dump of the same server, record for record, in every
# mode and filter.  And a file cut or changed anywhere is an error, never a
# crash or a partial success.
. "$(dirname "$0")/lib.sh"
port=$((30000 + $$ % 1000))
redis_start rdb --port "$port" --bind 127.0.0.1 --enable-debug-command local || exit 3
sock=$RD_DIR/rdb/sock
w=$RD_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
"$top/tests/integration/redis-fill" "$sock" types || exit 3
"$top/tests/integration/redis-fill" "$sock" celery || exit 3
/usr/bin/python3 - "$sock" <<'PY' || exit 3
import random, redis, sys
r = redis.Redis(unix_socket_path=sys.argv[1])
rnd = random.Random(3)
p = r.pipeline(transaction=False)
# the second encoding of each type: past the listpack and intset limits
p.hset("bighash", mapping={"f%d" % i: "v" * (i % 90) for i in range(600)})
p.sadd("bigintset", *range(-300, 300))           # an intset
p.sadd("bigset", *["m%d" % i for i in range(700)])  # a hash table
p.sadd("smallset", "a", "b", b"\x00")            # a listpack
p.zadd("bigzset", {"m%d" % i: rnd.uniform(-1e9, 1e9) for i in range(400)})
p.rpush("biglist", *[("item%d" % i) * (1 + i % 7) for i in range(20000)])
p.rpush("ints", *[rnd.choice([0, -1, 127, -4096, 2**31, -2**63, 2**63 - 1, 123456]) for _ in range(300)])
p.set("lzf", "compressible text " * 2000)         # LZF in the file
p.set("int", "12345")
p.set("negint", "-2147483648")
for i in range(3):
    p.xadd("stream", {"f%d" % i: "v", "same": "x"}, id="1700000000000-%d" % (i + 1))
p.xadd("stream", {"other": "fields"}, id="1700000000001-0")
p.execute()
r.xdel("stream", "1700000000000-2")
r.xgroup_create("stream", "workers", id="0")
r.xreadgroup("workers", "alice", {"stream": ">"}, count=2)
big = {"f%d" % i: str(i) for i in range(300)}
r.xadd("bigstream", big, id="1-1")
for i in range(2, 400):
    r.xadd("bigstream", {"a": str(i)}, id="1-%d" % i)
# keys whose TTL passes before the SAVE, with active expiry off: in the file
r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
r.set("gone1", "x", px=1)
r.hset("gone2", "f", "v")
r.pexpire("gone2", 1)
for db in (3, 15):
    d = redis.Redis(unix_socket_path=sys.argv[1], db=db)
    d.zadd("z%d" % db, {"a": 1, "b": 2})
    d.set(b"\xff\xfe%d" % db, b"\x00\xff")
PY
# the file's time is its ctime, to the second: the SAVE in a later second
# than the one those keys expired in
sleep "$(/usr/bin/python3 -c 'import time; print(1.05 - time.time() % 1)')"
redis-cli -s "$sock" save >/dev/null || exit 3
rdb=$RD_DIR/rdb/dump.rdb
# the records of rdb.ndjson and scan.ndjson, the same but for the order of
# a set's and a zset's members and for expiry within 1.5 s (SCAN's comes
# from PTTL)
cmp_records() { redis_same_records rdb.ndjson scan.ndjson; }
same() { # NAME ARGS...: --rdb and the SCAN dump agree
	local name=$1
	shift
	redis-dump-ndjson --rdb "$rdb" "$@" >rdb.ndjson 2>rdb.err
	local st=$?
	redis-dump-ndjson -s "$sock" "$@" >scan.ndjson 2>scan.err
	check "$name: the same records" "0|ok" "$st|$(cmp_records)"
}
same "every key" -n 0
same "database 3" -n 3
same "database 15" -n 15
same "--explode" -n 0 --explode
same "--match" -n 0 --match='big*' --match='s?t'
same "--type" -n 0 --type=stream
same "--type zset, --explode" -n 0 --type=zset --explode
# --stats from the file: the audit's counts as the server's (memory aside)
redis-dump-ndjson --rdb "$rdb" --stats --top=0 >rdb.ndjson 2>rdb.err
st=$?
redis-dump-ndjson -s "$sock" --stats --top=0 >scan.ndjson 2>scan.err
check "--stats from the file: keys, TTLs, elements, types as the server's" "0|ok" "$st|$(/usr/bin/python3 - <<'PY'
import json
def load(p):
    out = {}
    for l in open(p):
        r = json.loads(l)
        for k in [k for k in r if k.startswith("memory")]:
            del r[k]
        out[(r["stat"], r.get("type"), r.get("prefix"))] = r
    return out
a, b = load("rdb.ndjson"), load("scan.ndjson")
print("ok" if a == b else "differ: %r" % next(((k, a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)), None))
PY
)"
check "the expired keys are counted, not written" "2|0" \
	"$(redis-dump-ndjson --rdb "$rdb" -n 0 -v 2>&1 >/dev/null | sed -n 's/.*; \([0-9]*\) expired, .*/\1/p')|$(redis-dump-ndjson --rdb "$rdb" | grep -c '"key":"gone')"
check "from standard input" "$(redis-dump-ndjson --rdb "$rdb" | md5sum)" "$(redis-dump-ndjson --rdb - <"$rdb" | md5sum)"

# --snapshot: the same records, asked of the server over the replication
# protocol, in both framings: $EOF:<mark> (diskless, 7.0's default) and $LEN
# (written to disk first)
snap() { # NAME MODE ARGS...: --snapshot=MODE and the SCAN dump agree
	local name=$1 mode=$2
	shift 2
	redis-dump-ndjson --snapshot="$mode" -s "$sock" "$@" >rdb.ndjson 2>rdb.err
	local st=$?
	redis-dump-ndjson -s "$sock" "$@" >scan.ndjson 2>scan.err
	check "$name: the same records" "0|ok" "$st|$(cmp_records)"
}
redis-cli -s "$sock" config set repl-diskless-sync yes >/dev/null
redis-cli -s "$sock" config set repl-diskless-sync-delay 0 >/dev/null
snap "--snapshot=diskless (\$EOF framing)" diskless -n 0
snap "--snapshot=disk (\$LEN framing)" disk -n 0 --explode
# --save-rdb: the snapshot's bytes kept, the same point in time read again
for mode in disk diskless; do # the last: $EOF framing, its end mark read after the file
	redis-dump-ndjson --snapshot="$mode" --save-rdb=saved.rdb -s "$sock" -n 0 >snap.ndjson 2>snap.err
	st=$?
	check "--snapshot=$mode --save-rdb: the file gives the same records, and is whole" "0|ok|REDIS" \
		"$st|$(redis-dump-ndjson --rdb saved.rdb -n 0 >saved.ndjson 2>&1 && cmp -s snap.ndjson saved.ndjson && echo ok)|$(head -c 5 saved.rdb)"
done
check "--save-rdb: the file ends with its checksum (no end mark after it)" "ok" "$(/usr/bin/python3 - saved.rdb <<'PY'
import struct, sys
t = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x95ac9329ac4bc9b5 if c & 1 else c >> 1
    t.append(c)
d = open(sys.argv[1], "rb").read()
crc = 0
for b in d[:-8]:
    crc = t[(crc ^ b) & 0xff] ^ (crc >> 8)
print("ok" if d[-9] == 0xff and struct.unpack("<Q", d[-8:])[0] == crc else "no: %d bytes" % len(d))
PY
)"
check_run "--save-rdb without --snapshot" 2 "redis-dump-ndjson: --save-rdb: only with --snapshot
$(redis-dump-ndjson --bad 2>&1 | sed 1d)" redis-dump-ndjson -s "$sock" --save-rdb=x.rdb
# one point in time: two counters moved together in MULTI, while it dumps
/usr/bin/python3 - "$sock" >/dev/null 2>&1 <<'PY' &
import redis, sys, time
r = redis.Redis(unix_socket_path=sys.argv[1])
r.mset({"ca": 0, "cb": 0})
end = time.time() + 4
while time.time() < end:
    p = r.pipeline(transaction=True)
    p.incr("ca")
    p.incr("cb")
    p.execute()
PY
writer=$!
# the writer has started (a loaded machine may take its time to import)
for i in $(seq 100); do
	[ "$(redis-cli -s "$sock" get cb)" -gt 10 ] 2>/dev/null && break
	sleep 0.05
done
agree=0 seen=
for i in 1 2 3 4 5; do
	redis-dump-ndjson --snapshot -s "$sock" -n 0 --match='c[ab]' >pit.ndjson 2>pit.err
	st=$?
	vals=$(sort pit.ndjson | sed 's/.*"key":"\(c[ab]\)".*"value":"\([0-9]*\)"}/\1=\2/' | tr '\n' ' ')
	if [ "$st" = 0 ] && [ "$(sort pit.ndjson | sed 's/.*"value":"\([0-9]*\)"}/\1/' | uniq | wc -l)" = 1 ] &&
		[ "$(wc -l <pit.ndjson)" = 2 ]; then
		agree=$((agree + 1))
	else
		seen="$seen [status $st: $vals$(head -c 200 pit.err)]"
	fi
done
wait "$writer"
check "--snapshot is one point in time: two counters written in one MULTI agree, 5 of 5" "5" "$agree$seen"
redis-cli -s "$sock" acl setuser nosync on '>pw' '~*' '+@all' '-sync' '-psync' >/dev/null
check_run "--snapshot refused (an ACL without SYNC): exit 3, one line" 3 \
	"redis-dump-ndjson: 127.0.0.1:$port: the server refused SYNC: NOPERM this user has no permissions to run the 'sync' command (dump without --snapshot: the SCAN dump needs no replication rights)" \
	redis-dump-ndjson --snapshot -u "redis://nosync:pw@127.0.0.1:$port"

# the encodings Redis 7 no longer writes (zipmap, ziplists, linked lists,
# intsets of each width, text doubles): files written by an independent
# Python writer; the records must be what the writer wrote, and what
# redis-server itself gives after loading the same file
for seed in 1 2 3; do
	"$top/tests/integration/rdb-write-old" "old$seed.rdb" "$seed" >want.json || exit 3
	redis-dump-ndjson --rdb "old$seed.rdb" >rdb.ndjson 2>rdb.err
	st=$?
	check "old encodings, seed $seed: as written" "0|ok" "$st|$(/usr/bin/python3 - <<'PY'
import base64, json
def h(v):  # our text or binary form, as hex
    if isinstance(v, str):
        return v.encode().hex()
    return base64.b64decode(v["$binary"]["base64"]).hex()
def kh(k):  # a hash field as a key: "$binary:..." or "$$x" escapes
    if k.startswith("$binary:"):
        return base64.b64decode(k[8:]).hex()
    return (k[1:] if k.startswith("$$") else k).encode().hex()
def sc(x):
    return x if not isinstance(x, str) else {"Infinity": "inf", "-Infinity": "-inf"}.get(x, x)
want = {(db, k): (t, v) for db, k, t, v in json.load(open("want.json"))}
got = {}
for line in open("rdb.ndjson"):
    rec = json.loads(line)
    t, v = rec["type"], rec["value"]
    v = (h(v) if t == "string" else [h(x) for x in v] if t == "list" else
         sorted(h(x) for x in v) if t == "set" else
         sorted([kh(a), h(b)] for a, b in v.items()) if t == "hash" else
         [[h(m), sc(s)] for m, s in v])  # rank order, as written
    got[(rec["db"], h(rec["key"]))] = (t, v)
bad = [k for k in set(want) | set(got) if want.get(k) != got.get(k)]
print("ok" if not bad else "%d differ, e.g. %r: want %r got %r" % (len(bad), bad[0], want.get(bad[0]), got.get(bad[0])))
PY
)"
	mkdir -p "$RD_DIR/old$seed"
	cp "old$seed.rdb" "$RD_DIR/old$seed/dump.rdb"
	redis-server --port 0 --unixsocket "$RD_DIR/old$seed/sock" --save '' --appendonly no --daemonize yes \
		--dir "$RD_DIR/old$seed" --pidfile "$RD_DIR/old$seed/pid" --logfile "$RD_DIR/old$seed/log" || exit 3
	for i in $(seq 100); do redis-cli -s "$RD_DIR/old$seed/sock" ping >/dev/null 2>&1 && break; sleep 0.05; done
	redis-dump-ndjson -s "$RD_DIR/old$seed/sock" >scan.ndjson 2>scan.err
	check "old encodings, seed $seed: redis-server loads the file, and its view is ours" "$(wc -l <rdb.ndjson)|ok" \
		"$(wc -l <scan.ndjson)|$(cmp_records)"
	redis-cli -s "$RD_DIR/old$seed/sock" shutdown nosave >/dev/null 2>&1
done

# hashes with field expiries (Redis 7.4 and later: types 22 to 25), files
# written by an independent Python writer from the format's description
# (Debian's redis-server 7.0 neither writes nor loads them): every field
# that has not expired, with its value and its expiry; expired fields and
# keys whose every field expired counted, not written, as the server never
# shows them; the same in --explode, one record a field
for seed in 1 2 3; do
	now=$(date +%s%3N)
	"$top/tests/integration/rdb-write-hfe" "hfe$seed.rdb" "$seed" "$now" >want.json || exit 3
	# the writer's files have no ctime: they are judged at its time
	redis-dump-ndjson --rdb "hfe$seed.rdb" --as-of="$now" -v >rdb.ndjson 2>rdb.err
	st=$?
	redis-dump-ndjson --rdb "hfe$seed.rdb" --as-of="$now" --explode >explode.ndjson 2>>rdb.err || st=$?
	check "field expiries, seed $seed: records, exploded records, counts as written" "0|ok" "$st|$(/usr/bin/python3 - <<'PY'
import base64, json, re
def h(v):
    if isinstance(v, str):
        return v.encode().hex()
    return base64.b64decode(v["$binary"]["base64"]).hex()
def kh(k):
    if k.startswith("$binary:"):
        return base64.b64decode(k[8:]).hex()
    return (k[1:] if k.startswith("$$") else k).encode().hex()
w = json.load(open("want.json"))
want = {(db, k): [ttl, v] for db, k, ttl, v in w["keys"]}
got, ex = {}, {}
for line in open("rdb.ndjson"):
    rec = json.loads(line)
    fe = rec.get("field_expire_at_ms", {})
    assert set(fe) <= set(rec["value"]), "an expiry for a field not in the value"
    got[(rec["db"], h(rec["key"]))] = [rec["expire_at_ms"], {kh(f): [h(v), fe.get(f)] for f, v in rec["value"].items()}]
for line in open("explode.ndjson"):
    rec = json.loads(line)
    e = ex.setdefault((rec["db"], h(rec["key"])), [rec["expire_at_ms"], {}])
    e[1][h(rec["field"])] = [h(rec["value"]), rec.get("field_expire_at_ms")]
m = re.search(r"; (\d+) expired, (\d+) hash fields expired,", open("rdb.err").read())
counts = [int(m.group(1)), int(m.group(2))] if m else None
bad = [k for k in set(want) | set(got) if want.get(k) != got.get(k)]
if bad:
    print("%d differ, e.g. %r: want %r got %r" % (len(bad), bad[0], want.get(bad[0]), got.get(bad[0])))
elif ex != want:
    print("--explode differs")
elif counts != [w["expired_keys"], w["expired_fields"]]:
    print("counts %r, want %r" % (counts, [w["expired_keys"], w["expired_fields"]]))
else:
    print("ok")
PY
)"
done
bad=0
size=$(stat -c %s hfe1.rdb)
for i in $(seq 0 $((size / 400 + 1)) $((size - 1))); do
	head -c "$i" hfe1.rdb >cut.rdb
	redis-dump-ndjson --rdb cut.rdb >/dev/null 2>cut.err
	st=$?
	{ [ "$st" = 1 ] && [ "$(wc -l <cut.err)" = 1 ] && grep -q ' at byte [0-9]*$' cut.err; } || bad=$((bad + 1))
done
check "field expiries: the file cut at 400 places of its $size bytes: exit 1, one line with the byte" "0" "$bad"

# a small file cut at every byte, and changed at random bytes: exit 1, one
# line naming the byte, never a crash (the suite runs under ASan too)
redis-cli -s "$sock" flushall >/dev/null
"$top/tests/integration/redis-fill" "$sock" types >/dev/null || exit 3
redis-cli -s "$sock" save >/dev/null
size=$(stat -c %s "$rdb")
bad=0
for i in $(seq 0 $((size - 1))); do
	head -c "$i" "$rdb" >cut.rdb
	redis-dump-ndjson --rdb cut.rdb >/dev/null 2>cut.err
	st=$?
	{ [ "$st" = 1 ] && [ "$(wc -l <cut.err)" = 1 ] && grep -q ' at byte [0-9]*$' cut.err; } || bad=$((bad + 1))
done
check "cut at each of its $size bytes: exit 1, one line with the byte" "0" "$bad"
bad=$(/usr/bin/python3 - "$rdb" <<'PY'
import random, subprocess, sys
data = open(sys.argv[1], "rb").read()
r = random.Random(11)
bad = 0
for n in range(300):
    b = bytearray(data)
    i = r.randrange(len(b))
    b[i] ^= 1 << r.randrange(8)
    p = subprocess.run(["redis-dump-ndjson", "--rdb", "-"], input=bytes(b), capture_output=True)
    if p.returncode != 1:
        bad += 1
print(bad)
PY
)
check "a bit changed anywhere: exit 1 (the checksum catches what parsing does not)" "0" "$bad"
check_run "not an RDB file" 1 "redis-dump-ndjson: <stdin>: not an RDB file (no REDIS magic) at byte 9" \
	sh -c 'printf "NOTREDIS0011" | redis-dump-ndjson --rdb -'
check_run "a version newer than known" 1 "redis-dump-ndjson: <stdin>: RDB version 0099, which this reader does not know (1 to 12) at byte 9" \
	sh -c 'printf "REDIS0099\377" | redis-dump-ndjson --rdb -'
check_run "--rdb and a server" 2 "redis-dump-ndjson: --rdb reads a file: not with -u, -s or --cluster
$(redis-dump-ndjson --bad 2>&1 | sed 1d)" redis-dump-ndjson --rdb x.rdb -s "$sock"
finish
