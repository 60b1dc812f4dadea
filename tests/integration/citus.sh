# pg-copy-load and pg-verify on Citus (issue 17): a real cluster on
# loopback, a coordinator and two workers (scripts/citustest.sh, Citus
# 13.2.2 built from ../shared/vendor by scripts/install-deps).  A
# distributed table loads exactly in text and binary COPY, as psycopg2 reads
# it back.  A constraint violated on a worker comes back as XX000 with no
# line: pg-copy-load narrows it down to the record, whose one-row INSERT
# keeps the worker's SQLSTATE; without rejects allowed it stops naming the
# record (exit 1) as on a local table; with them, the reject property holds
# in every format and mode (random seeds; a foreign key to a reference
# table, NOT NULL, CHECK and unique violated on the workers), constraints
# named as the table's, not the shard's; and 1% of 5,000 records violating
# a unique and a foreign key on the workers, exactly those rejected.  --create --distribute/--reference,
# also four such loads side by side;
# --freeze refused.  pg-verify: the digest runs on the workers and says what
# it says of a local copy.  --resume after kill -9 finishes the job; a
# worker stopped mid-load is exit 3 with nothing rejected.
. "$(dirname "$0")/lib.sh"
. "$top/scripts/citustest.sh"
citus_start || exit 3
w=$CITUS_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
sql "create table t (id bigint primary key, n numeric, v text, j jsonb, b bytea, at timestamptz);
	select create_distributed_table('t', 'id')" >/dev/null
check "the table is distributed over two workers" "2" \
	"$(sql "select count(distinct nodename || nodeport) from citus_shards where table_name = 't'::regclass")"
/usr/bin/python3 - <<'PY'
import base64, json, random
r = random.Random(17)
with open("src.ndjson", "w") as f:
    for i in range(1, 5001):
        rec = {"id": i if i % 2 else -i * 7919, "n": r.choice([str(r.randrange(-10**30, 10**30)), "1.50", "-0.000001"]),
               "v": "".join(r.choice(["a", "é", "'", "\\", "\t", "\n", "☃", "\""]) for _ in range(r.randrange(0, 15))),
               "j": r.choice([{"k": [1, 2.5, None]}, [], "s", 12345678901234567890]),
               "b": {"$binary": {"base64": base64.b64encode(bytes(r.randrange(256) for _ in range(r.randrange(0, 9)))).decode(), "subType": "00"}},
               "at": r.choice(["2024-02-29T12:00:00.123456Z", "1970-01-01T00:00:00+05:30", None])}
        f.write(json.dumps(rec) + "\n")
PY
exact() { # the table against the file, by psycopg2 and Python's json
	/usr/bin/python3 - <<'PY'
import base64, datetime, decimal, json, psycopg2
want = {}
for l in open("src.ndjson"):
    r = json.loads(l)
    at = r["at"] and datetime.datetime.fromisoformat(r["at"].replace("Z", "+00:00"))
    want[r["id"]] = (decimal.Decimal(r["n"]), r["v"], r["j"], base64.b64decode(r["b"]["$binary"]["base64"]), at)
c = psycopg2.connect("")
cur = c.cursor()
cur.execute("select id, n, v, j, b, at from t")
got = {row[0]: (row[1], row[2], row[3], bytes(row[4]), row[5]) for row in cur}
print("ok" if got == want else "differ: %d rows, %d wanted" % (len(got), len(want)))
PY
}
for f in text binary; do
	sql 'truncate t' >/dev/null
	run pg-copy-load -q -t t --format=$f src.ndjson
	check "$f COPY into the distributed table: exit 0, every row exact" "0|ok" "$status|$(exact)"
done
sql 'truncate t' >/dev/null
run pg-copy-load -q -t t --batch-commit --batch-rows=700 --resume=c1 src.ndjson
check "--batch-commit --resume: exact, the ledger's counts" "0|ok|5000" \
	"$status|$(exact)|$(sql "select sum(loaded) from ndjson_migrate_ledger where id = 'c1'")"
run pg-verify -q -t t --key=id src.ndjson
check "pg-verify: equal" "0" "$status"
sql "update t set v = 'changed' where id = 3" >/dev/null
run pg-verify -q -t t --key=id src.ndjson
check "pg-verify: the changed row, and only it" "1|1" "$status|$(echo "$out" | grep -c '"key":{"id":3}')"

