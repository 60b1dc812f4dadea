# mongo-dump-ndjson: real mongodump output, documents of every BSON type
# written by pymongo's bson and compared with bson.json_util, corrupt
# input, and a task collection loaded into typed PostgreSQL columns.
. "$(dirname "$0")/lib.sh"
here=$top/tests/integration
md=$SHARED/testdata/mongodump
w=$(mktemp -d)
trap 'rm -rf "$w"; pg_stop' EXIT

# ---- real mongodump directories
run mongo-dump-ndjson -v "$md/testdirs"
check "testdirs: status" "0" "$status"
check "testdirs: every document, tagged" "110|100|10" \
	"$(echo "$out" | wc -l)|$(echo "$out" | grep -c '^{"$table":"c1",')|$(echo "$out" | grep -c '^{"$table":"c4",')"
check "testdirs: first document, relaxed" '{"$table":"c1","_id":{"$oid":"558b2d614fb5110b23b68fd2"},"a":0.0}' "$(echo "$out" | head -1)"
check "testdirs: what was skipped, and the counts" "mongo-dump-ndjson: $md/testdirs/badfile.txt: not part of a dump: skipped
mongo-dump-ndjson: $md/testdirs/db1/baddir: a directory inside a database's: skipped
mongo-dump-ndjson: $md/testdirs/db1/c1.bson: 100 documents
mongo-dump-ndjson: $md/testdirs/db1/c2.bson: 0 documents
mongo-dump-ndjson: $md/testdirs/db1/c3.bson: 0 documents
mongo-dump-ndjson: $md/testdirs/db1/c4.bson: 10 documents
mongo-dump-ndjson: $md/testdirs/db2/c1.bin: not a .bson file: skipped
mongo-dump-ndjson: $md/testdirs/db2/c2.txt: not a .bson file: skipped
mongo-dump-ndjson: $md/testdirs/oplog.bson: the oplog (mongodump --oplog), not a collection: skipped" "$errout"
run mongo-dump-ndjson "$md/specialcharacter"
check "a %-encoded collection name, decoded" '{"$table":"cafés","_id":{"$oid":"5f060b4c286d490ac33c4a35"},"A":1.0}' "$out"
run mongo-dump-ndjson --db db1 --collection c4 --mode canonical "$md/testdirs"
check "--db --collection, canonical" '10|{"$table":"c4","_id":{"$oid":"5ea887f8c959aa2047977b85"},"a":{"$numberDouble":"1.0"}}' \
	"$(echo "$out" | wc -l)|$(echo "$out" | head -1)"
run mongo-dump-ndjson --db nosuch "$md/testdirs"
check "--db that is not there: nothing, said, status 1" "1||mongo-dump-ndjson: --db=nosuch: no such collection in the input" "$status|$out|$(echo "$errout" | tail -1)"
run bash -c "mongo-dump-ndjson - <'$md/testdirs/db1/c1.bson' | cmp - <(mongo-dump-ndjson '$md/testdirs/db1/c1.bson') && echo same"
check "standard input: the same records" "same" "$out"
run mongo-dump-ndjson --mode pg "$md/testdirs/db1/c1.bson"
check "pg mode: ObjectId as hex, doubles as numbers" '{"_id":"558b2d614fb5110b23b68fd2","a":0}' "$(echo "$out" | head -1)"

run mongo-dump-ndjson --list "$md/testdirs" "$md/specialcharacter"
check "--list: databases, collections, documents, indexes" "db1	c1	100	1
db1	c2	0	-
db1	c3	0	-
db1	c4	10	1
db1	cafés	1	1" "$out"
check "--list: an empty metadata file is an error" "1|1" \
	"$status|$(echo "$errout" | grep -c "^mongo-dump-ndjson: $md/testdirs/db1/c3.metadata.json: metadata that is not JSON: unexpected end of input, expected a value at byte 1$")"

