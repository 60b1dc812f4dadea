# mongo-dump-ndjson as a hostile user drives it (issue 30): dumps, archives
# and metadata laid out as mongodump lays them out, written by pymongo's
# bson; what MongoDB and mongorestore do is the oracle.  Refusals are
# checked for their exact message and status.
. "$(dirname "$0")/lib.sh"
here=$top/tests/integration
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w" || exit 3
dumps=$here/bson-dumps

# ---- standard input and pipes in every mode (--ddl read an archive's
# name from a pointer that was NULL; a pipe was read twice)
"$here/bson-archive" app.archive || exit 3
want=$(mongo-dump-ndjson --ddl=pre app.archive)
check "--ddl=pre of an archive" 'CREATE TABLE "users" (
    "_id" integer PRIMARY KEY,
    doc jsonb NOT NULL
);
CREATE TABLE "tasks" (
    "_id" integer PRIMARY KEY,
    doc jsonb NOT NULL
);' "$want"
run mongo-dump-ndjson --ddl=pre <app.archive
check "--ddl=pre on standard input: as from the file" "0|$want" "$status|$out"
run bash -c 'mongo-dump-ndjson --ddl=pre <(cat app.archive)'
check "--ddl=pre through a pipe: as from the file" "0|$want" "$status|$out"
"$dumps" archive ix.archive '[{"db":"app","collection":"t","docs":[{"_id":1,"a":2}],
  "metadata":"{\"indexes\":[{\"v\":2,\"key\":{\"_id\":1},\"name\":\"_id_\"},{\"v\":2,\"key\":{\"a\":1},\"name\":\"a_1\"}],\"collectionName\":\"t\"}"}]'
want='CREATE INDEX IF NOT EXISTS "t_a_1" ON "t" ((doc->'"'"'a'"'"'));'
run bash -c 'mongo-dump-ndjson --ddl=post <ix.archive; gzip -c ix.archive | mongo-dump-ndjson --ddl=post -'
check "--ddl=post of an archive on standard input, plain and gzipped" "0|$want
$want" "$status|$out"
cp "$SHARED/testdata/mongodump/testdirs/db1/c4.bson" c4.bson
check_run "--ddl=pre of documents through a pipe: no name, refused" 1 \
	"mongo-dump-ndjson: <stdin>: --ddl: documents without a collection's name (not COLLECTION.bson, nor an archive): give the file" \
	sh -c 'mongo-dump-ndjson --ddl=pre - <c4.bson'
check "... and nothing written" "" "$out"
run mongo-dump-ndjson --ddl=pre c4.bson
check "--ddl=pre of the file itself" '0|CREATE TABLE "c4" (' "$status|$(echo "$out" | head -1)"

# ---- an archive cut anywhere is an error (one cut after a collection's
# EOF header, before its terminator, read as complete)
n=$(stat -c %s app.archive)
ok=0
for i in $(seq 1 $((n - 1))); do
	head -c "$i" app.archive >cut.archive
	mongo-dump-ndjson cut.archive >/dev/null 2>&1
	[ $? = 1 ] || { ok=$((ok + 1)); echo "cut at $i: not an error"; }
done
check "an archive cut at each of its $((n - 1)) bytes: an error every time" 0 "$ok"
head -c $((n - 4)) app.archive >cut.archive
check_run "cut before the last terminator" 1 \
	"mongo-dump-ndjson: cut.archive: document 17 at byte $((n - 4)): an archive cut after the end of app.users" \
	mongo-dump-ndjson cut.archive

# ---- an empty collection in an archive has its table and indexes, as
# the same collection as an empty .bson
meta='{"indexes":[{"v":2,"key":{"_id":1},"name":"_id_"},{"v":2,"key":{"k":1},"name":"k_1","unique":true}],"collectionName":"e"}'
"$dumps" archive empty.archive "$(/usr/bin/python3 -c 'import json,sys; print(json.dumps([{"db":"app","collection":"e","docs":[],"metadata":sys.argv[1]}]))' "$meta")"
mkdir -p edir/app && : >edir/app/e.bson && printf '%s' "$meta" >edir/app/e.metadata.json
for ph in pre post; do
	run mongo-dump-ndjson --ddl=$ph empty.archive
	check "an empty collection in an archive: --ddl=$ph as from a directory" \
		"0|$(mongo-dump-ndjson --ddl=$ph edir)" "$status|$out"
done
check "... which is not nothing" 1 "$(mongo-dump-ndjson --ddl=post edir | grep -c '^CREATE UNIQUE INDEX')"

