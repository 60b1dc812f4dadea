# mongo-dump-ndjson --since against pymongo's own reading of the same BSON:
# many seeds, each a file of documents written by pymongo's bson (dates with
# milliseconds, int32 and int64 at their limits, doubles, Unicode strings,
# ObjectIds, the field missing from some), and watermarks taken from the
# documents and beside them; the documents written must be exactly those
# Python finds past the watermark.  A field of another kind is not written,
# reported, and makes the status 1.
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w" || exit 3
SEEDS=${SEEDS:-20}

for seed in $(seq 1 "$SEEDS"); do
	/usr/bin/python3 - "$seed" >cases.txt <<'PY'
import bson, datetime, random, sys
from bson.int64 import Int64
from decimal import Decimal
from fractions import Fraction
r = random.Random(int(sys.argv[1]))
utc = datetime.timezone.utc
def date():
    return datetime.datetime(2026, 1, 1, tzinfo=utc) + datetime.timedelta(
        seconds=r.randrange(-10**8, 10**8), milliseconds=r.randrange(1000))
def integer():
    return r.choice([r.randrange(-100, 100), r.randrange(-2**31, 2**31), Int64(r.randrange(-2**63, 2**63)),
                     Int64(2**63 - 1), Int64(-2**63), 2**31 - 1, Int64(2**53 + r.randrange(-3, 4))])
def text():
    return "".join(r.choice(["a", "b", "Zoë", "東", "😀", " ", ""]) for _ in range(r.randrange(4)))
docs = []
for n in range(300):
    x = r.choice([r.uniform(-1e6, 1e6), float(2**53 + r.randrange(-4, 5)), r.uniform(-1, 1) * 10 ** r.randrange(-30, 30)])
    d = {"_id": bson.ObjectId(), "n": n, "d": date(), "i": integer(), "x": x, "s": text()}
    for f in ("d", "i", "x", "s"):
        if r.random() < 0.1:
            del d[f]
    docs.append(d)
with open("t.bson", "wb") as f:
    for d in docs:
        f.write(bson.encode(d))
# watermarks: values of the documents, and beside them
def fmt(f, v):
    if f == "d":
        z = v.astimezone(utc)
        return z.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (z.microsecond // 1000)
    if f == "_id":
        return str(v)
    return repr(v) if f == "x" else str(v)
for f in ("d", "i", "x", "s", "_id"):
    vals = [d[f] for d in docs if f in d]
    for k in range(3):
        v = r.choice(vals)
        if f == "d" and k == 2:
            v = v + datetime.timedelta(milliseconds=1)
        # VALUE is the number its text spells: a double's shortest text
        # is not always the double itself (Fraction compares exactly)
        want = sorted(d["n"] for d in docs if f in d and
                      (d[f].encode() > v.encode() if f == "s" else
                       Fraction(d[f]) > Fraction(Decimal(fmt(f, v))) if f == "x" else d[f] > v))
        print("%s\x1f%s\x1f%s" % (f, fmt(f, v), ",".join(map(str, want))))
# watermarks between values, exactly: numbers a fraction beside a value
# (Python's Fraction the oracle), times some microseconds beside one
from fractions import Fraction
def dec_str(q):
    k = 0
    while (q * 10**k).denominator != 1:
        k += 1
    return "%de-%d" % (q * 10**k, k) if k else "%d" % q
for f in ("i", "x"):
    vals = [d[f] for d in docs if f in d]
    for k in range(4):
        w = Fraction(r.choice(vals)) + Fraction(r.choice([1, -1]), r.choice([2, 10**6, 10**20, 2**60]))
        want = sorted(d["n"] for d in docs if f in d and Fraction(d[f]) > w)
        print("%s\x1f%s\x1f%s" % (f, dec_str(w), ",".join(map(str, want))))
vals = [d["d"] for d in docs if "d" in d]
for k in range(4):
    w = r.choice(vals) + datetime.timedelta(microseconds=r.choice([1, -1, 500, -500, 999, -999]))
    want = sorted(d["n"] for d in docs if "d" in d and d["d"] > w)
    print("d\x1f%s\x1f%s" % (w.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), ",".join(map(str, want))))
PY
	while IFS=$'\x1f' read -r f v want; do
		got=$(mongo-dump-ndjson --mode=pg --since="$f=$v" t.bson | ndjson-map -e 'n = .n' | sed 's/{"n":\([0-9]*\)}/\1/' | sort -n | paste -sd,)
		check "seed $seed: --since=$f=$v" "$want" "$got"
	done <cases.txt
done
# the issue's cases: no rounding through a double, no fraction cut to zero
/usr/bin/python3 -c 'import bson, datetime, sys; sys.stdout.buffer.write(bson.encode({"u": bson.Int64(2**53 + 1)}) + bson.encode({"t": datetime.datetime(1970, 1, 1)}) + bson.encode({"u": float(2**53)}))' >e.bson
run mongo-dump-ndjson --mode=pg --since=u=9007199254740992.5 e.bson
check "--since: Int64 2^53+1 is past 2^53+0.5, the double 2^53 is not" '0|{"u":9007199254740993}' "$status|$out"
run mongo-dump-ndjson --mode=pg --since=t=1969-12-31T23:59:59.9995Z e.bson
check "--since: 1970-01-01 is past 1969-12-31T23:59:59.9995Z" '0|{"t":"1970-01-01T00:00:00.000Z"}' "$status|$out"
run mongo-dump-ndjson --mode=pg --since=u=9007199254740991.99999999999999999999 e.bson
check "--since: the double 2^53 is past a decimal just below it" '0|{"u":9007199254740993}
{"u":9007199254740992}' "$status|$out"
# a field of a kind the watermark is not: reported, not written, status 1
run mongo-dump-ndjson --since=d=12 t.bson
check "--since: a date field and a number" "1||2" "$status|$out|$(echo "$errout" | wc -l)"
check_run "--since without a field" 2 "mongo-dump-ndjson: --since: FIELD=VALUE, not =3
usage: mongo-dump-ndjson [-hVv] [--collection=NAME] [--db=NAME] [--ddl=pre|post]
       [--fields=PATHS] [--list] [--mode=relaxed|canonical|pg] [--partition=K/N]
       [--since=FIELD=VALUE] [--tag | --no-tag]
       [PATH ...]" mongo-dump-ndjson --since==3 t.bson
finish