# ---- gzip: files, a mongodump --gzip directory, standard input
mkdir -p "$w/gz/db1"
for f in c1 c4; do gzip -c "$md/testdirs/db1/$f.bson" >"$w/gz/db1/$f.bson.gz"; done
run mongo-dump-ndjson "$w/gz"
check "a --gzip dump directory" "0|$(mongo-dump-ndjson --db db1 --collection c1 "$md/testdirs" 2>/dev/null; mongo-dump-ndjson --db db1 --collection c4 "$md/testdirs" 2>/dev/null)" "$status|$out"
cp "$md/testdirs/db1/c4.bson" "$w/gz/db1/"
run mongo-dump-ndjson "$w/gz"
check "X.bson and X.bson.gz: one is read, the other named" "110|mongo-dump-ndjson: $w/gz/db1/c4.bson.gz: the collection's .bson is read: this copy is skipped" \
	"$(echo "$out" | wc -l)|$errout"
run bash -c "mongo-dump-ndjson - <'$w/gz/db1/c1.bson.gz' | cmp - <(mongo-dump-ndjson '$md/testdirs/db1/c1.bson') && echo same"
check "gzip on standard input" "same" "$out"
head -c 300 "$w/gz/db1/c1.bson.gz" >"$w/cut.bson.gz"
run mongo-dump-ndjson "$w/cut.bson.gz"
check "a cut gzip file: status 1" "1" "$status"
check "a cut gzip file: the error" "1" "$(echo "$errout" | grep -c "^mongo-dump-ndjson: $w/cut.bson.gz: document [0-9]* at byte [0-9]*: a corrupt gzip file: unexpected end of file$")"

# ---- mongodump --archive (as its specification describes it)
"$here/bson-archive" "$w/app.archive" || exit 3
run mongo-dump-ndjson "$w/app.archive"
check "archive: interleaved segments, tagged" '0|{"$table":"users","_id":0,"name":"user 0"}
{"$table":"users","_id":1,"name":"user 1"}
{"$table":"users","_id":2,"name":"user 2"}
{"$table":"tasks","_id":0,"task":"t0"}
{"$table":"tasks","_id":1,"task":"t1"}
{"$table":"tasks","_id":2,"task":"t2"}
{"$table":"users","_id":3,"name":"user 3"}
{"$table":"users","_id":4,"name":"user 4"}' "$status|$out"
run mongo-dump-ndjson --list "$w/app.archive"
check "archive: --list from its metadata and segments" "app	users	5	1
app	tasks	3	1" "$out"
run mongo-dump-ndjson --collection tasks --mode canonical --no-tag "$w/app.archive"
check "archive: one collection, canonical, no tag" '{"_id":{"$numberInt":"0"},"task":"t0"}
{"_id":{"$numberInt":"1"},"task":"t1"}
{"_id":{"$numberInt":"2"},"task":"t2"}' "$out"
run bash -c "gzip -c '$w/app.archive' | mongo-dump-ndjson - | wc -l"
check "archive: gzipped on standard input" "8" "$out"
"$here/bson-archive" "$w/cut.archive" cut
run mongo-dump-ndjson "$w/cut.archive"
check "archive cut in a segment" "1|7|mongo-dump-ndjson: $w/cut.archive: document 14 at byte 927: cut short: 9 bytes of 31 (a truncated file)" \
	"$status|$(echo "$out" | wc -l)|$errout"
/usr/bin/python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.find(b"user 4")
d[i + 5] = ord("5")  # a byte changed, the lengths intact
open(sys.argv[2], "wb").write(d)' "$w/app.archive" "$w/damaged.archive"
run mongo-dump-ndjson "$w/damaged.archive"
check "archive: a changed byte fails its collection's CRC-64" "1|mongo-dump-ndjson: $w/damaged.archive: document 17 at byte 1082: the documents of app.users do not match the archive's CRC-64 for them (a damaged archive)" \
	"$status|$errout"
head -c 1024 "$w/app.archive" >"$w/noeof.archive"
run mongo-dump-ndjson "$w/noeof.archive"
check "archive without a collection's end" "1|8|mongo-dump-ndjson: $w/noeof.archive: document 16 at byte 1024: the archive ends before the end of app.users" \
	"$status|$(echo "$out" | wc -l)|$errout"

