# pg-verify's digest attacked: changes that keep a linear per-bucket sum
# (values swapped between rows of one bucket, a boolean flipped in two
# rows, a column rotated through every row of a bucket, composite keys
# (1,X),(X,1) against (1,1),(X,X) with X in 1's bucket) are each found, by
# digest and full alike, exactly as an independent reader (Python over
# psycopg2, comparing the table with the records it wrote) lists them.
# The buckets are crafted twice: by hash_array_extended with seed 0 (what
# anyone could compute before the seeds), and with the seed a run pinned by
# PGVERIFY_SEED takes; and random changes are mixed in.  SEEDS=N (default 4).
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
sql "create table a (id bigint primary key, email text, flag boolean, n int, note text)"
sql "create table c (a int, b int, v text, primary key (a, b))"

for seed in $(seq 1 "${SEEDS:-4}"); do
	sql 'truncate a, c'
	# the records, then the table changed as the attack says; expected.txt
	# the differences a reader of the table finds, in pg-verify's order
	/usr/bin/python3 - "$seed" <<'PY'
import json, random, sys, psycopg2
seed = int(sys.argv[1])
r = random.Random(seed)
M = (1 << 64) - 1
def nxt(x):  # the PGVERIFY_SEED a run pins: its seed of the rows' hashes
    x = (x + 0x9e3779b97f4a7c15) & M
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M
    return x ^ (x >> 31)
def signed(x):
    return x - (1 << 64) if x >= 1 << 63 else x
pinned = signed(nxt(seed))
n = 6000
rows = {}
for i in range(1, n + 1):
    rows[i] = {"id": i, "email": "u%d@%s.example" % (r.randrange(10**6), r.choice("abc")),
               "flag": r.random() < 0.5, "n": r.randrange(-1000, 1000),
               "note": r.choice([None, "", "x", "Zoë"])}
with open("a.ndjson", "w") as f:
    for i in range(1, n + 1):
        print(json.dumps(rows[i], ensure_ascii=False), file=f)
conn = psycopg2.connect("")
cur = conn.cursor()
def buckets(sql_key, s, ids):
    cur.execute("select k, pg_catalog.hash_array_extended(ARRAY[%s]::bytea[], %%s) & 4095 "
                "from unnest(%%s::bigint[]) k" % sql_key, (s, list(ids)))
    by = {}
    for k, b in cur.fetchall():
        by.setdefault(b, []).append(k)
    return [sorted(v) for v in by.values() if len(v) >= 2]
# composite keys: X whose hash is B's modulo 4096 for the seed, so that
# (B,X), (X,B), (B,B) and (X,X) share a bucket
def twin(s, base):
    cur.execute("select x from generate_series(%s + 1, 300000) x where "
                "pg_catalog.hash_array_extended(ARRAY[int4send(x)]::bytea[], %s) & 4095 = "
                "pg_catalog.hash_array_extended(ARRAY[int4send(%s)]::bytea[], %s) & 4095 "
                "order by x limit 1", (base, s, base, s))
    return cur.fetchone()[0]
crows = {(5, 5): "same"}
pairs = [(1, twin(0, 1)), (2, twin(pinned, 2))]
with open("c.ndjson", "w") as f:
    for b_, x in pairs:
        crows[(b_, x)] = None
        crows[(x, b_)] = None
    for (a, b), v in sorted(crows.items()):
        print(json.dumps({"a": a, "b": b, "v": v}), file=f)
