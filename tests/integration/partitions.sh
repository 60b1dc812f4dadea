# --partition=K/N of each source (issue 17): for random N and random data,
# the N parts together are the whole dump, and no record is in two parts.
# sqlite-dump-ndjson: tables with rowids in gaps, negative, at both ends of
# the 64-bit range, one row, none; WITHOUT ROWID tables with NOCASE text,
# composite (one DESC) and real keys; with --where too.  The row counts
# are Python's sqlite3's.
# redis-dump-ndjson: keys named to try the hash slot (tags, empty tags,
# lone braces, binary), by SCAN and from an RDB file; each part's keys are
# in its slots as redis-py computes them.
# mongo-dump-ndjson: BSON written by pymongo (_id of every kind, and none)
# and the real mongodump directories of ../shared/testdata, in each mode.
. "$(dirname "$0")/lib.sh"
redis_start r || exit 3
sock=$RD_DIR/r/sock
w=$RD_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
prop="$top/tests/integration/partition-property"

for seed in $(seq 1 "${SEEDS:-6}"); do
	rm -f p.db
	"$prop" sqlite "$seed" "$w" >counts
	total=$(awk '{ s += $2 } END { print s }' counts)
	sqlite-dump-ndjson p.db >full.ndjson
	check "sqlite seed $seed: the full dump has Python's $total rows" "$total" "$(wc -l <full.ndjson)"
	for n in 1 2 3 $((4 + seed % 5)) 16; do
		parts=()
		for k in $(seq 1 $n); do
			sqlite-dump-ndjson --partition="$k/$n" p.db >"part$k.ndjson" || echo "part $k/$n: exit $?"
			parts+=("part$k.ndjson")
		done
		check "sqlite seed $seed, $n parts: together the whole, none shared" "ok" \
			"$("$prop" union "$n" full.ndjson "${parts[@]}")"
	done
	sqlite-dump-ndjson --where="length(v) > 2 or v is null" p.db gaps ipk >fullw.ndjson
	for k in 1 2 3; do
		sqlite-dump-ndjson --where="length(v) > 2 or v is null" --partition=$k/3 p.db gaps ipk >"w$k.ndjson"
	done
	check "sqlite seed $seed: --where and --partition" "ok" \
		"$("$prop" union 3 fullw.ndjson w1.ndjson w2.ndjson w3.ndjson)"
done

for seed in $(seq 1 "${SEEDS:-3}"); do
	keys=$("$prop" redis "$seed" "$sock")
	redis-dump-ndjson -s "$sock" >full.ndjson
	redis-cli -s "$sock" save >/dev/null
	redis-dump-ndjson --rdb="$RD_DIR/r/dump.rdb" >rfull.ndjson
	check "redis seed $seed: the full dumps have the server's $keys keys" "$keys|$keys" \
		"$(wc -l <full.ndjson)|$(wc -l <rfull.ndjson)"
	check "redis seed $seed: every expiry as redis-py's PEXPIRETIME, by SCAN and from the RDB file" "ok|ok" \
		"$("$prop" expiries "$sock" full.ndjson)|$("$prop" expiries "$sock" rfull.ndjson)"
	for n in 2 3 $((4 + seed % 4)); do
		parts=() rparts=() inslots=ok
		for k in $(seq 1 $n); do
			redis-dump-ndjson -s "$sock" --partition="$k/$n" >"part$k.ndjson"
			redis-dump-ndjson --rdb="$RD_DIR/r/dump.rdb" --partition="$k/$n" >"rpart$k.ndjson"
			parts+=("part$k.ndjson")
			rparts+=("rpart$k.ndjson")
			s=$("$prop" slots "$k" "$n" "part$k.ndjson")
			[ "$s" = ok ] || inslots=$s
		done
		check "redis seed $seed, $n parts by SCAN: together the whole, none shared" "ok" \
			"$("$prop" union "$n" full.ndjson "${parts[@]}")"
		check "redis seed $seed, $n parts of the RDB file: together the whole, none shared" "ok" \
			"$("$prop" union "$n" rfull.ndjson "${rparts[@]}")"
		check "redis seed $seed, $n parts: each key in its part's slots (redis-py's key_slot)" "ok" "$inslots"
	done
done

md=$SHARED/testdata/mongodump/testdirs
for seed in $(seq 1 "${SEEDS:-3}"); do
	"$prop" bson "$seed" c.bson
	for mode in relaxed canonical pg; do
		mongo-dump-ndjson --mode=$mode c.bson >full.ndjson
		for n in 2 5; do
			parts=()
			for k in $(seq 1 $n); do
				mongo-dump-ndjson --mode=$mode --partition="$k/$n" c.bson >"part$k.ndjson"
				parts+=("part$k.ndjson")
			done
			check "mongo seed $seed --mode=$mode, $n parts: together the whole, none shared" "ok" \
				"$("$prop" union "$n" full.ndjson "${parts[@]}")"
		done
	done
done
check "mongo: the pymongo file's documents, every one" \
	"$(/usr/bin/python3 -c 'import bson, sys; print(len(bson.decode_all(open("c.bson", "rb").read())))')" \
	"$(mongo-dump-ndjson c.bson | wc -l)"
mongo-dump-ndjson "$md" >full.ndjson
parts=()
for k in 1 2 3; do
	mongo-dump-ndjson --partition="$k/3" "$md" >"part$k.ndjson"
	parts+=("part$k.ndjson")
done
check "mongo: a real mongodump directory in 3 parts: together the whole, none shared" "ok" \
	"$("$prop" union 3 full.ndjson "${parts[@]}")"
check "mongo: the parts are not empty" "3" "$(for p in "${parts[@]}"; do [ -s "$p" ] && echo; done | wc -l)"
run mongo-dump-ndjson --partition=1/2 --list "$md"
check "mongo: --partition with --list: usage" "2|mongo-dump-ndjson: --partition: not with --ddl or --list" \
	"$status|$(echo "$errout" | head -1)"

sqlite3_view() { /usr/bin/python3 -c 'import sqlite3; c = sqlite3.connect("v.db"); c.execute("create view v as select 1 as x"); c.commit()'; }
sqlite3_view
check_run "sqlite: a view cannot be cut" 2 \
	"sqlite-dump-ndjson: view v: --partition: it has neither a rowid nor a primary key to cut by" \
	sqlite-dump-ndjson --partition=1/2 v.db v
run sqlite-dump-ndjson --partition=3/2 v.db
check "--partition=3/2: usage" "2|sqlite-dump-ndjson: --partition: K/N with 1 <= K <= N <= 65536, not 3/2" \
	"$status|$(echo "$errout" | head -1)"
run sqlite-dump-ndjson --partition=1/2 --query='select 1' v.db
check "--partition with --query: usage" "2" "$status"
finish
