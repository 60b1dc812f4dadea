# redis-dump-ndjson against real redis-servers: every type and awkward
# bytes, a round trip through an independent restorer (python3-redis), big
# keys in bounded memory, TTLs, databases, ACL logins, failures.
. "$(dirname "$0")/lib.sh"
redis_start a || exit 3
redis_start b || exit 3
A=$RD_DIR/a/sock Bs=$RD_DIR/b/sock
here=$top/tests/integration
w=$RD_DIR/work
mkdir -p "$w"

# ---- every type, awkward bytes, several databases
"$here/redis-fill" "$A" types || exit 3
run redis-dump-ndjson -s "$A"
check "types: status" "0" "$status"
check "types: stderr" "" "$errout"
check "types: one record a key" "16" "$(echo "$out" | wc -l)"
echo "$out" >"$w/types.ndjson"
pick() { grep -F "\"key\":$1," "$w/types.ndjson"; }
check "string" '{"db":0,"key":"s","type":"string","expire_at_ms":null,"value":"hello"}' "$(pick '"s"')"
check "empty string" '{"db":0,"key":"empty","type":"string","expire_at_ms":null,"value":""}' "$(pick '"empty"')"
check "NUL in key and value" '{"db":0,"key":"nul\u0000key","type":"string","expire_at_ms":null,"value":"a\u0000b"}' "$(pick '"nul\u0000key"')"
check "0xFF key and value: binary form" '{"db":0,"key":{"$binary":{"base64":"//4=","subType":"00"}},"type":"string","expire_at_ms":null,"value":{"$binary":{"base64":"/w==","subType":"00"}}}' \
	"$(pick '{"$binary":{"base64":"//4=","subType":"00"}}')"
check "invalid UTF-8, a surrogate: binary form" '{"db":0,"key":{"$binary":{"base64":"YmFkwyg=","subType":"00"}},"type":"string","expire_at_ms":null,"value":{"$binary":{"base64":"7aCA","subType":"00"}}}' \
	"$(pick '{"$binary":{"base64":"YmFkwyg=","subType":"00"}}')"