# ---- a field name twice in a document (BSON allows it, jsonb keeps one):
# the document is refused by file, number and byte; --list and --ddl count
# only what the data run writes
"$dumps" raw dup.bson 'bson.encode({"_id": 1, "attrs": Pairs([("role", "admin"), ("role", "guest")])}) + bson.encode({"_id": 2})'
msg='mongo-dump-ndjson: dup.bson: document 1 at byte 0: the field name "role" twice in one document (jsonb keeps one value): not written (at byte 40)'
check_run "a duplicate field name: refused" 1 "$msg" mongo-dump-ndjson dup.bson
check "... the other document written" '{"_id":2}' "$out"
check_run "--list: counts what is written" 1 "$msg" mongo-dump-ndjson --list dup.bson
check "... one document" '-	dup	1	-' "$out"
run mongo-dump-ndjson --fields=_id dup.bson
check "--fields that leave the pair out: written" '0|{"_id":1}
{"_id":2}' "$status|$out"
# many seeds: documents whose names repeat at random depths and widths
# (past 16 a level, the hash table); pymongo's decoder, counting each
# name set twice, is the oracle
for seed in $(seq 1 "${SEEDS:-5}"); do
	/usr/bin/python3 - "$seed" >rand.py <<'PY' || exit 3
import random, sys
r = random.Random(int(sys.argv[1]))
def doc(depth):
    pairs = []
    for i in range(r.choice([0, 1, 3, 10, 40])):
        name = "k%d" % r.randrange(400 if r.random() < 0.98 else 3)
        v = doc(depth + 1) if depth < 3 and r.random() < 0.2 else repr(r.choice([1, "s", None, [1, 2]]))
        pairs.append("(%r, %s)" % (name, v))
    return "Pairs([%s])" % ", ".join(pairs)
