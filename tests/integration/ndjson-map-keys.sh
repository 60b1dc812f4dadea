# ndjson-map and keys: `$`-keys (ndjson-migrate(7) writes a data key that
# begins with $ with one more) read the same by text(), json(), md5(),
# concat(), parse_json() and @key as pg-copy-load loads them, with
# PostgreSQL as the judge: random objects with such keys at any depth,
# spelled with escapes and white space, loaded beside what the functions
# make of them.  SEEDS=N for more records.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
cd "$PG_DIR" || exit 3
n=${SEEDS:-4}

/usr/bin/python3 - "$n" <<'PY'
import json, random, sys
r = random.Random(int(sys.argv[1]) * 101)
names = ["a", "$a", "$$a", "$table", "$binary", "x y", "é", "$"]
def key(k):
    """the key as the contract writes it, spelled at random"""
    w = "$" + k if k.startswith("$") else k
    s = json.dumps(w, ensure_ascii=r.random() < 0.5)
    if r.random() < 0.3:
        s = s.replace("$", "\\u0024")
    return s
def ws():
    return r.choice(["", "", " ", "\t "])
def val(d):
    c = r.random()
    if d > 3 or c < 0.4:
        return r.choice(['1', '"v"', '"\\"$$a\\": 1"', 'null', 'true', '-0.50', '"$$x"'])
    if c < 0.7:
        ks = r.sample(names, r.randint(0, 4))
        return "{" + ",".join(ws() + key(k) + ws() + ":" + ws() + val(d + 1) for k in ks) + ws() + "}"
    return "[" + ",".join(ws() + val(d + 1) for _ in range(r.randint(0, 3))) + "]"
with open("keys.ndjson", "w") as f:
    for i in range(50 * int(sys.argv[1])):
        o = val(0)
        while not o.startswith("{"):
            o = val(0)
        f.write('{"id":%d,"o":%s}\n' % (i, o))
PY
sql "create table k (id int, raw text, t text, j text, p jsonb, o jsonb, m text, c text, mt text)"
ndjson-map -e 'id = .id; raw = .o; t = text(.o); j = json(.o); p = parse_json(text(.o))' \
	-e 'o = .o; m = md5(.o); c = concat(.o, ""); mt = md5(text(.o))' keys.ndjson |
	pg-copy-load -t k 2>load.err
total=$(wc -l <keys.ndjson)
check "all $total records loaded" "$total" "$(sql 'select count(*) from k')"
check "text() is what pg-copy-load loads into text" "0" "$(sql 'select count(*) from k where t <> raw')"
check "json() of an object is that text too" "0" "$(sql 'select count(*) from k where j <> raw')"
check "parse_json(text()) is the object again, in jsonb" "0" "$(sql 'select count(*) from k where p <> o')"
check "md5() is PostgreSQL's md5 of the loaded text" "0" "$(sql 'select count(*) from k where m <> md5(raw) or mt <> m')"
check "concat() reads that text" "0" "$(sql 'select count(*) from k where c <> raw')"
check "some keys were \$-keys" "t" "$(sql "select count(*) > 10 from k where raw like '%\"\$a\"%'")"

# @key: a member's name as the data has it (a null member is SQL NULL)
sql "create table ek (id int, k text, v jsonb, kv jsonb)"
ndjson-map -e 'explode .o; id = .id; k = @key; v = @; kv = object(@key, @)' keys.ndjson |
	pg-copy-load -t ek 2>>load.err
check "@key is the name pg-copy-load gives it in jsonb" "0" \
	"$(sql 'select count(*) from ek join k using (id) where (k.o -> ek.k) <> coalesce(ek.v, 'null') or ek.kv <> jsonb_build_object(ek.k, coalesce(ek.v, 'null'))')"
check "and every member came out" "$(sql 'select sum((select count(*) from jsonb_object_keys(o))) from k')" \
	"$(sql 'select count(*) from ek')"
# A key twice in any object, at any depth, rejects the record: random
# nested records, some with a key repeated (spelled another way, too),
# against Python's json with a hook that sees every object's pairs.
/usr/bin/python3 - "$n" <<'PY'
import json, random, sys
r = random.Random(int(sys.argv[1]) * 7)
def key(k):
    s = json.dumps(k)
    return s.replace("k", "\\u006b") if r.random() < 0.3 else s
