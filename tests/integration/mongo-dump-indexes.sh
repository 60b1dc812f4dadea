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
finish