check "hash: binary and \$binary: names" '{"db":0,"key":"h","type":"hash","expire_at_ms":null,"value":{"a":"1","":"","$binary:/w==":"\u0000","$$binary:text":"looks binary","b":{"$binary":{"base64":"/g==","subType":"00"}}}}' "$(pick '"h"')"
check "list in order, with duplicates" '{"db":0,"key":"l","type":"list","expire_at_ms":null,"value":["x","",{"$binary":{"base64":"AP8=","subType":"00"}},"x"]}' "$(pick '"l"')"
check "zset in rank order, scores exact, infinities" '{"db":0,"key":"z","type":"zset","expire_at_ms":null,"value":[["d","-Infinity"],[{"$binary":{"base64":"/w==","subType":"00"}},0],["e",5e-324],["b",0.1],["a",1.5],["g",12345678901234],["f",1e+308],["c","Infinity"]]}' "$(pick '"z"')"
check "stream" '{"db":0,"key":"x","type":"stream","expire_at_ms":null,"value":[{"id":"1700000000000-0","fields":{"f":"v","$binary:/w==":{"$binary":{"base64":"/g==","subType":"00"}}}},{"id":"1700000000000-1","fields":{"g":""}}]}' "$(pick '"x"')"
check "empty stream" '{"db":0,"key":"emptystream","type":"stream","expire_at_ms":null,"value":[]}' "$(pick '"emptystream"')"
check "databases 3 and 15" '{"db":3,"key":"in3","type":"string","expire_at_ms":null,"value":"three"}
{"db":15,"key":"in15","type":"list","expire_at_ms":null,"value":["fifteen"]}' "$(grep -v '"db":0,' "$w/types.ndjson")"
# expire_at_ms: the server's now + PTTL, to the round trip
now=$(redis-cli -s "$A" time | head -1)
exp=$(pick '"ttl"' | sed 's/.*"expire_at_ms":\([0-9]*\).*/\1/')
check "expire_at_ms is now + 1 h (to a second)" "1" "$(( exp / 1000 - now >= 3598 && exp / 1000 - now <= 3600 ))"
check "a hash's TTL" "1" "$(pick '"httl"' | grep -c '"expire_at_ms":[0-9]\{13\},')"
# Redis 7: PEXPIRETIME, the expiry to the millisecond, in every type
at=$(( $(redis-cli -s "$A" time | head -1) * 1000 + 3600000 + 789 ))
for k in es:str eh:hash el:list ess:set ez:zset ex:stream; do
	case $k in
	*:str) redis-cli -s "$A" -n 7 set "$k" v ;;
	*:hash) redis-cli -s "$A" -n 7 hset "$k" f v ;;
	*:list) redis-cli -s "$A" -n 7 rpush "$k" v ;;
	*:set) redis-cli -s "$A" -n 7 sadd "$k" v ;;
	*:zset) redis-cli -s "$A" -n 7 zadd "$k" 1 v ;;
	*:stream) redis-cli -s "$A" -n 7 xadd "$k" 1-1 f v ;;
	esac >/dev/null
	redis-cli -s "$A" -n 7 pexpireat "$k" $((at + ${#k})) >/dev/null
done
# 64 MB read in the same batch, between TIME and the expiries (with PTTL,
# TIME + PTTL came out a few milliseconds early)
/usr/bin/python3 -c 'import redis, sys; redis.Redis(unix_socket_path=sys.argv[1], db=7).set("big", b"x" * (64 << 20))' "$A"
run redis-dump-ndjson -s "$A" -n 7 --count=1000
check "expire_at_ms exact to the millisecond, every type" "0|$(for k in es:str eh:hash el:list ess:set ez:zset ex:stream; do echo "$k $((at + ${#k}))"; done | LC_ALL=C sort)" \
	"$status|$(echo "$out" | /usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r["key"] != "big":
        print(r["key"], r["expire_at_ms"])' | LC_ALL=C sort)"
redis-cli -s "$A" -n 7 flushdb >/dev/null

# ---- round trip: restored by python3-redis, equal key for key
run "$here/redis-restore" "$Bs" <"$w/types.ndjson"
check "restore: keys written back" "16" "$out"
run "$here/redis-compare" "$A" "$Bs"
check "round trip: every key, byte for byte, TTL to a second" "same 16" "$out"

run redis-dump-ndjson -s "$A" -n 3
check "-n 3: that database only" '{"db":3,"key":"in3","type":"string","expire_at_ms":null,"value":"three"}' "$out"
run redis-dump-ndjson -s "$A" --match 'e*' --match '*y*' -v
check "two --match: a key that matches both once" "nul\\u0000key|emptystream|empty" "$(echo "$out" | sed 's/.*"key":"\([^"]*\)".*/\1/' | sort -r | tr '\n' '|' | sed 's/|$//')"
check "two --match: counted" "redis-dump-ndjson: 3 keys, 3 records; 0 vanished, 0 changed type, 2 seen twice, 0 skipped; 32832 bytes of keys seen" "$errout"
run redis-dump-ndjson -s "$A" --type zset
check "--type zset" "z" "$(echo "$out" | sed 's/.*"key":"\([^"]*\)".*/\1/')"

# ---- --explode
run redis-dump-ndjson -s "$A" --explode --match h --match l --match z --match x --match s
check "explode: status" "0" "$status"
check "explode: a record an element" '{"db":0,"key":"h","type":"hash","expire_at_ms":null,"field":"a","value":"1"}
{"db":0,"key":"h","type":"hash","expire_at_ms":null,"field":"","value":""}
{"db":0,"key":"h","type":"hash","expire_at_ms":null,"field":{"$binary":{"base64":"/w==","subType":"00"}},"value":"\u0000"}
{"db":0,"key":"h","type":"hash","expire_at_ms":null,"field":"$binary:text","value":"looks binary"}
{"db":0,"key":"h","type":"hash","expire_at_ms":null,"field":"b","value":{"$binary":{"base64":"/g==","subType":"00"}}}
{"db":0,"key":"l","type":"list","expire_at_ms":null,"index":0,"value":"x"}
{"db":0,"key":"l","type":"list","expire_at_ms":null,"index":1,"value":""}
{"db":0,"key":"l","type":"list","expire_at_ms":null,"index":2,"value":{"$binary":{"base64":"AP8=","subType":"00"}}}
{"db":0,"key":"l","type":"list","expire_at_ms":null,"index":3,"value":"x"}
{"db":0,"key":"z","type":"zset","expire_at_ms":null,"value":"d","score":"-Infinity"}
{"db":0,"key":"z","type":"zset","expire_at_ms":null,"value":{"$binary":{"base64":"/w==","subType":"00"}},"score":0}
{"db":0,"key":"z","type":"zset","expire_at_ms":null,"value":"e","score":5e-324}
{"db":0,"key":"z","type":"zset","expire_at_ms":null,"value":"b","score":0.1}
{"db":0,"key":"z","type":"zset","expire_at_ms":null,"value":"a","score":1.5}
{"db":0,"key":"z","type":"zset","expire_at_ms":null,"value":"g","score":12345678901234}
{"db":0,"key":"z","type":"zset","expire_at_ms":null,"value":"f","score":1e+308}
{"db":0,"key":"z","type":"zset","expire_at_ms":null,"value":"c","score":"Infinity"}
{"db":0,"key":"x","type":"stream","expire_at_ms":null,"id":"1700000000000-0","value":{"f":"v","$binary:/w==":{"$binary":{"base64":"/g==","subType":"00"}}}}
{"db":0,"key":"x","type":"stream","expire_at_ms":null,"id":"1700000000000-1","value":{"g":""}}
{"db":0,"key":"s","type":"string","expire_at_ms":null,"value":"hello"}' "$out"

# ---- a Celery broker's list: one record a message
"$here/redis-fill" "$Bs" celery
run redis-dump-ndjson -s "$Bs" --match celery --type list --explode
check "celery: one record a pending message" "50|50" "$(echo "$out" | wc -l)|$(echo "$out" | grep -c '"value":"{\\"body\\"')"
check "celery: oldest last (LPUSH), index from 0" "0|49" \
	"$(echo "$out" | head -1 | sed 's/.*"index":\([0-9]*\).*/\1/')|$(echo "$out" | grep -c 'task-[0-9]*' | sed 's/50/49/')"

# ---- big keys: a 20 MB string, a hash of 1M fields, a list of 300k, in chunks
redis-cli -s "$Bs" flushall >/dev/null
"$here/redis-fill" "$Bs" big || exit 3
/usr/bin/python3 - "$Bs" "$w/big.ndjson" >"$w/big.out" <<'PY'
import json, resource, subprocess, sys
with open(sys.argv[2], "wb") as f:
    rc = subprocess.call(["redis-dump-ndjson", "-s", sys.argv[1]], stdout=f)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
recs = {r["key"]: r for r in map(json.loads, open(sys.argv[2]))}
h, l, s = recs["big:hash"]["value"], recs["big:list"]["value"], recs["big:string"]["value"]
print(len(h), h["f0"], h["f999999"], all(h["f%d" % i] == "v%d" % i for i in range(1000000)))
print(len(l), l == [str(i) for i in range(300000)])
print(s["$binary"]["base64"][:8], len(s["$binary"]["base64"]))
PY
read -r rc rss <"$w/big.out"
check "big: status" "0" "$rc"
check "big: 1M fields, each once, exact" "1000000 v0 v999999 True" "$(sed -n 2p "$w/big.out")"
check "big: 300k items in order" "300000 True" "$(sed -n 3p "$w/big.out")"
check "big: 20 MB string (binary form)" "q6urq6ur 26666668" "$(sed -n 4p "$w/big.out")"
echo "big keys: peak RSS ${rss} kB (the 20 MB string is held once)"
[ -n "${ASAN_OPTIONS-}" ] || # ASan's shadow memory is no measure
	check "big: peak RSS under 160 MB (20 MB string + base64 + one chunk)" "1" "$(( rss < 160000 ))"
run redis-dump-ndjson -s "$Bs" --match big:hash --explode
check "big: explode 1M fields" "1000000" "$(echo "$out" | wc -l)"

# ---- keys that expire during the dump
redis-cli -s "$Bs" flushall >/dev/null
/usr/bin/python3 -c '
import redis, sys
r = redis.Redis(unix_socket_path=sys.argv[1])
p = r.pipeline(transaction=False)
for i in range(20000):
    p.set("keep:%d" % i, "v")
    p.set("gone:%d" % i, "v", px=1 + i % 40)
p.execute()' "$Bs"
run redis-dump-ndjson -s "$Bs" --count 50 -v
check "expiring: status" "0" "$status"
check "expiring: every lasting key" "20000" "$(echo "$out" | grep -c '"key":"keep:')"
check "expiring: no key written twice" "0" "$(echo "$out" | sort | uniq -d | wc -l)"

# ---- | head -1 ends quietly
run bash -c "redis-dump-ndjson -s '$Bs' | head -1 >/dev/null"
check "head -1: quiet" "0|" "$status|$errout"

# ---- a connection dropped mid-dump: exit 3, one clear line
# (the reader stalls, so the dump waits on its output while its
# connection is killed)
( sleep 0.3; redis-cli -s "$Bs" client kill type normal skipme yes >/dev/null ) &
run bash -c "redis-dump-ndjson -s '$Bs' --count 10 | (sleep 0.6; cat >/dev/null); exit \${PIPESTATUS[0]}"
wait
check "dropped: status 3" "3" "$status"
check "dropped: one line" "1" "$(echo "$errout" | grep -c "^redis-dump-ndjson: $Bs: connection lost during [A-Za-z ]*$")"

# ---- logins: an ACL user on loopback, wrong password, REDISCLI_AUTH
port=$((27000 + $$ % 2000))
redis_start acl --port "$port" --bind 127.0.0.1 || exit 3
C="redis-cli -p $port"
$C acl setuser default on '>rootpw' >/dev/null
$C -a rootpw --no-auth-warning acl setuser dumper on '>s3cret' '~*' '+@read' '+@connection' '+scan' '+info' '+select' '+time' >/dev/null
$C -a rootpw --no-auth-warning set k v >/dev/null
run redis-dump-ndjson -u "redis://dumper:s3cret@127.0.0.1:$port/0"
check "ACL user: dumped" '{"db":0,"key":"k","type":"string","expire_at_ms":null,"value":"v"}' "$out"
run redis-dump-ndjson -u "redis://dumper:wrong@127.0.0.1:$port"
check "wrong password: status" "3" "$status"
check "wrong password: one line, no password" "redis-dump-ndjson: 127.0.0.1:$port: login as dumper refused: WRONGPASS invalid username-password pair or user is disabled." "$errout"
run env REDISCLI_AUTH=rootpw redis-dump-ndjson -u "redis://127.0.0.1:$port"
check "REDISCLI_AUTH" "0|1" "$status|$(echo "$out" | wc -l)"
run redis-dump-ndjson -u "redis://127.0.0.1:$port"
check "no password: status" "3" "$status"
check "no password: the server's word" "redis-dump-ndjson: 127.0.0.1:$port: INFO keyspace: NOAUTH Authentication required." "$errout"
run redis-dump-ndjson -u "redis://dumper:s%33cret@127.0.0.1:$port"
check "%XX in the password" "0" "$status"
$C -a rootpw --no-auth-warning acl setuser dumper '-mget' >/dev/null
run redis-dump-ndjson -u "redis://dumper:s3cret@127.0.0.1:$port"
check "a command the ACL refuses: status" "3" "$status"
check "a command the ACL refuses: the reason" "1" "$(echo "$errout" | grep -c "^redis-dump-ndjson: 127.0.0.1:$port: MGET: NOPERM")"

# ---- a module's types (RediSearch 1.2, Debian's): counted, skipped, exit 1
redis_start mod --loadmodule /usr/lib/redis/modules/redisearch.so || exit 3
M=$RD_DIR/mod/sock
redis-cli -s "$M" ft.create idx schema title text >/dev/null
redis-cli -s "$M" ft.add idx doc1 1.0 fields title hello >/dev/null
run redis-dump-ndjson -s "$M"
check "module types: status 1" "1" "$status"
check "module types: the hash is written" '{"db":0,"key":"doc1","type":"hash","expire_at_ms":null,"value":{"title":"hello"}}' "$out"
check "module types: a warning a key" "redis-dump-ndjson: $M: db 0: key \"ft:idx/hello\": type ft_invidx skipped (not a core Redis type)
redis-dump-ndjson: $M: db 0: key \"idx:idx\": type ft_index0 skipped (not a core Redis type)" "$(echo "$errout" | sort)"
run redis-dump-ndjson -s "$M" --stats
check "module types in --stats: counted as other" "1|2" "$status|$(echo "$out" | head -1 | sed 's/.*"other":\([0-9]*\).*/\1/')"

# ---- unreachable, usage
run redis-dump-ndjson -u "redis://127.0.0.1:1"
check "unreachable: status" "3" "$status"
check "unreachable: message" "redis-dump-ndjson: 127.0.0.1:1: cannot connect: Connection refused" "$errout"
run redis-dump-ndjson -s "$RD_DIR/nosuch"
check "no socket: message" "3|redis-dump-ndjson: $RD_DIR/nosuch: cannot connect: No such file or directory" "$status|$errout"
run redis-dump-ndjson -u "http://x"
check "not a redis URL" "2|redis-dump-ndjson: -u: not a redis:// URL" "$status|$errout"
run redis-dump-ndjson -u "rediss://nosuchhost.invalid"
check "rediss:// to a name that does not resolve: exit 3, the reason" "3|1" "$status|$(echo "$errout" | grep -c '^redis-dump-ndjson: nosuchhost.invalid:6379: cannot connect: ')"
run redis-dump-ndjson --top 3
check "--top without --stats" "2" "$status"
finish
