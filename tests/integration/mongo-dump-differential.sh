# mongo-dump-ndjson against pymongo, on dumps laid out as mongodump lays
# them out (issue 30).  Per seed: several databases, collections with
# names mongodump escapes (spaces, "+", "%", Unicode, past 238 escaped
# bytes), documents of every common BSON type written by pymongo's bson;
# the same data as a directory, a --gzip directory, an archive (segments
# interleaved) and a gzipped archive on standard input.  Each record,
# read back by bson.json_util (canonical) and encoded again by pymongo,
# must be its document's exact bytes, routed to its collection's name.
. "$(dirname "$0")/lib.sh"
here=$top/tests/integration
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w" || exit 3
SEEDS=${SEEDS:-3}

for seed in $(seq 1 "$SEEDS"); do
	rm -rf dump gzdump want && mkdir want
	/usr/bin/python3 - "$seed" <<'PY' || exit 3
import base64, datetime, gzip, hashlib, json, os, random, struct, subprocess, sys, urllib.parse
import bson
from bson import Binary, Code, Decimal128, Int64, MaxKey, MinKey, ObjectId, Regex, Timestamp
r = random.Random(int(sys.argv[1]))
utc = datetime.timezone.utc
def value(depth=0):
    k = r.randrange(16)
    if k == 0: return r.randrange(-2**31, 2**31)
    if k == 1: return Int64(r.randrange(-2**63, 2**63))
    if k == 2: return r.choice([r.uniform(-1e9, 1e9), 0.1, -0.0, 1e300, 5e-324, float(2**53)])
    if k == 3: return "".join(r.choice(["a", "é", "😀", " ", "\"", "\\", "\n", "\x00"]) for _ in range(r.randrange(6)))
    if k == 4: return r.choice([True, False, None])
    if k == 5: return datetime.datetime(1970, 1, 1, tzinfo=utc) + datetime.timedelta(milliseconds=r.randrange(-2**40, 2**42))
    if k == 6: return ObjectId(bytes(r.randrange(256) for _ in range(12)))
    if k == 7: return Binary(bytes(r.randrange(256) for _ in range(r.randrange(20))), r.choice([0, 1, 2, 5, 128]))
    if k == 8: return Decimal128("%s%de%d" % (r.choice(["", "-"]), r.randrange(1, 10**r.randrange(1, 30)), r.randrange(-50, 50)))
    if k == 9: return Regex("^a.*" + r.choice(["", "b", "é"]), r.choice(["", "i", "imsx", "ilmsux"]))
    if k == 10: return Timestamp(r.randrange(2**31), r.randrange(2**31))
    if k == 11: return r.choice([MinKey(), MaxKey()])
    if k == 12: return Code("function(){return %d}" % r.randrange(9))
    if k == 13 and depth < 3: return {"k%d" % i: value(depth + 1) for i in range(r.randrange(4))}
    if k == 14 and depth < 3: return [value(depth + 1) for _ in range(r.randrange(4))]
    return r.randrange(100)
def cname():
    if r.random() < 0.1:
        return "é" * r.randrange(100, 140)  # past 238 escaped bytes
    return "".join(r.choice(["a", "b", " ", "+", "%", "é", ".", "-", "_", "~"]) for _ in range(r.randrange(1, 9))).strip(".") or "c"
def path(db, name):  # mongodump/prepare.go outputPath
    e = urllib.parse.quote_plus(name, safe="")
    if len(e) > 238:
        e = e[:208] + "%24" + base64.urlsafe_b64encode(hashlib.sha1(name.encode()).digest()).decode().rstrip("=")
    return db + "/" + e
colls, used = [], set()
for db in r.sample(["app", "tenant_a", "log_x", "b2"], r.randrange(1, 4)):
    for _ in range(r.randrange(1, 4)):
        c = cname()
        if c in used:  # two databases never share a table
            continue
        used.add(c)
        docs = [bson.encode({"_id": i, **{"f%d" % j: value() for j in range(r.randrange(5))}})
                for i in range(r.randrange(0, 30))]
        colls.append((db, c, docs))
spec = []
for db, c, docs in colls:
    meta = json.dumps({"indexes": [{"v": 2, "key": {"_id": 1}, "name": "_id_"}], "collectionName": c, "type": "collection"})
    for root, z in (("dump", False), ("gzdump", True)):
        p = os.path.join(root, path(db, c))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        data = b"".join(docs)
        open(p + ".bson" + (".gz" if z else ""), "wb").write(gzip.compress(data) if z else data)
        open(p + ".metadata.json" + (".gz" if z else ""), "wb").write(gzip.compress(meta.encode()) if z else meta.encode())
    spec.append({"db": db, "collection": c, "docs": [{"raw": base64.b64encode(d).decode()} for d in docs], "metadata": meta})
    with open("want/" + hashlib.md5((db + "." + c).encode()).hexdigest(), "wb") as f:
        f.write(json.dumps({"table": c, "docs": [base64.b64encode(d).decode() for d in docs]}).encode())
json.dump(spec, open("spec.json", "w"))  # bson-dumps writes the archive
PY
	"$here/bson-dumps" archive app.archive @spec.json || exit 3
	gzip -c app.archive >app.archive.gz
	for how in "dump" "gzdump" "app.archive" "- <app.archive.gz"; do
		eval "mongo-dump-ndjson --mode=canonical --tag $how" >got.ndjson 2>got.err
		st=$?
		check "seed $seed: $how: status, stderr" "0|" "$st|$(cat got.err)"
		check "seed $seed: $how: every document's bytes, in its collection" "same" "$(/usr/bin/python3 - <<'PY'
import base64, collections, glob, json
import bson
from bson import json_util
opts = json_util.JSONOptions(json_mode=json_util.JSONMode.CANONICAL, tz_aware=True,
                             tzinfo=__import__("datetime").timezone.utc)
want = collections.Counter()
for f in glob.glob("want/*"):
    w = json.load(open(f))
    for d in w["docs"]:
        want[(w["table"], base64.b64decode(d))] += 1
got = collections.Counter()
for line in open("got.ndjson", encoding="utf-8"):
    d = json_util.loads(line, json_options=opts)
    t = d.pop("$table")
    got[(t, bson.encode(d))] += 1
if got == want:
    print("same")
else:
    print("differs: %d missing, %d extra; e.g. %r" % (sum((want - got).values()), sum((got - want).values()),
          list((want - got).keys())[:1] or list((got - want).keys())[:1]))
PY
)"
	done
done
finish