# ---- every type, against bson.json_util
"$here/bson-fixtures" write "$w/all.bson" || exit 3
for m in relaxed canonical; do
	mongo-dump-ndjson --mode $m "$w/all.bson" >"$w/$m.ndjson"
	check "$m: status" "0" "$?"
	check "$m: value for value as bson.json_util" "same 9" "$("$here/bson-fixtures" check $m "$w/all.bson" "$w/$m.ndjson")"
done
run mongo-dump-ndjson --mode pg "$w/all.bson"
check "pg mode: every type" '{"_id":"5f060b4c286d490ac33c4a35","s":"hello","empty":"","nul":"a\u0000b","uni":"é😀\"\\\n\t\u0001"}
{"i32":0,"neg":-2147483648,"max":2147483647,"i64":9007199254740993,"i64min":-9223372036854775808,"i64max":9223372036854775807,"small64":1}
{"d":1,"d0":0,"dneg0":-0,"pi":3.141592653589793,"tiny":5e-324,"big":1.7976931348623157e+308,"e18":1e+18,"third":0.3333333333333333,"inf":"Infinity","ninf":"-Infinity","nan":"NaN","d2":1.5,"dint":12345678}
{"dec":1.10,"decexp":1E+3,"decneg":{"$numberDecimal":"-0.0"},"decnan":"NaN","decinf":"-Infinity","declong":1234567890123456789012345678901234}
{"t":true,"f":false,"n":null,"arr":[1,"a",[],{}],"obj":{"a":{"b":{"c":[null]}}},"emptyobj":{}}
{"date":"2024-05-01T12:00:00.250Z","epoch":"1970-01-01T00:00:00.000Z","before":"1969-12-31T23:59:59.000Z","y1":"0001-01-01T00:00:00.000Z","y9999":"9999-12-31T23:59:59.999Z"}
{"bin":{"$binary":{"base64":"AP8B","subType":"00"}},"func":{"$binary":{"base64":"Zg==","subType":"01"}},"old":{"$binary":{"base64":"b2xk","subType":"02"}},"md5":{"$binary":{"base64":"MDEyMzQ1Njc4OWFiY2RlZg==","subType":"05"}},"user":{"$binary":{"base64":"dQ==","subType":"80"}},"empty":{"$binary":{"base64":"","subType":"00"}},"uuid":"c8edabc3-f738-4ca3-b68d-ab92a91478a3","uuid3":{"$binary":{"base64":"MDEyMzQ1Njc4OWFiY2RlZg==","subType":"03"}}}
{"re":"/^a.*b$/imx","re2":"/x/y\"z/","ts":{"t":1700000000,"i":7},"min":{"$minKey":1},"max":{"$maxKey":1},"code":"function(){}","cws":{"code":"f(x)","scope":{"x":1,"s":"y"}}}
{"$$odd":1,"with.dot":2,"":"empty key","é":"key"}' "$out"

# ---- --fields: dotted paths, in the document's order
run mongo-dump-ndjson --fields 'uni,_id' "$w/all.bson"
check "--fields: top level, document order, absent left out" '{"_id":{"$oid":"5f060b4c286d490ac33c4a35"},"uni":"é😀\"\\\n\t\u0001"}
{}' "$(echo "$out" | head -2)"
run mongo-dump-ndjson --fields 'obj.a.b,arr,t,cws.scope' --mode pg "$w/all.bson"
check "--fields: nested paths, a whole array, a path into a scalar" '{"t":true,"arr":[1,"a",[],{}],"obj":{"a":{"b":{"c":[null]}}}}
{}' "$(echo "$out" | sed -n '5p;8p')"
/usr/bin/python3 -c 'import bson, sys; sys.stdout.buffer.write(bson.encode({"items": [{"sku": "a", "qty": 1}, 7, {"qty": 2}], "n": 1}))' >"$w/items.bson"
run mongo-dump-ndjson --fields items.sku "$w/items.bson"
check "--fields: a path through an array of documents" '{"items":[{"sku":"a"},{}]}' "$out"
run mongo-dump-ndjson --fields 'a,,b' "$w/all.bson"
check "--fields: an empty name" "2" "$status"