# a unique key violated on a worker: XX000 and no line from the coordinator
sql 'truncate t' >/dev/null
head -300 src.ndjson >dup.ndjson
sed -n 120p src.ndjson >>dup.ndjson
run pg-copy-load -t t --max-rejects=10 --rejects=rej.ndjson dup.ndjson
check "a worker's unique violation: rejected (exit 1) with 23505 and the constraint's own name, the rest in" \
	"1|300|301 23505 t_pkey" "$status|$(sql 'select count(*) from t')|$(/usr/bin/python3 -c '
import json
r = json.loads(open("rej.ndjson").read())
print(r["line"], r["sqlstate"], "t_pkey" if "\"t_pkey\"" in r["error"] else r["error"])')"
sql 'truncate t' >/dev/null
run pg-copy-load -t t dup.ndjson
check "without rejects allowed: exit 1 naming the record, as a local table's, nothing committed" \
	"1|pg-copy-load: dup.ndjson:301: duplicate key value violates unique constraint \"t_pkey\"|0" \
	"$status|$(echo "$errout" | head -1)|$(sql 'select count(*) from t')"

# the reject property of pg-copy-load-reject-property.sh on Citus: random
# streams of good and bad records (a foreign key to a reference table, NOT
# NULL, CHECK and a unique key violated on the workers, and the rest),
# loaded in every format and mode; after each load the table holds exactly
# the good records, the rejects file exactly the bad lines, the summary's
# counts are the table's.  CITUS_SEEDS=N (default 3) for a longer campaign.
prop="$top/tests/integration/reject-property"
sql "$("$prop" schema citus)" >/dev/null
for seed in $(seq 1 "${CITUS_SEEDS:-3}"); do
	reject_property "$seed" $((60 + seed * 37 % 140)) $((2 + seed % 5)) citus \
		"one commit rows jobs upsert resume" "text binary"
done
check "the rejects name constraints, never a shard's" "0" \
	"$(grep -c '_10[0-9][0-9][0-9][0-9]' rej.ndjson)"

# 1% bad at scale: a unique key and a foreign key (to a reference table)
# violated on the workers, exactly those records rejected with their own
# SQLSTATE, every other loaded value for value
sql "create table cat (id int primary key); select create_reference_table('cat');
	insert into cat select generate_series(1, 50);
	create table ev (id bigint primary key, cat int references cat (id), v text);
	select create_distributed_table('ev', 'id')" >/dev/null
/usr/bin/python3 - <<'PY'
import json, random
rnd = random.Random(1717)
bad, good = {}, {}
with open("ev.ndjson", "w") as f:
    for line in range(1, 5001):
        rec = {"id": line, "cat": rnd.randint(1, 50), "v": "é\t%d" % line}
        if line > 20 and rnd.random() < 0.01:
            if rnd.random() < 0.5:
                rec["id"] = rnd.choice(list(good))  # loaded before
                bad[line] = "23505"
            else:
                rec["cat"] = 51 + line              # no such category
                bad[line] = "23503"
        else:
            good[line] = rec
        f.write(json.dumps(rec) + "\n")
json.dump({"bad": bad, "good": good}, open("ev.json", "w"))
PY
run pg-copy-load -q -t ev --batch-commit --max-rejects=1000 --rejects=ev-rej.ndjson ev.ndjson
check "1% bad (unique and foreign key on the workers): exit 1, exactly those rejected with their SQLSTATE, the rest exact" \
	"1|ok" "$status|$(/usr/bin/python3 - <<'PY'
import json, psycopg2
t = json.load(open("ev.json"))
bad = {int(k): v for k, v in t["bad"].items()}
good = {r["id"]: (r["cat"], r["v"]) for r in t["good"].values()}
rej = {r["line"]: r["sqlstate"] for r in map(json.loads, open("ev-rej.ndjson"))}
cur = psycopg2.connect("").cursor()
cur.execute("select id, cat, v from ev")
got = {i: (c, v) for i, c, v in cur}
if rej != bad:
    print("rejects differ: %r" % sorted(set(rej.items()) ^ set(bad.items()))[:4])
elif got != good:
    print("table differs: %d rows, %d wanted" % (len(got), len(good)))
else:
    print("ok")
PY
)"

# a name of the user's own that ends in digits keeps them; a shard's loses
# its suffix
sql "create table cc (id bigint primary key, v int constraint cc_check_12345 check (v > 0));
	select create_distributed_table('cc', 'id')" >/dev/null
