# mongo-dump-ndjson --ddl=post: PostgreSQL's indexes accept and refuse the
# rows MongoDB's would (issue 30).  Many seeds: a unique index with random
# keys (top-level and dotted), its "unique" spelt as MongoDB's trueValue()
# reads it, sparse or not, over documents with values, nulls and missing
# fields; a model of MongoDB's unique index (a missing field is null; a
# sparse index leaves out documents with none of its keys; numbers by
# value) builds the dump and judges probe rows, which PostgreSQL must take
# or refuse alike, as a jsonb document and in typed columns.
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d)
chmod 755 "$w"
trap 'rm -rf "$w"; pg_stop' EXIT
cd "$w" || exit 3
SEEDS=${SEEDS:-3}
pg_start || exit 3

# load NAME FILE: the documents of FILE into table NAME (jsonb, or typed)
load() {
	if [ "$1" = doc ]; then
		mongo-dump-ndjson --mode=pg "$2" | ndjson-map -e '_id = ._id; doc = rest' | pg-copy-load -q -t doc
	else
		mongo-dump-ndjson --mode=pg --fields=_id,a,b,c "$2" | pg-copy-load -q -t typed
	fi
}

for seed in $(seq 1 "$SEEDS"); do
	rm -rf d probes && mkdir -p d/app probes
	/usr/bin/python3 - "$seed" <<'PY' || exit 3
import bson, json, random, sys
r = random.Random(int(sys.argv[1]))
keys = r.sample(["a", "b", "c.d"], r.choice([1, 1, 2]))
spec = {k: r.choice([1, -1]) for k in keys}
unique = r.choice([True, {"$numberInt": "1"}, {"$numberDouble": "1.0"}, {"$numberLong": "7"}, "yes",
                   False, {"$numberInt": "0"}, {"$numberDouble": "0.0"}, None])
is_unique = unique not in (False, None) and not (isinstance(unique, dict) and float(list(unique.values())[0]) == 0)
sparse = r.random() < 0.5
ix = {"v": 2, "key": spec, "name": "ix", "unique": unique}
if sparse:
    ix["sparse"] = True
meta = {"indexes": [{"v": 2, "key": {"_id": 1}, "name": "_id_"}, ix], "collectionName": "t", "type": "collection"}
def val(k):
    x = r.random()
    if x < 0.25:
        return "missing"
    if x < 0.4:
        return None
    return r.randrange(4) if k == "a" else (r.choice(["x", "y", "z"]) if k == "b" else r.randrange(3))
def doc(i):
    d = {"_id": i}
    a, b, cd = val("a"), val("b"), val("c.d")
    if a != "missing": d["a"] = a
    if b != "missing": d["b"] = b
    if cd != "missing": d["c"] = {"d": cd}
    elif r.random() < 0.3: d["c"] = {"e": 1}
    return d
def key_of(d):
    out, present = [], False
    for k in keys:
        v = d
        for part in k.split("."):
            v = v.get(part, "missing") if isinstance(v, dict) else "missing"
        present |= v != "missing"
        out.append(None if v == "missing" else v)
    return tuple(out), present
class Coll:
    def __init__(s): s.seen = set()
    def insert(s, d):  # MongoDB's unique index: True when it takes d
        k, present = key_of(d)
        if not is_unique or (sparse and not present):
            return True
        if k in s.seen:
            return False
        s.seen.add(k)
        return True
c = Coll()
with open("d/app/t.bson", "wb") as f:
    for i in range(40):
        d = doc(i)
        if c.insert(d):
            f.write(bson.encode(d))
json.dump(meta, open("d/app/t.metadata.json", "w"))
# probes: each judged against what was taken so far
with open("probes/list", "w") as f:
    for i in range(40, 70):
        d = doc(i)
        ok = c.insert(d)
        open("probes/%d.bson" % i, "wb").write(bson.encode(d))
        f.write("%d %d\n" % (i, ok))
