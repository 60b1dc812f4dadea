# examples/mongo-to-postgres end to end: a mongodump of a task collection
# written by pymongo's bson (5,000 documents: uuids, dates, etas due and not,
# args with big integers and Unicode, kwargs with a '$' key), the Makefile's
# phases, then PostgreSQL read by psycopg2 against pymongo's decoding of the
# same file, and the worker's claim query from two sessions at once.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
ex=$top/examples/mongo-to-postgres
N=${N:-5000}
M() { make -s -f "$ex/Makefile" DUMP=dump "$@"; }

t0=$(date +%s%N)
/usr/bin/python3 "$ex/demo-data.py" dump "$N" 7
check "pymongo wrote the dump" "0" "$?"
run M dry-run
check "dry-run: the collection, and nothing in PostgreSQL" "0|factory	task	$N	3|t" \
	"$status|$(echo "$out" | head -1)|$(sql "select to_regclass('task') is null")"
# a dump of another database: named, and nothing made in PostgreSQL
run M dry-run DB=plant
check "dry-run of a database the dump lacks: status, message" "2|mongo-dump-ndjson: --db=plant --collection=task: no such collection in the input" \
	"$status|$(echo "$errout" | head -1)"
run M all DB=plant
check "all of a database the dump lacks: named, nothing made" "2|mongo-dump-ndjson: --db=plant --collection=task: no such collection in the input|t" \
	"$status|$(echo "$errout" | head -1)|$(sql "select to_regclass('task') is null")"
run M all
[ "$status" = 0 ] || echo "$errout" | tail -3
check "all: status" "0" "$status"
check "all: pg-verify finds the table the same" "1" \
	"$(echo "$errout" | grep -c "^pg-verify: public.task: $N source rows, $N table rows: 0 missing, 0 extra, 0 changed, 0 duplicate, 0 invalid$")"
t1=$(date +%s%N)
check "indexes from the dump's metadata" "task_status_1_priority_-1_eta_1|f
task_uid_1|t" "$(sql "select c.relname, i.indisunique from pg_index i join pg_class c on c.oid = i.indexrelid
	where i.indrelid = 'task'::regclass and not exists (select from pg_constraint where conindid = i.indexrelid) order by 1")"

check "every document, field by field, as pymongo reads it" "ok" "$(PYTHONPATH=$top/tests/integration /usr/bin/python3 - <<'PY'
import bson, datetime, json, psycopg2
from exactjson import exact
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions
from decimal import Decimal
o = CodecOptions(uuid_representation=UuidRepresentation.STANDARD, tz_aware=True)
docs = {}
with open("dump/factory/task.bson", "rb") as f:
    for d in bson.decode_file_iter(f, codec_options=o):
        docs[str(d["uid"])] = d
c = psycopg2.connect("")
cur = c.cursor()
cur.execute("select mongo_id, uid::text, task, namespace, status, priority, eta, args::text, kwargs::text,"
            " revision, created_at, updated_at from task")
bad = []
rows = cur.fetchall()
if len(rows) != len(docs):
    bad.append("%d rows for %d documents" % (len(rows), len(docs)))
for mid, uid, task, ns, status, pri, eta, args, kwargs, rev, created, updated in rows:
    d = docs.pop(uid, None)
    if d is None:
        bad.append("%s: no such document" % uid); continue
    want = (str(d["_id"]), d["task"], d["namespace"], d["status"], d["priority"], d["eta"], d["revision"],
            d["created_at"], d["updated_at"])
    got = (mid, task, ns, status, pri, eta, rev, created, updated)
    if got != want:
        bad.append("%s: %r != %r" % (uid, got, want))
    if json.loads(args, parse_float=Decimal) != exact(d["args"]) or json.loads(kwargs, parse_float=Decimal) != exact(d["kwargs"]):
        bad.append("%s: args/kwargs %s %s" % (uid, args, kwargs))
print("ok" if not bad else "; ".join(bad[:4]))
PY
)"

