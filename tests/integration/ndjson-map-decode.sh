# ndjson-map's decoders and builders against independent ones, on random
# input of several awkward kinds, for many seeds: from_base64 (Python's
# base64: UTF-8 text, arbitrary bytes, NUL, empty), parse_json (Python's json:
# big integers, exponents, escapes, surrogate pairs, '$' keys at any depth,
# white space; nested in base64 as a kombu message body), object(), and + - *
# (Python's integers: exactly, or the record rejected where 64 bits overflow).
# Then the same values through pg-copy-load into PostgreSQL (text, bytea,
# jsonb, bigint), read back by psycopg2 and compared with the source.
. "$(dirname "$0")/lib.sh"
SEEDS=${SEEDS:-12}
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3

sql 'create table decoded (n int primary key, t text, b bytea, v jsonb,
	w jsonb, o jsonb, s bigint, d bigint, m bigint)' >/dev/null

cat >decode.map <<'EOF'
n = .n
t = from_base64(.t)
b = from_base64(.b)
v = parse_json(.j)
w = parse_json(from_base64(.body))[1]
o = object("x", .x, "v", parse_json(.j)[0] ?? null, "none", .nope)
s = .x + .y
d = .x - .y
m = .x * .y
EOF

for seed in $(seq 1 "$SEEDS"); do
	/usr/bin/python3 - "$seed" >in.ndjson 3>want.json <<'PY'
import base64, json, os, random, sys
r = random.Random(int(sys.argv[1]))
# no NUL: PostgreSQL's text and jsonb refuse it (bytes carry it, below)
texts = ["", "plain", "Zoë ünï", "tab\tnl\n\"q\"\\", "emoji😀", "\x01ctl", "\u2028\u2029", "$x"]
def rtext():
    return "".join(r.choice(texts) for _ in range(r.randint(0, 3)))
def rbytes():
    k = r.randint(0, 3)
    if k == 0:
        return bytes(r.randrange(256) for _ in range(r.randint(0, 40)))
    if k == 1:
        return b"\xff" + rtext().encode()
    return rtext().encode()
def rkey():
    return r.choice(["a", "$x", "$$y", "$binary", "$table", "Zoë", "", "k%d" % r.randint(0, 9)])
def rval(d=0):
    k = r.randint(0, 9 if d < 3 else 5)
    if k == 0: return None
    if k == 1: return r.choice([True, False])
    if k == 2: return r.choice([0, -1, 2**63 - 1, -2**63, 2**70, -(2**100), r.randint(-10**6, 10**6)])
    if k == 3: return r.choice([0.5, -1e300, 1e-300, 1.7976931348623157e308, 5e-324, r.random()])
    if k in (4, 5): return rtext()
    if k in (6, 7): return [rval(d + 1) for _ in range(r.randint(0, 4))]
    return {rkey(): rval(d + 1) for _ in range(r.randint(0, 4))}
def dumps(v):
    s = json.dumps(v, ensure_ascii=r.random() < 0.5,
                   indent=r.choice([None, None, 2]),
                   separators=r.choice([None, (",", ":")]))
    # another writer may escape what Python does not: the same text
    return s.replace('"$', '"\\u0024') if r.random() < 0.3 else s
lim = 2**63
want = []
for n in range(300):
    rec = {"n": n}
    t = rtext().encode()
    b = rbytes()
    rec["t"] = base64.b64encode(t).decode()
    rec["b"] = base64.b64encode(b).decode()
    v = rval()
    rec["j"] = (" " if r.random() < 0.2 else "") + dumps(v)
    body = [[rval() for _ in range(r.randint(0, 3))], {rkey(): rval() for _ in range(r.randint(0, 3))},
            {"callbacks": None, "chain": None}]
    rec["body"] = base64.b64encode(dumps(body).encode()).decode()
    x = r.choice([r.randint(-100, 100), r.randint(-2**40, 2**40), 2**62, -2**63, 2**63 - 1, 3037000500])
    y = r.choice([r.randint(-100, 100), r.randint(-2**30, 2**30), 2**62, -1, 3037000500])
    rec["x"] = x
    rec["y"] = str(y) if r.random() < 0.2 else y
    if r.random() < 0.05:
        rec["x"] = None
    ok = rec["x"] is None or all(-lim <= z < lim for z in (x + y, x - y, x * y))
    print(json.dumps(rec))
    want.append({"n": n, "ok": ok, "t": t.hex(), "b": b.hex(), "v": v, "w": body[1],
                 "x": rec["x"], "y": y, "v0": v[0] if isinstance(v, list) and v else None})