printf '{"id": 1, "v": 1}\n{"id": 2, "v": -1}\n' >cc.ndjson
run pg-copy-load -t cc cc.ndjson
check "a CHECK named cc_check_12345: its own name, the shard's table without its number" \
	"1|pg-copy-load: cc.ndjson:2: new row for relation \"cc\" violates check constraint \"cc_check_12345\"" \
	"$status|$(echo "$errout" | head -1)"

# --jobs times the connections a job takes to a worker over what it takes:
# a warning for each such worker (the pool raised to 16 by the user)
head -20 src.ndjson >few.ndjson
sql 'truncate t' >/dev/null
PGOPTIONS="-c citus.max_adaptive_executor_pool_size=16" run pg-copy-load -q -t t --jobs=13 few.ndjson
check "--jobs=13 x 16 shards on each worker > 197: a warning per worker, the load done" \
	"0|2|pg-copy-load: public.t: --jobs=13 x 16 shards on worker 127.0.0.1:$((PGPORT + 1)): 208 connections, more than the 197 it takes (max_connections less superuser_reserved_connections): lower --jobs or raise its max_connections|20" \
	"$status|$(echo "$errout" | grep -c 'connections, more than')|$(echo "$errout" | head -1)|$(sql 'select count(*) from t')"
run pg-copy-load -q -t t --truncate --jobs=13 few.ndjson
check "--jobs=13 with one connection a worker each: no warning" "0|" "$status|$errout"

# --create --distribute / --reference: made and distributed in the load's
# transaction; a local table that exists is refused
run pg-copy-load -q -t made --create --distribute=id src.ndjson
check "--create --distribute=id: a hash-distributed table on id, every row" "0|h id|5000" \
	"$status|$(sql "select partmethod::text || ' ' || column_to_column_name(logicalrelid, partkey) from pg_dist_partition where logicalrelid = 'made'::regclass")|$(sql 'select count(*) from made')"
run pg-copy-load -q -t made2 --create --distribute=id:made src.ndjson
check "--distribute=id:made: colocated with it" "0|t" \
	"$status|$(sql "select (select colocationid from pg_dist_partition where logicalrelid = 'made'::regclass) = (select colocationid from pg_dist_partition where logicalrelid = 'made2'::regclass)")"
head -50 src.ndjson >ref.ndjson
run pg-copy-load -q -t ref --create --reference ref.ndjson
check "--create --reference: a reference table, every row" "0|n|50" \
	"$status|$(sql "select partmethod from pg_dist_partition where logicalrelid = 'ref'::regclass")|$(sql 'select count(*) from ref')"
# four parts side by side (make -j), each --create --distribute and its own
# --resume, no table before: one makes and distributes it, the others wait
# and load into it
for k in 0 1 2 3; do
	awk -v k=$k 'NR % 4 == k' src.ndjson >"part$k.ndjson"
	{
		pg-copy-load -q -t side --create --distribute=id --batch-commit \
			--batch-rows=200 --resume="side-$k" "part$k.ndjson"
		echo "$?" >"part$k.status"
	} 2>"part$k.err" &
done
wait
check "four --create --distribute loads side by side: all exit 0, one distributed table, every row once" \
	"0 0 0 0||h|5000|5000" \
	"$(cat part0.status part1.status part2.status part3.status | tr '\n' ' ' | sed 's/ $//')|$(grep -hv 'made meanwhile' part?.err)|$(sql "select partmethod from pg_dist_partition where logicalrelid = 'side'::regclass")|$(sql 'select count(*), count(distinct id) from side')"
sql 'create table plain (id bigint, v text)' >/dev/null
run pg-copy-load -t plain --distribute=id ref.ndjson
check "--distribute and a local table that exists: refused before any row" "2|pg-copy-load: --distribute: public.plain is not a Citus table|0" \
	"$status|$(echo "$errout" | head -1)|$(sql 'select count(*) from plain')"
run pg-copy-load -t plain --distribute=id --reference ref.ndjson
check "--distribute with --reference: usage" "2|pg-copy-load: --distribute, --reference and --hypertable: one of them" "$status|$errout"

sql 'truncate t' >/dev/null
pg-copy-load -q -t t ref.ndjson
run pg-copy-load -t t --truncate --freeze src.ndjson
check "--freeze on a distributed table: refused before any row" "2|pg-copy-load: --freeze: public.t is distributed by Citus: COPY FREEZE has no effect on its shards" \
	"$status|$(echo "$errout" | head -1)"