# two workers claim at once: every due task once, none to both
check "the claim query from two sessions: each due task to one worker" "ok" "$(/usr/bin/python3 - "$ex/claim.sql" <<'PY'
import psycopg2, sys, threading
claim = open(sys.argv[1]).read()
c = psycopg2.connect("")
cur = c.cursor()
cur.execute("select id from task where status = 'PENDING' and (eta is null or eta <= now())")
due = {r[0] for r in cur.fetchall()}
got = [[], []]
def worker(k):
    conn = psycopg2.connect("")
    cur = conn.cursor()
    while True:
        cur.execute(claim)
        ids = [r[0] for r in cur.fetchall()]
        conn.commit()
        if not ids:
            return
        got[k].extend(ids)
ts = [threading.Thread(target=worker, args=(k,)) for k in (0, 1)]
for t in ts: t.start()
for t in ts: t.join()
a, b = set(got[0]), set(got[1])
bad = []
if a & b: bad.append("%d tasks claimed twice" % len(a & b))
if len(got[0]) != len(a) or len(got[1]) != len(b): bad.append("a worker got one twice")
if a | b != due: bad.append("claimed %d of %d due" % (len(a | b), len(due)))
if not a or not b: bad.append("one worker got nothing (%d, %d)" % (len(a), len(b)))
print("ok" if not bad else "; ".join(bad))
PY
)"

# a run again updates in place: the same ids, the claims' changes undone
ids=$(sql 'select sum(id), count(*) from task')
run M all
check "run again: status" "0" "$status"
check "run again: the same rows and ids" "$ids|0" "$(sql 'select sum(id), count(*) from task')|$(sql "select count(*) from task where revision > 4")"
run M rollback
check "rollback: the table is gone" "0|t" "$status|$(sql "select to_regclass('task') is null")"
# values jsonb cannot hold are refused by name, never spelled otherwise:
# NaN and Infinity in args or kwargs, and -0.0 (jsonb's numbers have no sign
# of zero); at the top level (a double precision column) all three go in
mkdir -p nan/factory
/usr/bin/python3 - <<'PY'
import bson
docs = [{"_id": 1, "args": [1.5]}, {"_id": 2, "args": [float("nan")]}, {"_id": 3, "kwargs": {"x": float("-inf")}},
        {"_id": 4, "args": [-0.0]}, {"_id": 5, "score": float("nan"), "z": -0.0}]
open("nan/factory/task.bson", "wb").write(b"".join(bson.encode(d) for d in docs))
PY
run mongo-dump-ndjson --mode=pg --no-tag --db=factory --collection=task nan
check "NaN, Infinity, -0.0 inside args/kwargs: refused, named" "1|{\"_id\":1,\"args\":[1.5]}
{\"_id\":5,\"score\":\"NaN\",\"z\":-0}|mongo-dump-ndjson: nan/factory/task.bson: document 2 at byte 36: a NaN inside a document or array: jsonb cannot hold it (at byte 59)
mongo-dump-ndjson: nan/factory/task.bson: document 3 at byte 72: an Infinity inside a document or array: jsonb cannot hold it (at byte 97)
mongo-dump-ndjson: nan/factory/task.bson: document 4 at byte 110: a -0.0 inside a document or array: jsonb cannot hold it (at byte 133)" "$status|$out|$errout"

# a legacy UUID (Binary subtype 3, as the Java driver writes it) is never
# taken as uuid text in a byte order it does not say: a uuid column refuses it
mkdir -p legacy/factory
/usr/bin/python3 - <<'PY'
import bson, uuid
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions
o = CodecOptions(uuid_representation=UuidRepresentation.JAVA_LEGACY)
u = uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")
open("legacy/factory/task.bson", "wb").write(bson.encode({"_id": 1, "uid": u}, codec_options=o))
PY
sql 'create table legacy (uid uuid)'
run bash -o pipefail -c 'mongo-dump-ndjson --mode=pg --no-tag --fields=uid --db=factory --collection=task legacy | pg-copy-load -q -t legacy'
check "a legacy UUID: refused by the uuid column, named, nothing loaded" "1|pg-copy-load: <stdin>:1: column uid: binary value for a column that is not bytea, json or jsonb|0" \
	"$status|$(echo "$errout" | head -1)|$(sql 'select count(*) from legacy')"

echo "mongo-to-postgres: $N documents dumped, loaded and verified in $(( (t1 - t0) / 1000000 )) ms"
finish