print(" + ".join("bson.encode(Pairs([('n', %d)] + %s.p))" % (n, doc(0)) for n in range(150)))
PY
	"$dumps" raw rand.bson @rand.py || exit 3
	want=$(/usr/bin/python3 -c '
import bson
from bson.codec_options import CodecOptions
class Rec(dict):
    dup = False
    def __setitem__(s, k, v):
        if k in s:
            Rec.dup = True
        dict.__setitem__(s, k, v)
data = open("rand.bson", "rb").read()
ok, bad, i = [], 0, 0
while i < len(data):
    n = int.from_bytes(data[i:i + 4], "little")
    Rec.dup = False
    d = bson.decode(data[i:i + n], codec_options=CodecOptions(document_class=Rec))
    if Rec.dup:
        bad += 1
    else:
        ok.append(d["n"])
    i += n
print("%d|%s" % (bad, ",".join(map(str, ok))))')
	run mongo-dump-ndjson rand.bson
	check "seed $seed: documents with a name twice refused, the others written ($want)" "$want" \
		"$(echo "$errout" | grep -c 'twice in one document')|$(echo "$out" | sed 's/^{"n":\([0-9]*\)[,}].*/\1/' | paste -sd,)"
done

# ---- collection names as mongorestore reads them: the metadata's
# collectionName, else the file name unescaped as mongodump escaped it
# (Go's url.QueryEscape: a space is "+"; past 238 bytes cut to 208, "%24"
# and the name's SHA-1)
/usr/bin/python3 - <<'PY' || exit 3
import base64, bson, hashlib, json, os, urllib.parse
def path(name):  # mongodump/prepare.go outputPath
    e = urllib.parse.quote_plus(name, safe="")
    if len(e) > 238:
        e = e[:208] + "%24" + base64.urlsafe_b64encode(hashlib.sha1(name.encode()).digest()).decode().rstrip("=")
    return "names/shop/" + e
os.makedirs("names/shop")
long = "é" * 130  # 1560 escaped bytes
for name, meta in (("order items", False), ("a+b%c", True), ("x y", True), (long, True), ("ü" * 100, False)):
    with open(path(name) + ".bson", "wb") as f:
        f.write(bson.encode({"_id": 1}))
    if meta:
        with open(path(name) + ".metadata.json", "w") as f:
            json.dump({"indexes": [], "collectionName": name, "type": "collection"}, f)
PY
long=$(/usr/bin/python3 -c 'print("é" * 130)')
# shellcheck disable=SC2010 # the names are mongodump's escapes: no blanks or newlines
cut=$(cd names/shop && ls | grep -v metadata | grep '%24' | grep -v '%C3%A9')
run mongo-dump-ndjson --fields=_id names
check "names: escaped, from metadata, cut" "1|{\"\$table\":\"a+b%c\",\"_id\":1}
{\"\$table\":\"order items\",\"_id\":1}
{\"\$table\":\"x y\",\"_id\":1}
{\"\$table\":\"$long\",\"_id\":1}|mongo-dump-ndjson: names/shop/$cut: a name mongodump cut (past 238 bytes), and no collectionName in its metadata: skipped" \
	"$status|$(echo "$out" | LC_ALL=C sort)|$errout"
run mongo-dump-ndjson --collection="order items" --list names
check "--collection with the name, not the file name (the cut one may be it)" "1|shop	order items	1	-" "$status|$out"
run mongo-dump-ndjson --ddl=pre names/shop/order+items.bson
check "a file given alone: its name unescaped" '0|CREATE TABLE "order items" (' "$status|$(echo "$out" | head -1)"

# ---- two databases' collections of one name never meet in one table
mkdir -p two/tenant_a two/tenant_b
"$dumps" bson two/tenant_a/users.bson '{"_id": 1, "t": "a"}'
"$dumps" bson two/tenant_b/users.bson '{"_id": 1, "t": "b"}'
msg='mongo-dump-ndjson: tenant_b.users: its table "users" is tenant_a.users'"'"'s already: not written (take one database at a time with --db)'
check_run "tenant_a.users and tenant_b.users: the second refused" 1 "$msg" mongo-dump-ndjson two
check "... the first written" '{"$table":"users","_id":1,"t":"a"}' "$out"
check_run "... --ddl=pre: one CREATE TABLE" 1 "$msg" mongo-dump-ndjson --ddl=pre two
check "... one" 1 "$(echo "$out" | grep -c 'CREATE TABLE')"
run mongo-dump-ndjson --db=tenant_b two
check "... one database at a time" '0|{"$table":"users","_id":1,"t":"b"}' "$status|$out"
run mongo-dump-ndjson --list two
check "... --list names both" "0|tenant_a	users	1	-
tenant_b	users	1	-" "$status|$out"
"$dumps" archive two.archive '[{"db":"tenant_a","collection":"users","docs":[{"_id":1}]},{"db":"tenant_b","collection":"users","docs":[{"_id":2}]}]'
check_run "... in an archive too" 1 "$msg" mongo-dump-ndjson two.archive
check "... the first written" '{"$table":"users","_id":1}' "$out"
check_run "... two files given alone" 1 'mongo-dump-ndjson: two/tenant_b/users.bson: its table "users" is two/tenant_a/users.bson'"'"'s already: not written (take one database at a time with --db)' \
	mongo-dump-ndjson two/tenant_a/users.bson two/tenant_b/users.bson

# ---- mongodump --oplog: the dump is consistent only once its oplog is
# applied (mongorestore --oplogReplay); never loaded as a table
oplog='[{"db":"app","collection":"t","docs":[{"_id":1}],"metadata":"{\"indexes\":[],\"collectionName\":\"t\"}"},
  {"db":"","collection":"oplog","docs":[{"op":"i","ns":"app.t","o":{"_id":2}},{"op":"d","ns":"app.t","o":{"_id":1}}]}]'
"$dumps" archive oplog.archive "$oplog"
omsg='mongo-dump-ndjson: oplog.archive: an oplog of 2 entries (mongodump --oplog): the dump is consistent only once they are applied (mongorestore --oplogReplay), which mongo-dump-ndjson does not do'
check_run "an archive with an oplog: said, status 1" 1 "$omsg" mongo-dump-ndjson oplog.archive
check "... its entries are no table" '{"$table":"t","_id":1}' "$out"
check_run "... with --db too" 1 "$omsg" mongo-dump-ndjson --db=app oplog.archive
check_run "... --list" 1 "$omsg" mongo-dump-ndjson --list oplog.archive
check "... lists the collection only" 'app	t	1	0' "$out"
"$dumps" archive oplog0.archive '[{"db":"app","collection":"t","docs":[{"_id":1}]},{"db":"","collection":"oplog","docs":[]}]'
check_run "an empty oplog: nothing to apply" 0 "" mongo-dump-ndjson oplog0.archive
mkdir -p od/app logs/logs
"$dumps" bson od/app/t.bson '{"_id": 1}'
"$dumps" bson od/oplog.bson '{"op": "i", "ns": "app.t", "o": {"_id": 2}}'
check_run "a directory's oplog.bson with entries" 1 \
	"mongo-dump-ndjson: od/oplog.bson: an oplog of 1 entries (mongodump --oplog): the dump is consistent only once they are applied (mongorestore --oplogReplay), which mongo-dump-ndjson does not do" \
	mongo-dump-ndjson od
check "... the collection written" '{"$table":"t","_id":1}' "$out"
"$dumps" bson logs/logs/oplog.bson '{"_id": 1, "msg": "a log line"}'
echo '{"indexes":[],"collectionName":"oplog"}' >logs/logs/oplog.metadata.json
for p in logs logs/logs logs/logs/oplog.bson; do
	run mongo-dump-ndjson --tag "$p"
	check "a collection named oplog ($p) is data" '0|{"$table":"oplog","_id":1,"msg":"a log line"}' "$status|$out"
done

# ---- time-series collections: their documents are buckets, refused by
# name (in an archive the prelude names iot.weather, the data comes as
# system.buckets.weather; in a directory as system.buckets.weather.bson)
"$dumps" archive ts.archive '[{"db":"iot","collection":"weather","type":"timeseries","data_collection":"system.buckets.weather",
  "docs":[{"_id":1,"control":{"version":1},"data":{"t":{"0":1}}}]},{"db":"iot","collection":"plain","docs":[{"_id":1}]}]'
tmsg='mongo-dump-ndjson: iot.weather: a time-series collection: its documents are buckets (system.buckets.weather), not measurements: not read'
check_run "a time-series collection in an archive" 1 "$tmsg" mongo-dump-ndjson ts.archive
check "... the others written" '{"$table":"plain","_id":1}' "$out"
run mongo-dump-ndjson --collection=plain ts.archive
check "... not asked for: nothing said" "0|" "$status|$errout"
mkdir -p tsd/iot
"$dumps" bson tsd/iot/system.buckets.weather.bson '{"_id": 1, "control": {"version": 1}}'
echo '{"indexes":[],"collectionName":"weather","type":"timeseries","options":{"timeseries":{"timeField":"t"}}}' >tsd/iot/weather.metadata.json
check_run "a time-series collection in a directory" 1 "$tmsg" mongo-dump-ndjson tsd
check "... nothing written" "" "$out"

# ---- indexes whose meaning PostgreSQL cannot keep are left out, named
# (mongo-dump-indexes.sh probes the ones that are written)
mkdir -p ix/app
"$dumps" bson ix/app/t.bson '{"_id": 1, "tags": ["a", "b"], "sku": "x", "u": 1}
{"_id": 2, "tags": ["c"], "sku": "y"}'
cat >ix/app/t.metadata.json <<'META'
{"indexes":[{"v":2,"key":{"_id":1},"name":"_id_"},
 {"v":2,"key":{"$**":1},"name":"all"},
 {"v":2,"key":{"tags":1},"name":"tags_1","unique":{"$numberInt":"1"}},
 {"v":2,"key":{"sku":1},"name":"sku_1","unique":{"$numberDouble":"1.0"}},
 {"v":2,"key":{"u":1},"name":"u_1","unique":true,"sparse":true},
 {"v":2,"key":{"sku":1,"u":-1},"name":"plain","unique":{"$numberInt":"0"}}],"collectionName":"t"}
META
run mongo-dump-ndjson --ddl=post ix
check "unique as trueValue(), missing as null, sparse as partial" '0|CREATE UNIQUE INDEX IF NOT EXISTS "t_sku_1" ON "t" ((COALESCE((doc->'"'"'sku'"'"'), '"'"'null'"'"'::jsonb)));
CREATE UNIQUE INDEX IF NOT EXISTS "t_u_1" ON "t" ((COALESCE((doc->'"'"'u'"'"'), '"'"'null'"'"'::jsonb))) WHERE (doc->'"'"'u'"'"') IS NOT NULL;
CREATE INDEX IF NOT EXISTS "t_plain" ON "t" ((doc->'"'"'sku'"'"'), (doc->'"'"'u'"'"') DESC);' "$status|$out"
check "a wildcard index, a unique one on arrays: named, left out" 'mongo-dump-ndjson: t: index all: a wildcard index ($**) has no PostgreSQL form here: skipped
mongo-dump-ndjson: t: index tags_1: a unique index on a field holding arrays (MongoDB holds each element unique) has no PostgreSQL form here: skipped' "$errout"
run mongo-dump-ndjson --ddl=post --fields=sku,u ix
check "typed columns: NULLS NOT DISTINCT; sparse unique left out" '0|CREATE UNIQUE INDEX IF NOT EXISTS "t_sku_1" ON "t" ("sku") NULLS NOT DISTINCT;
CREATE INDEX IF NOT EXISTS "t_plain" ON "t" ("sku", "u" DESC);' "$status|$out"
check "... named" 1 "$(echo "$errout" | grep -c '^mongo-dump-ndjson: t: index u_1: a sparse unique index on a column (a null and a missing field are one NULL there) has no PostgreSQL form here: skipped$')"
# a collection's default collation (strength 2: "red" is "Red")
mkdir -p ci/app
"$dumps" bson ci/app/c.bson '{"_id": "red"}'
echo '{"options":{"collation":{"locale":"en","strength":2}},"indexes":[{"v":2,"key":{"_id":1},"name":"_id_"},{"v":2,"key":{"k":1},"name":"k_1"}],"collectionName":"c"}' >ci/app/c.metadata.json
check_run "a default collation: --ddl=pre says the key compares otherwise" 0 \
	'mongo-dump-ndjson: c: the collection'"'"'s default collation (locale en): MongoDB compares its _id and strings by it, PostgreSQL here byte by byte ("red" and "Red" two keys)' \
	mongo-dump-ndjson --ddl=pre ci
check_run "... --ddl=post leaves out the indexes that inherit it" 0 \
	'mongo-dump-ndjson: c: index k_1: a collation (the collection'"'"'s default) has no PostgreSQL form here: skipped' \
	mongo-dump-ndjson --ddl=post ci

# ---- gzip is decided by the name, or by gzip's magic bytes and a first
# document that is not a whole BSON document: one of 0x8b1f (+ n * 65536)
# bytes begins 1f 8b too (1 file in 65,536)
/usr/bin/python3 - <<'PY' || exit 3
import bson, gzip
for name, size in (("g1.bson", 0x8b1f), ("g2.bson", 0x88b1f)):
    d = bson.encode({"_id": 1, "s": ""})
    doc = bson.encode({"_id": 1, "s": "x" * (size - len(d))})
    assert len(doc) == size and doc[:2] == b"\x1f\x8b"
    open(name, "wb").write(doc + bson.encode({"_id": 2}))
data = b"".join(bson.encode({"_id": i}) for i in range(3))
open("go.gz", "wb").write(gzip.compress(data[:12], mtime=0) + gzip.compress(data[12:], mtime=0))
bad = bytearray(gzip.compress(data, mtime=0))
bad[-8] ^= 1  # the CRC-32 in the trailer
open("badcrc.gz", "wb").write(bad)
PY
for f in g1 g2; do
	run mongo-dump-ndjson --fields=_id $f.bson
	check "$f.bson, its first bytes 1f 8b: plain BSON" '0|{"_id":1}
{"_id":2}' "$status|$out"
	run sh -c "mongo-dump-ndjson --fields=_id - <$f.bson; cat $f.bson | mongo-dump-ndjson --fields=_id"
	check "$f.bson on standard input and a pipe: plain BSON" '0|{"_id":1}
{"_id":2}
{"_id":1}
{"_id":2}' "$status|$out"
done
run sh -c 'mongo-dump-ndjson - <go.gz; cat go.gz | mongo-dump-ndjson'
check "gzip as Go writes it (no name: 1f 8b 08 00), two members, on stdin and a pipe" '0|{"_id":0}
{"_id":1}
{"_id":2}
{"_id":0}
{"_id":1}
{"_id":2}' "$status|$out"
check_run "a gzip trailer whose CRC is wrong" 1 \
	"mongo-dump-ndjson: <stdin>: document 1 at byte 0: a corrupt gzip file: incorrect data check" \
	sh -c 'mongo-dump-ndjson - <badcrc.gz >/dev/null'

# ---- messages: what selects nothing says so; what is a dump's is not
# "not part of a dump"
mkdir -p gzd/app
"$dumps" bson gzd/app/t.bson '{"_id": 1}'
gzip gzd/app/t.bson
echo '{"indexes":[],"collectionName":"t"}' | gzip >gzd/app/t.metadata.json.gz
echo '{"Header":{"version":"0.1"}}' >gzd/prelude.json
check_run "a --gzip dump of mongodump 100.x: nothing to warn of" 0 "" mongo-dump-ndjson gzd
check_run "--collection matching nothing" 1 "mongo-dump-ndjson: --collection=nosuch: no such collection in the input" \
	mongo-dump-ndjson --collection=nosuch gzd
check_run "--db and --collection matching nothing in an archive" 1 "mongo-dump-ndjson: --db=app --collection=nosuch: no such collection in the input" \
	mongo-dump-ndjson --db=app --collection=nosuch app.archive
run mongo-dump-ndjson --list gzd/app/
check "a trailing slash: the database keeps its name" "0|app	t	1	0" "$status|$out"
check_run "--since on a field no document has" 1 "mongo-dump-ndjson: --since: no document has the field nosuch: none written" \
	mongo-dump-ndjson --since=nosuch=1 gzd
finish