os.write(3, json.dumps(want).encode())
PY
	ndjson-map -f decode.map --rejects=rej.ndjson in.ndjson >out.ndjson 2>map.err
	mst=$?
	sql 'truncate decoded' >/dev/null
	pg-copy-load -q -t decoded out.ndjson 2>load.err
	lst=$?
	check "seed $seed: mapped and loaded (map $mst, load $lst)" "ok" "$(PYTHONPATH=$top/tests/integration /usr/bin/python3 - <<'PY'
from exactjson import exact
import base64, json, psycopg2
from decimal import Decimal
want = json.load(open("want.json"))
def esc(v):
    # the contract's key escape, at any depth: a key that begins with $ gets one more
    if isinstance(v, dict):
        return {("$" + k if k.startswith("$") else k): esc(x) for k, x in v.items()}
    if isinstance(v, list):
        return [esc(x) for x in v]
    return v
def unbin(v):
    if isinstance(v, dict) and set(v) == {"$binary"}:
        return base64.b64decode(v["$binary"]["base64"])
    return v.encode()
out = {}
for line in open("out.ndjson"):
    rec = json.loads(line, parse_float=Decimal)
    out[rec["n"]] = rec
rejected = sorted(json.loads(l)["line"] for l in open("rej.ndjson"))
bad = []
if rejected != [w["n"] + 1 for w in want if not w["ok"]]:
    bad.append("rejected lines %r" % rejected[:5])
for w in want:
    if not w["ok"]:
        continue
    o = out.get(w["n"])
    if o is None:
        bad.append("%d: missing" % w["n"]); continue
    if o["t"].encode().hex() != w["t"]: bad.append("%d: t" % w["n"])
    if unbin(o["b"]).hex() != w["b"]: bad.append("%d: b" % w["n"])
    if o["v"] != exact(esc(w["v"])): bad.append("%d: v %r" % (w["n"], o["v"]))
    if o["w"] != exact(esc(w["w"])): bad.append("%d: w" % w["n"])
    if o["o"] != {"x": w["x"], "v": exact(esc(w["v0"]))}: bad.append("%d: o %r" % (w["n"], o["o"]))
    if w["x"] is None:
        if (o["s"], o["d"], o["m"]) != (None, None, None): bad.append("%d: null arith" % w["n"])
    elif (o["s"], o["d"], o["m"]) != (w["x"] + w["y"], w["x"] - w["y"], w["x"] * w["y"]):
        bad.append("%d: arith" % w["n"])
# what reached PostgreSQL, by psycopg2
c = psycopg2.connect("")
cur = c.cursor()
cur.execute("select n, t, b, v::text, w::text, s, d, m, (select count(*) from decoded) from decoded order by n")
rows = cur.fetchall()
good = [w for w in want if w["ok"]]
if len(rows) != len(good) or (rows and rows[0][8] != len(good)):
    bad.append("table has %d rows, want %d" % (len(rows), len(good)))
for (n, t, b, v, wv, s, d, m, _), w in zip(rows, good):
    if n != w["n"]: bad.append("row %d for %d" % (n, w["n"])); break
    tb = bytes.fromhex(w["t"])
    if t != tb.decode(): bad.append("%d: pg t" % n)
    if bytes(b) != bytes.fromhex(w["b"]): bad.append("%d: pg b" % n)
    # JSON null is SQL NULL: pg-copy-load loads a null as NULL
    # and pg-copy-load undoes the key escape: the data's own keys again
    if (json.loads(v, parse_float=Decimal) if v is not None else None) != exact(w["v"]):
        bad.append("%d: pg v" % n)
    if json.loads(wv, parse_float=Decimal) != exact(w["w"]): bad.append("%d: pg w" % n)
    if w["x"] is not None and (s, d, m) != (w["x"] + w["y"], w["x"] - w["y"], w["x"] * w["y"]):
        bad.append("%d: pg arith" % n)
print("ok" if not bad else "; ".join(bad[:5]))
PY
)"
done
finish