def val(d):
    c = r.random()
    if d > 4 or c < 0.35:
        return r.choice(['1', '"k"', '"{\\"k\\":1,\\"k\\":2}"', 'null'])
    if c < 0.75:
        ks = r.sample(["k", "a", "b", "$$k"], r.randint(0, 3))
        if ks and r.random() < 0.08:
            ks.insert(r.randint(0, len(ks)), r.choice(ks))
        return "{" + ",".join(key(k) + ":" + val(d + 1) for k in ks) + "}"
    return "[" + ",".join(val(d + 1) for _ in range(r.randint(0, 3))) + "]"
bad = []
def hook(pairs):
    names = [k for k, v in pairs]
    if len(set(names)) != len(names):
        raise ValueError
    return dict(pairs)
with open("dup.ndjson", "w") as f:
    for i in range(1, 300 * int(sys.argv[1]) + 1):
        rec = '{"id":%d,"o":%s}' % (i, val(0))
        f.write(rec + "\n")
        try:
            json.loads(rec, object_pairs_hook=hook)
        except ValueError:
            bad.append(i)
open("dup.want", "w").write(" ".join(map(str, bad)) + "\n")
PY
ndjson-map --rejects=dup.rej dup.ndjson >dup.out
check "records with a key twice somewhere: those Python's json finds" "$(cat dup.want)" \
	"$(/usr/bin/python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["line"]) for l in open(sys.argv[1]) if json.loads(l)["error"].startswith("duplicate key")))' dup.rej)"
echo "duplicate keys: $(wc -w <dup.want) of $(wc -l <dup.ndjson) records rejected"
sql "create table d (id int, o jsonb, k jsonb)"
ndjson-map -e 'id = .id; o = .o; k = .o.k' dup.out | pg-copy-load -t d 2>>load.err
check "the others: a path reads what jsonb holds" "0" \
	"$(sql "select count(*) from d where (o -> 'k') is distinct from coalesce(k, case when jsonb_typeof(o) = 'object' and o ? 'k' then 'null'::jsonb end)")"
# flatten hoists data keys only: the random objects above (their $-keys
# all data, written with one more $) come out member for member; one with
# a key of the contract's ("$table", however spelled) is refused, never
# routed.
/usr/bin/python3 - <<'PY'
import json, random, re
r = random.Random(5)
with open("keys.ndjson") as f, open("flat.ndjson", "w") as o, open("flat.want", "w") as w:
    for i, l in enumerate(f, 1):
        rec = json.loads(l)
        if r.random() < 0.2:
            k = r.choice(['"$table"', '"\\u0024table"', '"$binary"', '"$x"'])
            empty = re.match(r'.*"o":\{\s*\}', l)
            l = l.replace('"o":{', '"o":{%s:"evil"%s' % (k, "" if empty else ","), 1)
            w.write("%d\n" % i)
        o.write(l)
PY
ndjson-map --rejects=flat.rej -e 'id = .id; flatten .o' flat.ndjson >flat.out
check "flatten: the records with a contract's key are refused" "$(cat flat.want)" \
	"$(/usr/bin/python3 -c 'import json,sys; print("\n".join(str(json.loads(l)["line"]) for l in open(sys.argv[1]) if "is the contract" in json.loads(l)["error"]))' flat.rej)"
check "flatten: the others member for member, no key of the contract's" "0" "$(/usr/bin/python3 - <<'PY'
import json
src = {json.loads(l)["id"]: l for l in open("flat.ndjson")}
bad = 0
for l in open("flat.out"):
    pairs = json.loads(l, object_pairs_hook=lambda p: p)
    rid = dict(pairs)["id"]
    want = [("id", rid)] + json.loads(src[rid], object_pairs_hook=lambda p: p)[1][1]
    if pairs != want or any(k.startswith("$") and not k.startswith("$$") for k, v in pairs):
        bad += 1
print(bad)
PY
)"
check_run "flatten of a nested \$table: refused, not routed" 1 \
	'ndjson-map: <stdin>:1: flatten: key "$table" is the contract'"'"'s, not data (a data key that begins with $ is written with one more)' \
	bash -c 'echo "{\"id\":1,\"v\":{\"a\":1,\"\\u0024table\":\"evil\"}}" | ndjson-map -e "id = .id; flatten .v"'
finish