# ---- corrupt input: file, document, byte; what can be read is
"$here/bson-corrupt" "$w" || exit 3
cr() { # NAME FILE STDOUT STDERR
	run mongo-dump-ndjson "$w/$2"
	check "$1: status 1" "1" "$status"
	check "$1: what was readable" "$3" "$out"
	check "$1: the error" "$4" "$errout"
}
cr "truncated file" truncated.bson '{"n":0}
{"n":1}' "mongo-dump-ndjson: $w/truncated.bson: document 3 at byte 24: cut short: 9 bytes of 12 (a truncated file)"
cr "a length of 3" badlength.bson '{"n":0}' "mongo-dump-ndjson: $w/badlength.bson: document 2 at byte 12: a length of 3, not a BSON document"
cr "a length past the end" pastend.bson '{"n":0}' "mongo-dump-ndjson: $w/pastend.bson: document 2 at byte 12: cut short: 7 bytes of 1000 (a truncated file)"
cr "a nested length that disagrees" nested.bson '{"n":0}
{"n":1}' "mongo-dump-ndjson: $w/nested.bson: document 2 at byte 12: a corrupt element (its length or type is wrong) (at byte 21)"
cr "an unknown type" badtype.bson '{"n":0}
{"n":1}' "mongo-dump-ndjson: $w/badtype.bson: document 2 at byte 12: a corrupt element (its length or type is wrong) (at byte 19)"
cr "text that is not UTF-8, kept losslessly" badutf8.bson '{"s":{"$binary":{"base64":"Yf9i","subType":"00"}}}
{"$binary:a/8=":7}
{"n":2}' "mongo-dump-ndjson: $w/badutf8.bson: document 1 at byte 0: a string is not valid UTF-8: written in the binary form (at byte 4)
mongo-dump-ndjson: $w/badutf8.bson: document 2 at byte 16: a key is not valid UTF-8: written as \"\$binary:<base64>\" (at byte 20)"
run mongo-dump-ndjson "$w/dump"
check "a text file named .bson in a dump" "1|{\"\$table\":\"ok\",\"n\":0}|mongo-dump-ndjson: $w/dump/app/notes.bson: document 1 at byte 0: a length of 1936025716, more than a document can be" \
	"$status|$out|$errout"
run mongo-dump-ndjson "$w/nosuch.bson"
check "a missing file: status 3" "3|mongo-dump-ndjson: $w/nosuch.bson: No such file or directory" "$status|$errout"
for m in relaxed canonical pg; do
	run mongo-dump-ndjson --mode $m "$w/oddtypes.bson"
	case $m in
	pg) want='{"p":{"$ref":"c","$id":"5f060b4c286d490ac33c4a35"},"sym":"s","u":null}' ;;
	*) want='{"p":{"$dbPointer":{"$ref":"c","$id":{"$oid":"5f060b4c286d490ac33c4a35"}}},"sym":{"$symbol":"s"},"u":{"$undefined":true}}' ;;
	esac
	check "DBPointer, Symbol, Undefined ($m)" "0|$want" "$status|$out"
done
run mongo-dump-ndjson --mode=bson
check "a bad --mode" "2" "$status"

# ---- end to end: a task store into typed columns
pg_start || exit 3
mkdir -p "$w/tasks/app"
/usr/bin/python3 - "$w/tasks/app/tasks.bson" <<'PY' || exit 3
import datetime, sys, uuid
import bson
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions
opts = CodecOptions(uuid_representation=UuidRepresentation.STANDARD)
utc = datetime.timezone.utc
with open(sys.argv[1], "wb") as f:
    for i in range(1000):
        f.write(bson.encode({
            "_id": bson.ObjectId(), "uid": uuid.UUID(int=i * 7919 + 1),
            "task": "app.tasks.send", "namespace": "mail",
            "status": ["PENDING", "STARTED", "SUCCESS"][i % 3],
            "priority": i % 10,
            "eta": datetime.datetime(2024, 1, 1, tzinfo=utc) + datetime.timedelta(seconds=i * 61, milliseconds=i),
            "args": [i, "x"], "kwargs": {"to": "user%d@example.com" % i, "n": bson.Int64(2**40 + i)},
        }, codec_options=opts))