conn.commit()
cur.execute("select 1")
table = {k: dict(v) for k, v in rows.items()}
# the attacks, on buckets of seed 0 and of the pinned seed
for s in (0, pinned):
    groups = buckets("int8send(k)", s, rows.keys())
    r.shuffle(groups)
    g = iter(groups)
    for _ in range(3):  # swap emails between two rows of a bucket
        x, y = next(g)[:2]
        table[x]["email"], table[y]["email"] = table[y]["email"], table[x]["email"]
    for _ in range(3):  # a boolean flipped in two rows of a bucket, one each way
        for grp in g:
            t = [k for k in grp if table[k]["flag"]]
            f_ = [k for k in grp if not table[k]["flag"]]
            if t and f_:
                table[t[0]]["flag"], table[f_[0]]["flag"] = False, True
                break
    for _ in range(2):  # a column rotated through every row of a bucket
        grp = next(g)
        vals = [table[k]["n"] for k in grp]
        if len(set(vals)) > 1:
            vals = vals[1:] + vals[:1]
            for k, v in zip(grp, vals):
                table[k]["n"] = v
    for _ in range(2):  # two rows' notes and emails exchanged together
        x, y = next(g)[:2]
        for c in ("email", "note"):
            table[x][c], table[y][c] = table[y][c], table[x][c]
# random changes too: a value, a row gone, a row more
for _ in range(r.randrange(0, 3)):
    k = r.randrange(1, n + 1)
    table[k]["n"] = table[k]["n"] + 1
gone = r.sample(sorted(table), r.randrange(0, 2))
for k in gone:
    del table[k]
# the table: the records as changed, written by psycopg2
cur.execute("truncate a, c")
cur.executemany("insert into a values (%(id)s, %(email)s, %(flag)s, %(n)s, %(note)s)", table.values())
cur.execute("insert into a values (%s, 'extra@x', true, 0, null)", (n + 1 + r.randrange(100),))
ctable = {(5, 5): "same"}
for b_, x in pairs:
    ctable[(b_, b_)] = None
    ctable[(x, x)] = None
cur.executemany("insert into c values (%s, %s, %s)", [(a, b, v) for (a, b), v in ctable.items()])
conn.commit()
# the reader: the table as it is, against the records
cur.execute("select id, email, flag, n, note from a")
have = {t[0]: dict(zip(("id", "email", "flag", "n", "note"), t)) for t in cur.fetchall()}
out = []
for k in sorted(set(rows) - set(have)):
    out.append({"status": "missing", "table": "public.a", "key": {"id": k}})
for k in sorted(set(have) - set(rows)):
    out.append({"status": "extra", "table": "public.a", "key": {"id": k}})
for k in sorted(set(rows) & set(have)):
    cols = [c for c in ("email", "flag", "n", "note") if rows[k][c] != have[k][c]]
    if cols:
        out.append({"status": "changed", "table": "public.a", "key": {"id": k}, "columns": cols})
with open("expected-a.txt", "w") as f:
    for o in out:
        print(json.dumps(o, separators=(",", ":"), ensure_ascii=False), file=f)
cur.execute("select a, b, v from c")
chave = {(a, b): v for a, b, v in cur.fetchall()}
out = []
for k in sorted(set(crows) - set(chave)):
    out.append({"status": "missing", "table": "public.c", "key": {"a": k[0], "b": k[1]}})
for k in sorted(set(chave) - set(crows)):
    out.append({"status": "extra", "table": "public.c", "key": {"a": k[0], "b": k[1]}})
with open("expected-c.txt", "w") as f:
    for o in out:
        print(json.dumps(o, separators=(",", ":")), file=f)
PY
	check "seed $seed: the attack was made" "0" "$?"
	for how in "digest PGVERIFY_SEED=$seed" "digest PGVERIFY_SEED=" "full PGVERIFY_SEED="; do
		set -- $how
		run env "$2" pg-verify -q -t a --key=id --mode="$1" a.ndjson
		check "seed $seed, $how: a's differences, as the reader finds them" \
			"1|$(cat expected-a.txt)" "$status|$(echo "$out" | grep '^{"status"')"
		run env "$2" pg-verify -q -t c --key=a,b --mode="$1" c.ndjson
		check "seed $seed, $how: composite keys (1,X),(X,1) vs (1,1),(X,X)" \
			"1|$(cat expected-c.txt)" "$status|$(echo "$out" | grep '^{"status"')"
	done
done
finish
