# Redis to PostgreSQL: keys shaped like the threadr app's, dumped by
# redis-dump-ndjson, routed by ndjson-map, loaded by pg-copy-load, checked
# in SQL; and the --stats audit of the same keys.
. "$(dirname "$0")/lib.sh"
redis_start a || exit 3
pg_start || exit 3
A=$RD_DIR/a/sock
here=$top/tests/integration
"$here/redis-fill" "$A" seed || exit 3
/usr/bin/python3 -c '
import redis, sys
r = redis.Redis(unix_socket_path=sys.argv[1])
for i in range(1, 51):
    r.hset("threadr:user:%d" % i, mapping={"name": "User %d" % i, "plan": "free" if i % 2 else "pro"})' "$A"

sql "$(cat "$top/examples/redis-routing/schema.sql")"
sql 'create table users (id bigint primary key, name text not null, plan text not null)'
cat "$top/examples/redis-routing/threadr.map" - >"$RD_DIR/map" <<'MAP'
table users when .key ~ "^threadr:user:(?<id>[0-9]+)$" and .type == "hash"
  id = bigint($id)
  flatten .value
MAP
run bash -o pipefail -c "redis-dump-ndjson -s '$A' --match 'threadr:*' |
	ndjson-map -f '$RD_DIR/map' --stats | pg-copy-load"
check "pipeline: status" "0" "$status"
check "pipeline: ndjson-map's counts" "ndjson-map: 1050 read: 1050 mapped, 0 filtered, 0 rejected; 1050 written" \
	"$(echo "$errout" | grep 'read:')"
check "pipeline: rows per table" "100|300|600|50" \
	"$(sql 'select (select count(*) from subscriptions), (select count(*) from emails), (select count(*) from usage), (select count(*) from users)')"
check "pipeline: usage equals Redis's" \
	"$(/usr/bin/python3 -c '
import redis, sys
r = redis.Redis(unix_socket_path=sys.argv[1])
print(sum(int(r.get(k)) for k in r.scan_iter("threadr:usage:*")))' "$A")" \
	"$(sql 'select sum(requests) from usage')"
check "pipeline: emails map to their users" "0" \
	"$(sql "select count(*) from emails where email <> 'user' || user_id || '@example.com'")"
/usr/bin/python3 -c '
import redis, sys
r = redis.Redis(unix_socket_path=sys.argv[1])
for k in r.scan_iter("threadr:premium:email:*"):
    print("%s|%d" % (k.decode()[len("threadr:premium:email:"):], r.pexpiretime(k)))' "$A" |
	LC_ALL=C sort >"$RD_DIR/want"
sql "select email || '|' || (extract(epoch from expires) * 1000)::bigint from subscriptions" | LC_ALL=C sort >"$RD_DIR/got"
check "pipeline: every premium key's expiry, to the millisecond (PEXPIRETIME)" "100|$(cat "$RD_DIR/want")" \
	"$(wc -l <"$RD_DIR/got")|$(cat "$RD_DIR/got")"
check "pipeline: hashes flattened into columns" "User 7|free|pro" \
	"$(sql "select (select name from users where id = 7) || '|' || (select plan from users where id = 7) || '|' || (select plan from users where id = 8)")"

# ---- the audit
run redis-dump-ndjson -s "$A" --stats --top 2
check "stats: status" "0" "$status"
line() { echo "$out" | grep -F "$1" | sed 's/,"memory[^]]*"types"/,"types"/; s/"elements":[0-9]*,//'; }
check "stats: total" '{"stat":"total","databases":[0],"vanished":0,"keys":1051,"with_ttl":101,"types":{"string":1001,"hash":50}}' "$(line '"stat":"total"')"
check "stats: by type" '{"stat":"type","type":"hash","keys":50,"with_ttl":0,"types":{"hash":50}}' "$(line '"type":"hash","keys"')"
check "stats: patterns, most keys first" '{"stat":"prefix","prefix":"threadr:usage:","keys":600,"with_ttl":0,"types":{"string":600}}
{"stat":"prefix","prefix":"threadr:email:","keys":300,"with_ttl":0,"types":{"string":300}}
{"stat":"prefix","prefix":"threadr:premium:","keys":100,"with_ttl":100,"types":{"string":100}}
{"stat":"prefix","prefix":"threadr:user:","keys":50,"with_ttl":0,"types":{"hash":50}}
{"stat":"prefix","prefix":"session:","keys":1,"with_ttl":1,"types":{"string":1}}' "$(line '"stat":"prefix"')"
check "stats: memory sampled for every key" "1051" "$(echo "$out" | head -1 | sed 's/.*"memory_sampled_keys":\([0-9]*\).*/\1/')"
check "stats: the two biggest" "2|1|2" "$(echo "$out" | grep -c '"stat":"biggest"')|$(echo "$out" | grep '"stat":"biggest"' | sed 's/.*"rank":\([0-9]*\).*/\1/' | tr '\n' '|' | sed 's/|$//')"
run redis-dump-ndjson -s "$A" --stats --depth 1 --sample 10 --top 0
check "stats --depth 1: one pattern a first part" "threadr:|session:" \
	"$(echo "$out" | grep '"stat":"prefix"' | sed 's/.*"prefix":"\([^"]*\)".*/\1/' | tr '\n' '|' | sed 's/|$//')"
check "stats --sample 10: a tenth measured" "106" "$(echo "$out" | head -1 | sed 's/.*"memory_sampled_keys":\([0-9]*\).*/\1/')"
finish
