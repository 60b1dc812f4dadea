# pg-copy-load and pg-verify on Citus (issue 17, a first part): a real
# cluster on loopback, a coordinator and two workers (scripts/citustest.sh,
# Citus 13.2.2 built from ../shared/vendor by scripts/install-deps).  A
# distributed table loads exactly in text and binary COPY, as psycopg2 reads
# it back; pg-verify finds it equal, and finds a changed row.  A constraint
# violated on a worker comes back as XX000 with no line: pg-copy-load narrows
# it down to the record; with rejects allowed, the lone record is sent again
# as a one-row INSERT, which keeps the worker's SQLSTATE, and rejected with
# it, the constraint named as the table's (not its shard's); a lone record
# whose INSERT goes in or fails otherwise stops the load (exit 3): the
# worker's error was not the data's.  --freeze, which does nothing on
# shards, is refused.
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
run pg-copy-load -t t dup.ndjson
check "without rejects allowed: exit 3 naming the table, nothing more committed" "3|300" \
	"$status|$(sql 'select count(*) from t')"

# with rejects allowed: each record a worker refuses is found and rejected
# with the worker's own SQLSTATE (a one-row INSERT keeps it), in text and
# binary COPY, exactly the bad ones; the rest loaded
sql "create table r (id bigint primary key, v text not null); select create_distributed_table('r', 'id')" >/dev/null
/usr/bin/python3 - <<'PY'
import json, random
rnd = random.Random(4)
bad = []
with open("bad.ndjson", "w") as f:
    for i in range(1, 3001):
        if rnd.random() < 0.01 and i > 10:
            if rnd.random() < 0.5:
                f.write(json.dumps({"id": rnd.randrange(1, i), "v": "dup"}) + "\n")  # a key loaded before
                bad.append((i, "23505"))
            else:
                f.write(json.dumps({"id": 100000 + i, "v": None}) + "\n")  # NOT NULL
                bad.append((i, "23502"))
        else:
            f.write(json.dumps({"id": i, "v": "v\t%d\\" % i}) + "\n")
json.dump(bad, open("bad.json", "w"))
PY
for f in text binary; do
	sql 'truncate r' >/dev/null
	rm -f rrej.ndjson
	run pg-copy-load -t r --format=$f --max-rejects=100 --rejects=rrej.ndjson --batch-rows=500 bad.ndjson
	check "$f: a worker's refusals rejected, each with its own SQLSTATE and the constraint's name; the rest in" "1|ok" \
		"$status|$(/usr/bin/python3 - <<'PY'
import json, psycopg2
bad = {i: st for i, st in json.load(open("bad.json"))}
rej = [json.loads(l) for l in open("rrej.ndjson")]
got = {r["line"]: r["sqlstate"] for r in rej}
cur = psycopg2.connect("").cursor()
cur.execute("select count(*) from r")
n = cur.fetchone()[0]
shard = [r["error"] for r in rej if "_10" in r["error"]]
if got != bad:
    print("rejects differ: %r" % sorted(set(got.items()) ^ set(bad.items()))[:3])
elif n != 3000 - len(bad):
    print("%d rows, want %d" % (n, 3000 - len(bad)))
elif shard:
    print("a shard's name: %s" % shard[0])
else:
    print("ok")
PY
)"
done
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
sql 'create table plain (id bigint, v text)' >/dev/null
run pg-copy-load -t plain --distribute=id ref.ndjson
check "--distribute and a local table that exists: refused before any row" "2|pg-copy-load: --distribute: public.plain is not a Citus table|0" \
	"$status|$(echo "$errout" | head -1)|$(sql 'select count(*) from plain')"
run pg-copy-load -t plain --distribute=id --reference ref.ndjson
check "--distribute with --reference: usage" "2|pg-copy-load: --distribute, --reference and --hypertable: one of them" "$status|$errout"

run pg-copy-load -t t --truncate --freeze src.ndjson
check "--freeze on a distributed table: refused before any row" "2|pg-copy-load: --freeze: public.t is distributed by Citus: COPY FREEZE has no effect on its shards" \
	"$status|$(echo "$errout" | head -1)"
check "--freeze refused: nothing loaded, nothing emptied" "300" "$(sql 'select count(*) from t')"
finish
