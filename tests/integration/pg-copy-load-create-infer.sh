# pg-copy-load --create on the seed 004 path: random typed PostgreSQL
# tables streamed as to_jsonb(row) (NaN and the infinities as the strings
# the contract spells them, -0, extremes, nulls) into --create; the oracle
# is PostgreSQL reading each value as the stream has it (to_jsonb's own text)
# as the created column's type: every stored value must be that, image for
# image, and the type one the value's kind allows (numbers with "NaN" are double precision or
# numeric, never jsonb or text).  SEEDS=N (default 4) for more.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3

for seed in $(seq 1 "${SEEDS:-4}"); do
	/usr/bin/python3 - "$seed" <<'PY' >out.$seed 2>&1
import json, random, subprocess, sys, psycopg2
seed = int(sys.argv[1])
rnd = random.Random(seed)
conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()

def flt(kind):
    r = rnd.random()
    if r < 0.15: return rnd.choice(["'NaN'", "'Infinity'", "'-Infinity'"])
    if r < 0.2: return "'-0'"
    if r < 0.3 and kind == 8: return "'%r'" % rnd.choice([1e300, 5e-324, 1.7976931348623157e308, 0.1, 2.0**53 + 2])
    if r < 0.3: return "'%r'" % rnd.choice([3.4028235e38, 1e-45, 0.1, 16777216.0])
    if r < 0.4: return str(rnd.randint(-10**6, 10**6))
    return "'%r'" % (rnd.uniform(-1e6, 1e6) * 10 ** rnd.randint(-20, 20))
def num():
    r = rnd.random()
    if r < 0.15: return rnd.choice(["'NaN'", "'Infinity'", "'-Infinity'"])
    if r < 0.3: return str(rnd.randint(-10**30, 10**30))
    return "%d.%0*d" % (rnd.randint(-10**9, 10**9), rnd.randint(1, 12), rnd.randint(0, 10**6))
def integer(bits):
    return str(rnd.randint(-2**(bits-1), 2**(bits-1)-1))
gens = {
    "float8": lambda: flt(8), "real": lambda: flt(4), "numeric": num,
    "int2": lambda: integer(16), "int4": lambda: integer(32), "int8": lambda: integer(64),
    "boolean": lambda: rnd.choice(["true", "false"]),
    "text": lambda: "'t%d'" % rnd.randint(0, 99),
    "timestamptz": lambda: "'2024-0%d-1%d 1%d:00:00.%d+0%d'" % (rnd.randint(1, 9), rnd.randint(0, 9), rnd.randint(0, 9), rnd.randint(0, 999999), rnd.randint(0, 9)),
    "date": lambda: "'20%02d-0%d-1%d'" % (rnd.randint(0, 99), rnd.randint(1, 9), rnd.randint(0, 9)),
}
# what each source type may become: exact for its stream text
allowed = {
    "float8": {"double precision", "numeric", "bigint"}, "real": {"double precision", "numeric", "bigint"},
    "numeric": {"numeric", "double precision", "bigint"},
    "int2": {"bigint"}, "int4": {"bigint"}, "int8": {"bigint"},
    "boolean": {"boolean"}, "text": {"text"}, "timestamptz": {"timestamp with time zone"}, "date": {"date"},
}
fail = 0
for tno in range(3):
    src, dst = "s%d_%d" % (seed, tno), "d%d_%d" % (seed, tno)
    cols = [rnd.choice(list(gens)) for _ in range(rnd.randint(1, 6))]
    cur.execute("drop table if exists %s, %s" % (src, dst))
    cur.execute("create table %s (id int primary key, %s)" % (src, ", ".join("c%d %s" % (i, t) for i, t in enumerate(cols))))
    for r in range(rnd.randint(1, 40)):
        vals = [gens[t]() if rnd.random() > 0.1 else "null" for t in cols]
        cur.execute("insert into %s values (%d, %s)" % (src, r, ", ".join(vals)))
    cur.execute("select (to_jsonb(s) || jsonb_build_object('$table', %s))::text from " + src + " s order by id", (dst,))
    stream = "".join(row[0] + "\n" for row in cur.fetchall())
    p = subprocess.run(["pg-copy-load", "-q", "--create"], input=stream.encode(), capture_output=True)
    if p.returncode != 0:
        print("seed %d %s: pg-copy-load status %d: %s" % (seed, src, p.returncode, p.stderr.decode()))
        fail += 1
        continue
    cur.execute("select count(*) from %s" % src); n = cur.fetchone()[0]
    cur.execute("select count(*) from %s" % dst); m = cur.fetchone()[0]
    if n != m:
        print("seed %d %s: %d rows, %d loaded" % (seed, src, n, m)); fail += 1
    for i, t in enumerate(cols):
        cur.execute("select format_type(atttypid, atttypmod) from pg_attribute where attrelid = %s::regclass and attname = %s", (dst, "c%d" % i))
        got = cur.fetchone()
        if got is None:
            # a column of only nulls in every record may be absent? no: to_jsonb keeps nulls
            print("seed %d %s.c%d (%s): no column" % (seed, dst, i, t)); fail += 1; continue
        got = got[0]
        cur.execute("select count(*) filter (where c%d is not null) from %s" % (i, src))
        if cur.fetchone()[0] == 0:
            continue  # only nulls: any type holds them
        if got not in allowed[t]:
            print("seed %d %s.c%d: source %s, created %s" % (seed, dst, i, t, got)); fail += 1; continue
        # the oracle: the value as the stream has it (PostgreSQL's own
        # to_jsonb: -0 is 0 there), read by PostgreSQL as the created type
        cur.execute("select a.id, a.c{0}::text, b.c{0}::text from {1} a join {2} b on b.id = a.id "
                    "where not pg_catalog.record_image_eq(row(b.c{0}), row(((pg_catalog.to_jsonb(a)->>'c{0}'))::{3}))".format(i, src, dst, got))
        for row in cur.fetchall():
            print("seed %d %s.c%d (%s -> %s) id %s: source %s, stored %s" % ((seed, dst, i, t, got) + row)); fail += 1
print("fail=%d" % fail)
PY
	check "seed $seed: types and values as PostgreSQL reads the source's text" "fail=0" "$(tail -1 out.$seed)"
	[ "$(tail -1 out.$seed)" = fail=0 ] || head -20 out.$seed
done
finish