open("ixdesc", "w").write("%s unique=%s sparse=%s" % (json.dumps(spec), json.dumps(unique), sparse))
PY
	for form in doc typed; do
		sql "drop table if exists t"
		if [ $form = doc ]; then
			pre=$(mongo-dump-ndjson --ddl=pre d) post=$(mongo-dump-ndjson --ddl=post d 2>post.err)
		else
			pre=$(mongo-dump-ndjson --ddl=pre --fields=a,b,c d) post=$(mongo-dump-ndjson --ddl=post --fields=a,b,c d 2>post.err)
		fi
		sql "drop table if exists $form"
		sql "${pre/CREATE TABLE \"t\"/CREATE TABLE \"$form\"}"
		load $form d/app/t.bson || { check "seed $seed $form: loaded" 0 1; continue; }
		post=${post//ON \"t\"/ON \"$form\"}
		post=${post//\"t_ix\"/\"${form}_ix\"}
		if [ -n "$post" ]; then
			sql "$post" >/dev/null 2>&1
			check "seed $seed $form: $(cat ixdesc): psql takes the index" 0 "$?"
		else
			# an index left out says why; only a unique one matters here
			check "seed $seed $form: $(cat ixdesc): left out, named, or not unique" 1 \
				"$(grep -c 'index ix: a sparse unique index on a column' post.err)$(grep -q '"unique": \(false\|null\|{"\$number[A-Za-z]*": "0\(\.0\)\?"}\)' ixdesc && echo)" 
			continue
		fi
		bad=0
		while read -r i ok; do
			load $form "probes/$i.bson" >/dev/null 2>&1
			got=$([ $? = 0 ] && echo 1 || echo 0)
			[ "$got" = "$ok" ] || { bad=$((bad + 1)); echo "seed $seed $form probe $i: MongoDB $ok, PostgreSQL $got: $(cat ixdesc)"; }
		done <probes/list
		check "seed $seed $form: $(cat ixdesc): 30 probes taken or refused as MongoDB does" 0 "$bad"
	done
done

# ---- two collections' indexes whose table_index names meet: users +
# org_id_1 and users_org + id_1 are both users_org_id_1; each table keeps
# its unique index (CREATE INDEX IF NOT EXISTS would skip the second)
rm -rf clash && mkdir -p clash/db
/usr/bin/python3 - clash/db <<'PY'
import bson, json, sys
w = sys.argv[1] + "/"
def md(name, idx):
    return json.dumps({"indexes": [{"v": 2, "key": {"_id": 1}, "name": "_id_"}] + idx,
                       "collectionName": name, "type": "collection", "options": {}})
open(w + "users.bson", "wb").write(bson.encode({"_id": 1, "org_id": 1}))
open(w + "users.metadata.json", "w").write(md("users", [{"v": 2, "key": {"org_id": 1}, "name": "org_id_1", "unique": True}]))
open(w + "users_org.bson", "wb").write(bson.encode({"_id": 1, "id": 1}))
open(w + "users_org.metadata.json", "w").write(md("users_org", [{"v": 2, "key": {"id": 1}, "name": "id_1", "unique": True}]))
PY
{ mongo-dump-ndjson --ddl=pre --fields=_id,id,org_id clash | psql -X -q -v ON_ERROR_STOP=1 &&
	mongo-dump-ndjson --mode=pg --fields=_id,id,org_id clash | pg-copy-load -q &&
	mongo-dump-ndjson --ddl=post --fields=_id,id,org_id clash | psql -X -q -v ON_ERROR_STOP=1; } >/dev/null 2>&1
check "two collections, one table_index name: each table its unique index" "users 2|users_org 2" \
	"$(sql "select tablename || ' ' || count(*) from pg_indexes where tablename in ('users', 'users_org') group by tablename order by tablename" | paste -sd'|')"
check "two collections, one table_index name: users_org refuses a second id 1, as MongoDB" 1 \
	"$(sql 'insert into users_org ("_id", "id") values (2, 1)' >/dev/null 2>&1; echo $?)"
finish