check "--freeze refused: nothing loaded, nothing emptied" "50" "$(sql 'select count(*) from t')"
# pg-verify: the digest's aggregate runs on the workers, one query per
# shard (Citus pushes the GROUP BY down), and gives the answer a local copy
# of the table gives
sql "create table lt as select * from t" >/dev/null
PGOPTIONS="-c citus.log_remote_commands=on" run pg-verify -q -t t --key=id ref.ndjson
check "pg-verify on a distributed table: equal, its digest aggregated on the workers by shard" "0|32" \
	"$status|$(echo "$errout" | grep -c 'AS b, count(\*) AS count, sum(hashtextextended(.*hash_array_extended(.*FROM public\.t_[0-9]* t .*GROUP BY')"
sql "update t set v = v || 'x' where id = (select min(id) from t); update lt set v = v || 'x' where id = (select min(id) from lt)" >/dev/null
run pg-verify -t t --key=id ref.ndjson
a="$status|$out"
run pg-verify -t lt --key=id ref.ndjson
check "pg-verify: the distributed table and its local copy, one row changed: the same report" \
	"1|1|$status|$(echo "$out" | sed 's/public\.lt/public.t/g')" "$status|$(echo "$a" | grep -c '"status":"changed"')|$a"

# --resume after a load killed at a random moment: run again, it finishes
# the job; the table holds each record once
/usr/bin/python3 -c '
for i in range(1, 40001):
    print("{\"id\": %d, \"v\": \"r%d\"}" % (i, i))' >big.ndjson
sql "create table k (id bigint primary key, v text); select create_distributed_table('k', 'id')" >/dev/null
pg-copy-load -q -t k --batch-commit --batch-rows=100 --resume=kill big.ndjson &
pid=$!
for _ in $(seq 1 200); do
	[ "$(sql "select coalesce(sum(loaded), 0) >= $((2000 + RANDOM % 8000)) from ndjson_migrate_ledger where id = 'kill'" 2>/dev/null)" = t ] && break
	sleep 0.05
done
{
	kill -9 $pid
	wait $pid
} 2>/dev/null
killed=$(sql 'select count(*) from k')
run pg-copy-load -q -t k --batch-commit --batch-rows=100 --resume=kill big.ndjson
check "--resume after kill -9 mid-load: exit 0, every record once, the ledger's count the table's" \
	"0|mid-load|40000|40000|40000" \
	"$status|$([ "$killed" -gt 0 ] && [ "$killed" -lt 40000 ] && echo mid-load || echo "killed at $killed")|$(sql 'select count(*) from k')|$(sql 'select count(distinct v) from k')|$(sql "select sum(loaded) from ndjson_migrate_ledger where id = 'kill'")"

# a worker gone is not the data's fault: exit 3, nothing rejected.  Stopped
# before the load; and mid-load, three times (Citus may then name the line
# its COPY was at in an XX000 about the connection: once, that line was
# rejected)
pg_as "$PG_BIN/pg_ctl" -D "$CITUS_DIR/n2/data" -m immediate stop >/dev/null
run pg-copy-load -t k --max-rejects=100000 --rejects=down.ndjson big.ndjson
check "a worker down before the load: exit 3, no record rejected" "3|0" "$status|$(wc -l <down.ndjson)"
pg_as "$PG_BIN/pg_ctl" -D "$CITUS_DIR/n2/data" -l "$CITUS_DIR/n2/server.log" -w start >/dev/null
for try in 1 2 3; do
	sql 'truncate k' >/dev/null
	pg-copy-load -t k --batch-commit --batch-rows=100 --retries=1 --max-rejects=100000 \
		--rejects=down.ndjson big.ndjson 2>down.err &
	pid=$!
	for _ in $(seq 1 200); do
		[ "$(sql "select count(*) >= $((1000 + RANDOM % 5000)) from k" 2>/dev/null)" = t ] && break
		sleep 0.02
	done
	pg_as "$PG_BIN/pg_ctl" -D "$CITUS_DIR/n2/data" -m immediate stop >/dev/null
	wait $pid
	status=$?
	check "a worker stopped mid-load ($try): exit 3, no record rejected" "3|0" "$status|$(wc -l <down.ndjson)"
	pg_as "$PG_BIN/pg_ctl" -D "$CITUS_DIR/n2/data" -l "$CITUS_DIR/n2/server.log" -w start >/dev/null
done
finish