PY
sql 'create table tasks (uid uuid primary key, task text not null, status text not null,
	priority int not null, eta timestamptz not null, args jsonb, kwargs jsonb)'
run bash -o pipefail -c "mongo-dump-ndjson --mode pg '$w/tasks' |
	ndjson-map -e 'uid = .uid; task = .task; status = .status; priority = int(.priority)' \
		-e 'eta = timestamp(.eta); args = .args; kwargs = .kwargs' | pg-copy-load -t tasks"
check "tasks: loaded" "0" "$status"
check "tasks: every row, exactly" "$(/usr/bin/python3 -c '
import datetime, uuid, hashlib
rows = []
for i in range(1000):
    eta = datetime.datetime(2024, 1, 1) + datetime.timedelta(seconds=i * 61, milliseconds=i)
    rows.append("%s|%s|%d|%s|[%d, \"x\"]|{\"n\": %d, \"to\": \"user%d@example.com\"}" % (
        uuid.UUID(int=i * 7919 + 1), ["PENDING", "STARTED", "SUCCESS"][i % 3], i % 10,
        eta.strftime("%Y-%m-%d %H:%M:%S.%f")[:23] + "+00", i, 2**40 + i, i))
print("\n".join(sorted(rows)))' | md5sum)" \
	"$(PGTZ=UTC sql "select uid || '|' || status || '|' || priority || '|' || to_char(eta, 'YYYY-MM-DD HH24:MI:SS.MS') || '+00|' || args || '|' || kwargs from tasks order by 1" | md5sum)"

# ---- --ddl: tables from a scan (jsonb, or typed with --fields), indexes
cat >"$w/tasks/app/tasks.metadata.json" <<'META'
{"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"},
 {"v":{"$numberInt":"2"},"key":{"uid":{"$numberInt":"1"}},"name":"uid_1","unique":true},
 {"v":{"$numberInt":"2"},"key":{"status":{"$numberInt":"1"},"eta":{"$numberInt":"-1"}},"name":"status_1_eta_-1"},
 {"v":{"$numberInt":"2"},"key":{"kwargs.to":{"$numberInt":"1"}},"name":"kwargs.to_1"},
 {"v":{"$numberInt":"2"},"key":{"namespace":"hashed"},"name":"namespace_hashed"},
 {"v":{"$numberInt":"2"},"key":{"task":"text"},"name":"task_text"}],
 "collectionName":"tasks","type":"collection"}
META
run mongo-dump-ndjson --ddl=pre --fields uid,status,priority,eta,args,kwargs "$w/tasks"
check "--ddl=pre --fields: typed columns from a scan" 'CREATE TABLE "tasks" (
    "_id" text PRIMARY KEY,
    "uid" uuid NOT NULL,
    "status" text NOT NULL,
    "priority" integer NOT NULL,
    "eta" timestamptz NOT NULL,
    "args" jsonb NOT NULL,
    "kwargs" jsonb NOT NULL
);' "$out"
sql 'create schema typed; create schema plain'
PGOPTIONS="$PGOPTIONS -c search_path=typed" psql -X -q -v ON_ERROR_STOP=1 -c "$out"
check "--ddl=pre: psql takes it" "0" "$?"
run bash -o pipefail -c "mongo-dump-ndjson --mode pg --fields _id,uid,status,priority,eta,args,kwargs '$w/tasks' |
	pg-copy-load -t typed.tasks"
