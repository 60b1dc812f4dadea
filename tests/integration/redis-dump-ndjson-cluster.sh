# redis-dump-ndjson --cluster: a three-master Redis Cluster on loopback
# ports, every master dumped, every key once, the same as the cluster holds.
. "$(dirname "$0")/lib.sh"
base=$((28000 + $$ % 1000 * 3))
for i in 0 1 2; do
	redis_start "n$i" --port $((base + i)) --bind 127.0.0.1 --cluster-enabled yes \
		--cluster-config-file "nodes-$i.conf" || exit 3
done
redis-cli --cluster create 127.0.0.1:$base 127.0.0.1:$((base + 1)) 127.0.0.1:$((base + 2)) \
	--cluster-replicas 0 --cluster-yes >"$RD_DIR/create.log" 2>&1 || {
	cat "$RD_DIR/create.log"
	exit 3
}
for i in $(seq 100); do
	redis-cli -p $base cluster info | grep -q 'cluster_state:ok' && break
	sleep 0.1
done
/usr/bin/python3 - "$base" <<'PY' || exit 3
import sys
from redis.cluster import RedisCluster
r = RedisCluster(host="127.0.0.1", port=int(sys.argv[1]))
for i in range(3000):
    r.set("s:%d" % i, "v%d" % i, px=3_600_000 if i % 10 == 0 else None)
for i in range(300):
    r.hset("h:%d" % i, mapping={"a": str(i), b"\xff": b"\x00"})
    r.rpush("l:%d" % i, *range(i % 5 + 1))
    r.zadd("z:%d" % i, {"m": i / 7})

PY
check "cluster: three masters hold keys" "3" \
	"$(for i in 0 1 2; do redis-cli -p $((base + i)) dbsize; done | awk '$1 > 0' | wc -l)"
run redis-dump-ndjson -u "redis://127.0.0.1:$((base + 1))" --cluster -v
check "cluster: status" "0" "$status"
check "cluster: every key once" "3900|0" "$(echo "$out" | wc -l)|$(echo "$out" | sed 's/,"type".*//' | sort | uniq -d | wc -l)"
check "cluster: counts" "redis-dump-ndjson: 3900 keys, 3900 records; 0 vanished, 0 changed type, 0 seen twice, 0 skipped" "${errout%;*}"
echo "$out" >"$RD_DIR/dump.ndjson"
check "cluster: every value as the cluster has it" "same" "$(/usr/bin/python3 - "$base" "$RD_DIR/dump.ndjson" <<'PY'
import base64, json, sys
from redis.cluster import RedisCluster
r = RedisCluster(host="127.0.0.1", port=int(sys.argv[1]))
def b(v):
    return base64.b64decode(v["$binary"]["base64"]) if isinstance(v, dict) else v.encode()
bad = 0
for rec in map(json.loads, open(sys.argv[2])):
    k, t, v = rec["key"], rec["type"], rec["value"]
    if t == "string":
        ok = r.get(k) == b(v)
    elif t == "hash":
        ok = r.hgetall(k) == {(base64.b64decode(f[8:]) if f.startswith("$binary:") else f.encode()): b(x) for f, x in v.items()}
    elif t == "list":
        ok = r.lrange(k, 0, -1) == [b(x) for x in v]
    else:
        ok = r.zrange(k, 0, -1, withscores=True) == [(b(m), s) for m, s in v]
    pt = r.pttl(k)
    ok = ok and ((pt < 0) == (rec["expire_at_ms"] is None))
    bad += not ok
print("same" if not bad else "%d differ" % bad)
PY
)"
run redis-dump-ndjson -u "redis://127.0.0.1:$base" --cluster -n 1
check "cluster: database 0 only" "2" "$status"
finish
