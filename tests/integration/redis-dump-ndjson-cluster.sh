# redis-dump-ndjson --cluster: a three-master Redis Cluster on loopback
# ports, every master dumped, every key once, the same as the cluster holds;
# its parts (--partition, and a master each) together the whole.
. "$(dirname "$0")/lib.sh"
base=$((20000 + $$ % 900 * 3)) # bus ports (+10000) below the ephemeral range too
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
# partitions (issue 17): --cluster --partition=K/N by hash slot, a master
# left out when it holds none of the part's slots; and each master dumped
# alone (no --cluster) is a part of its own.  Together the whole, none shared.
prop="$top/tests/integration/partition-property"
cp "$RD_DIR/dump.ndjson" "$RD_DIR/full.ndjson"
for n in 2 3 5; do
	parts=()
	for k in $(seq 1 $n); do
		redis-dump-ndjson -u "redis://127.0.0.1:$base" --cluster --partition="$k/$n" >"$RD_DIR/p$k.ndjson"
		parts+=("$RD_DIR/p$k.ndjson")
	done
	check "cluster: $n parts by slot, together the whole, none shared" "ok" \
		"$("$prop" union "$n" "$RD_DIR/full.ndjson" "${parts[@]}")"
done
run redis-dump-ndjson -u "redis://127.0.0.1:$base" --cluster --partition=1/3 -v
check "cluster: part 1/3 (slots 0-5460) reads the one master that holds them" \
	"$(redis-cli -p $base dbsize)" \
	"$(echo "$out" | wc -l)"
parts=()
for i in 0 1 2; do
	redis-dump-ndjson -u "redis://127.0.0.1:$((base + i))" >"$RD_DIR/m$i.ndjson"
	parts+=("$RD_DIR/m$i.ndjson")
done
check "cluster: each master alone a part, together the whole" "ok" \
	"$("$prop" union 3 "$RD_DIR/full.ndjson" "${parts[@]}")"

run redis-dump-ndjson -u "redis://127.0.0.1:$base" --cluster -n 1
check "cluster: database 0 only" "2" "$status"
finish
