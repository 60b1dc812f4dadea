# --partition=K/N of each source (issue 17): for random N and random data,
# the N parts together are the whole dump, and no record is in two parts.
# sqlite-dump-ndjson: tables with rowids in gaps, negative, at both ends of
# the 64-bit range, one row, none; WITHOUT ROWID tables with NOCASE text,
# composite (one DESC) and real keys; with --where too.  The row counts
# are Python's sqlite3's.
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d /tmp/partitions.XXXXXX)
trap 'rm -rf "$w"' EXIT
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
