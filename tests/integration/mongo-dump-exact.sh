# mongo-dump-ndjson: numbers land in PostgreSQL exactly (issue 30).  Many
# seeds of fields mixing Int32, Int64, Double and Decimal128 (written by
# pymongo's bson), typed by --ddl=pre, loaded with pg-copy-load, read back
# and compared with pymongo's decoding as Python Fractions.  A value that
# no column type of the scan holds (Decimal128 -0, a Double -0 beside
# Int64) is refused by name, never loaded changed.
. "$(dirname "$0")/lib.sh"
here=$top/tests/integration
w=$(mktemp -d)
chmod 755 "$w" # the postgres user starts the cluster from here
trap 'rm -rf "$w"; pg_stop' EXIT
cd "$w" || exit 3
SEEDS=${SEEDS:-4}
pg_start || exit 3

for seed in $(seq 1 "$SEEDS"); do
	rm -rf d && mkdir -p d/app
	/usr/bin/python3 - "$seed" <<'PY' || exit 3
import bson, random, sys
from bson.int64 import Int64
from bson.decimal128 import Decimal128
r = random.Random(int(sys.argv[1]))
def i32(): return r.choice([r.randrange(-2**31, 2**31), 2**31 - 1, -2**31, 0])
def i64(): return Int64(r.choice([r.randrange(-2**63, 2**63), 2**53 + 1, -(2**53) - 1, 2**63 - 1, r.randrange(-2**60, 2**60)]))
def dbl():
    return r.choice([r.uniform(-1e6, 1e6), r.random() * 10 ** r.randrange(-300, 300), float(2**53), 0.1,
                     float(r.randrange(-2**62, 2**62)), 5e-324, 1.7976931348623157e308])
def dec():
    # (a negative zero is refused by numeric: checked below)
    return Decimal128("%s%de%d" % (r.choice(["", "-"]), r.randrange(1, 10**r.randrange(1, 34)), r.randrange(-40, 40)))
mixes = {"a": [i32, dbl], "b": [i64, dbl], "c": [i32, i64, dbl, dec], "e": [i64, dec]}
for name, kinds in mixes.items():
    with open("d/app/%s.bson" % name, "wb") as f:
        for n in range(200):
            f.write(bson.encode({"_id": n, "v": r.choice(kinds)()}))
PY
	for c in a b c e; do
		run bash -o pipefail -c "mongo-dump-ndjson --ddl=pre --fields=v d/app/$c.bson | psql -X -q -v ON_ERROR_STOP=1 && mongo-dump-ndjson --mode=pg --fields=_id,v d/app/$c.bson | pg-copy-load -q -t $c"
		check "seed $seed: $c: typed and loaded" "0|" "$status|$errout"
	done
	check "seed $seed: each value as pymongo decodes it, exactly" "same" "$(/usr/bin/python3 - <<'PY'
import bson, psycopg2
from fractions import Fraction
from decimal import Decimal
cur = psycopg2.connect("").cursor()
bad = []
for c in "abce":
    want = {d["_id"]: d["v"] for d in bson.decode_all(open("d/app/%s.bson" % c, "rb").read())}
    cur.execute("select _id, v::text, format_type(atttypid, atttypmod) from %s, pg_attribute "
                "where attrelid = '%s'::regclass and attname = 'v'" % (c, c))
    rows = cur.fetchall()
    if len(rows) != len(want):
        bad.append("%s: %d rows" % (c, len(rows)))
    for i, text, typ in rows:
        v = want[i]
        if isinstance(v, float):
            # a double is the shortest text that reads back as itself
            ok = float(text) == v
        else:
            exact = Fraction(v.to_decimal()) if hasattr(v, "to_decimal") else Fraction(v)
            ok = Fraction(Decimal(text)) == exact and typ != "double precision" or \
                (typ == "double precision" and Fraction(float(text)) == exact)
        if not ok:
            bad.append("%s %s %r: %s loaded %s" % (c, typ, v, typ, text))
    cur.execute("drop table %s" % c)
cur.connection.commit()
print("same" if not bad else "; ".join(bad[:5]))
PY
)"
done
check "the types the scan chose" 'double precision|numeric|numeric|numeric' "$(for c in a b c e; do mongo-dump-ndjson --ddl=pre --fields=v d/app/$c.bson | sed -n 's/^    "v" \([a-z ]*[a-z]\).*/\1/p'; done | paste -sd'|')"

# ---- Int64 2^53 + 1 beside a double: the issue's case, in numeric
"$here/bson-dumps" raw big.bson 'bson.encode({"_id": 1, "v": bson.Int64(2**53 + 1)}) + bson.encode({"_id": 2, "v": 0.5})'
run mongo-dump-ndjson --ddl=pre --fields=v big.bson
check "Int64 and Double: numeric" '0|    "v" numeric NOT NULL' "$status|$(echo "$out" | grep '"v"')"

# ---- a Double -0 beside Int64: numeric would make it 0, refused
"$here/bson-dumps" raw negz.bson 'bson.encode({"_id": 1, "v": bson.Int64(7)}) + bson.encode({"_id": 2, "v": -0.0})'
check_run "a Double -0 in a numeric column" 1 \
	"mongo-dump-ndjson: negz: column v: numeric (for its integers and doubles) has no -0, and a Double -0 is there: it would load as 0" \
	mongo-dump-ndjson --ddl=pre --fields=v negz.bson
"$here/bson-dumps" raw dz.bson 'bson.encode({"_id": 1, "v": 1.5}) + bson.encode({"_id": 2, "v": -0.0})'
run mongo-dump-ndjson --ddl=pre --fields=v dz.bson
check "a Double -0 among doubles: double precision keeps it" '0|    "v" double precision NOT NULL' "$status|$(echo "$out" | grep '"v"')"

# ---- Decimal128 -0 has no numeric form: the canonical one, refused by a
# numeric column and kept by jsonb
"$here/bson-dumps" raw dec0.bson 'b"".join(bson.encode({"_id": i, "v": bson.decimal128.Decimal128(s)}) for i, s in enumerate(["-0", "-0E+3", "-0.00", "0", "-1E-5"]))'
run mongo-dump-ndjson --mode=pg dec0.bson
check "Decimal128 -0 in pg mode" '0|{"_id":0,"v":{"$numberDecimal":"-0"}}
{"_id":1,"v":{"$numberDecimal":"-0E+3"}}
{"_id":2,"v":{"$numberDecimal":"-0.00"}}
{"_id":3,"v":0}
{"_id":4,"v":-0.00001}' "$status|$out"
sql 'create table dec0 (_id int primary key, v numeric)'
run bash -c "mongo-dump-ndjson --mode=pg dec0.bson | pg-copy-load -q -t dec0 --max-rejects=10 --rejects=rej.ndjson"
check "... a numeric column refuses the three, takes the others" "3|2" "$(wc -l <rej.ndjson)|$(sql 'select count(*) from dec0')"
check "relaxed keeps them as they are" '{"_id":0,"v":{"$numberDecimal":"-0"}}' "$(mongo-dump-ndjson dec0.bson | head -1)"

# ---- regex options past 15 bytes are all kept
"$here/bson-dumps" raw re.bson '(lambda b: struct.pack("<i", 4 + len(b)) + b)(b"\x0br\x00a\x00uxsmlkjihgfedcbaqponvw\x00\x00")'
run mongo-dump-ndjson --mode=canonical re.bson
check "regex options, every one, sorted" '0|{"r":{"$regularExpression":{"pattern":"a","options":"abcdefghijklmnopqsuvwx"}}}' "$status|$out"
finish