check "typed: every document loads as it is" "0|1000" "$status|$(sql 'select count(*) from typed.tasks')"
run mongo-dump-ndjson --ddl=post --fields uid,status,priority,eta,args,kwargs "$w/tasks"
check "--ddl=post: the indexes PostgreSQL can express" 'CREATE UNIQUE INDEX IF NOT EXISTS "tasks_uid_1" ON "tasks" ("uid") NULLS NOT DISTINCT;
CREATE INDEX IF NOT EXISTS "tasks_status_1_eta_-1" ON "tasks" ("status", "eta" DESC);
CREATE INDEX IF NOT EXISTS "tasks_kwargs.to_1" ON "tasks" (("kwargs"->'"'"'to'"'"'));' "$out"
check "--ddl=post: a warning for each it cannot" "mongo-dump-ndjson: tasks: index namespace_hashed: a key on a field that is not a column (name it in --fields) has no PostgreSQL form here: skipped
mongo-dump-ndjson: tasks: index task_text: a special index (text, 2d, 2dsphere, compound hashed) has no PostgreSQL form here: skipped" "$errout"
PGOPTIONS="$PGOPTIONS -c search_path=typed" psql -X -q -v ON_ERROR_STOP=1 -c "$out"
check "--ddl=post --fields: psql takes it, the unique index holds" "0|4" "$?|$(sql "select count(*) from pg_indexes where schemaname = 'typed'")"
run mongo-dump-ndjson --ddl=post "$w/tasks"
PGOPTIONS="$PGOPTIONS -c search_path=plain" psql -X -q -v ON_ERROR_STOP=1 -c "$(mongo-dump-ndjson --ddl=pre "$w/tasks")" -c "$out"
check "--ddl jsonb: table and indexes in psql" "0|5" "$?|$(sql "select count(*) from pg_indexes where schemaname = 'plain'")"
run bash -o pipefail -c "mongo-dump-ndjson --mode pg '$w/tasks' |
	ndjson-map -e '_id = ._id; doc = rest' | pg-copy-load -t plain.tasks"
check "jsonb: loaded, and the unique index held" "0|1000|1000" \
	"$status|$(sql 'select count(*) from plain.tasks')|$(sql "select count(distinct doc->'uid') from plain.tasks")"
# documents whose keys begin with $ (even one that looks like the binary
# form) are data: written "$$key", loaded back as "$key", never as bytes
/usr/bin/python3 -c '
import bson, sys
docs = [{"_id": 1, "doc": {"$binary": {"base64": "AA==", "subType": "00"}}, "d2": {"$binary": "x"},
         "d3": [{"$table": 1, "$$two": {"$oid": "x"}}]},
        {"_id": 2, "doc": {"a": {"$binary": 5}}, "d2": None, "d3": []}]
open(sys.argv[1], "wb").write(b"".join(bson.encode(d) for d in docs))' "$w/dollar.bson"
sql 'create table dollar (_id int, doc jsonb, d2 json, d3 jsonb)'
run bash -o pipefail -c "mongo-dump-ndjson --mode pg '$w/dollar.bson' | pg-copy-load -q -t dollar"
check "\$ keys: loaded" "0" "$status"
check "\$ keys: the documents as pymongo wrote them, value for value" "same" "$(/usr/bin/python3 -c '
import bson, json, psycopg2, sys
want = bson.decode_all(open(sys.argv[1], "rb").read())
cur = psycopg2.connect("").cursor()
cur.execute("select _id, doc, d2, d3 from dollar order by _id")
got = [dict(zip(("_id", "doc", "d2", "d3"), r)) for r in cur.fetchall()]
print("same" if got == want else "differs: %r / %r" % (got, want))' "$w/dollar.bson")"
# Decimal128 NaN keeps its sign (libbson's text drops it), as Python's
# Decimal reads the same bytes
/usr/bin/python3 -c '
import bson, sys
from bson.decimal128 import Decimal128
sys.stdout.buffer.write(bson.encode({"a": Decimal128("-NaN"), "b": Decimal128("NaN"), "c": Decimal128("-Infinity"), "d": Decimal128("-0.0")}))' >"$w/nan.bson"
want=$(/usr/bin/python3 -c '
import bson, sys
d = bson.decode(open(sys.argv[1], "rb").read())
print(",".join(str(v.to_decimal()) for v in d.values()))' "$w/nan.bson")
for m in relaxed pg; do
	check "decimal128 NaN's sign, $m" "$want" "$(mongo-dump-ndjson --mode $m "$w/nan.bson" | /usr/bin/python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
print(",".join(str(v["$numberDecimal"] if isinstance(v, dict) else v) for v in d.values()))')"
done
finish
