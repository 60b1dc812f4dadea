# pg-verify against real PostgreSQL: identical data says 0 under several
# TimeZones (no false positives over the type matrix); one random change
# to one column of one row is always found (no false negatives); each kind
# of difference by key and status; composite and text keys; routed
# streams; --where windows; Chinook after the README pipeline; the errors.
# SEEDS=N (default 6) for a longer campaign.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3

# ---- the type matrix: random records, loaded, then verified and mutated
cols="id bigint primary key, i2 int2, i4 int, f4 real, f8 float8, n numeric, n2 numeric(12,2),
	b boolean, t text, vc varchar(20), by bytea, j json, jb jsonb, d date, ts timestamp,
	tz timestamptz, u uuid, ai int[], at text[], dflt text default 'd'"
sql "create table m ($cols)"
seeds=${SEEDS:-6}
for seed in $(seq 1 "$seeds"); do
	sql 'truncate m'
	/usr/bin/python3 - "$seed" >m.ndjson <<'PY'
import json, random, sys, uuid
r = random.Random(int(sys.argv[1]))
texts = ["", "a", "Zoë ✓ 😀", "tab\there", "back\\slash", "\\x41", "quote\"", " lead", "NULL"]
def jv(d=0):
    k = r.randint(0, 5 if d < 2 else 3)
    if k == 0: return None
    if k == 1: return True
    if k == 2: return r.choice([0, -1, 1.5, 10**20, 2**63, "1e2"])
    if k == 3: return r.choice(texts)
    if k == 4: return [jv(d + 1) for _ in range(r.randint(0, 2))]
    return {r.choice(texts) + str(i): jv(d + 1) for i in range(r.randint(0, 2))}
gens = {
 "i2": lambda: r.choice([0, -32768, 32767, "12"]),
 "i4": lambda: r.choice([0, -2**31, 2**31 - 1, 7]),
 "f4": lambda: r.choice([0.5, -1.25, 3.4028235e38, 0]),
 "f8": lambda: r.choice([0.1, -0.0, 0.0, 1e308, 5e-324, "NaN", "Infinity", 1 / 3]),
 "n": lambda: r.choice([0, "1.50", 1.5, 1e2, "123456789012345678901234567890.5", -7]),
 "n2": lambda: r.choice([0, 1.5, "2.25", -100]),
 "b": lambda: r.choice([True, False, 0, 1, "yes", "off", "t"]),
 "t": lambda: r.choice(texts), "vc": lambda: r.choice(texts),
 "by": lambda: r.choice([{"$binary": {"base64": "AP8=", "subType": "00"}}, "text", ""]),
 "j": jv, "jb": jv,
 "d": lambda: r.choice(["2024-02-29", "0001-01-01", "9999-12-31"]),
 "ts": lambda: r.choice(["2024-01-01T10:00:00", "1999-12-31 23:59:59.123456"]),
 "tz": lambda: r.choice(["2024-01-01T10:00:00+02:00", "2024-01-01T08:00:00Z", "1970-01-01T00:00:00-05:30"]),
 "u": lambda: str(uuid.UUID(int=r.getrandbits(128))),
 "ai": lambda: [r.randint(-5, 5) for _ in range(r.randint(0, 3))],
 "at": lambda: [r.choice(texts[:3]) for _ in range(r.randint(0, 2))],
}
for i in range(1, 301):
    rec = {"id": i}
    for c, g in gens.items():
        if r.random() < 0.8:
            rec[c] = g() if r.random() < 0.9 else None
    print(json.dumps(rec, ensure_ascii=False))
PY
	run pg-copy-load -q -t m m.ndjson
	check "seed $seed: loaded" "0" "$status"
	for tz in UTC Asia/Kolkata America/St_Johns; do
		run env PGTZ=$tz pg-verify -q -t m --key=id m.ndjson
		check "seed $seed, TimeZone $tz: the same" "0|$(printf '{"summary":{"tables":[{"table":"public.m","source_rows":300,"target_rows":300,"missing":0,"extra":0,"changed":0,"duplicate":0,"invalid":0}],"invalid":0,"status":0}}')" "$status|$out"
	done
	# one change to one column of one row: always found, by key and column
	col=$(/usr/bin/python3 -c "import random; print(random.Random($seed).choice(['i2','i4','f4','f8','n','n2','b','t','vc','by','j','jb','d','ts','tz','u','ai','at','dflt']))")
	id=$(( (seed * 37) % 300 + 1 ))
	case $col in
	i2|i4|f4|f8|n|n2) change="$col = coalesce($col, 0) + 1" ;;
	b) change="b = not coalesce(b, false)" ;;
	t|vc|dflt) change="$col = coalesce($col, '') || 'x'" ;;
	by) change="by = coalesce(by, ''::bytea) || '\\x00'::bytea" ;;
	j) change="j = '{\"changed\":1}'::json" ;;
	jb) change="jb = coalesce(jb, '[]'::jsonb) || '[1]'::jsonb" ;;
	d) change="d = coalesce(d, '2000-01-01') + 1" ;;
	ts) change="ts = coalesce(ts, '2000-01-01') + interval '1 microsecond'" ;;
	tz) change="tz = coalesce(tz, '2000-01-01Z') + interval '1 second'" ;;
	u) change="u = '00000000-0000-0000-0000-000000000001'" ;;
	ai) change="ai = coalesce(ai, '{}') || 9" ;;
	at) change="at = coalesce(at, '{}') || 'z'::text" ;;
	esac
	sql "update m set $change where id = $id"
	run pg-verify -q -t m --key=id m.ndjson
	want="{\"status\":\"changed\",\"table\":\"public.m\",\"key\":{\"id\":$id},\"columns\":[\"$col\"]}"
	# dflt is in no record: compared only when named
	[ $col = dflt ] && run pg-verify -q -t m --key=id --columns=dflt,t m.ndjson
	check "seed $seed: $col of row $id changed: found" "1|$want" "$status|$(echo "$out" | head -1)"
done

# ---- each kind of difference, composite and text keys, --limit, --where
sql "create table k (a text, b int, v text, primary key (a, b))"
printf '%s\n' '{"a":"x","b":1,"v":"one"}' '{"a":"x","b":2,"v":"two"}' '{"a":"y","b":1,"v":"three"}' >k.ndjson
pg-copy-load -q -t k k.ndjson
sql "update k set v = 'TWO' where b = 2; delete from k where a = 'y'; insert into k values ('z', 9, 'extra')"
printf '{"a":"x","b":1,"v":"one"}\n' >>k.ndjson
run pg-verify -t k --key=a,b k.ndjson
check "kinds: status" "1" "$status"
check "kinds: each by key and status, in order" '{"status":"duplicate","table":"public.k","key":{"a":"x","b":1},"count":2}
{"status":"missing","table":"public.k","key":{"a":"y","b":1}}
{"status":"extra","table":"public.k","key":{"a":"z","b":9}}
{"status":"changed","table":"public.k","key":{"a":"x","b":2},"columns":["v"]}
{"summary":{"tables":[{"table":"public.k","source_rows":4,"target_rows":3,"missing":1,"extra":1,"changed":1,"duplicate":1,"invalid":0}],"invalid":0,"status":1}}' "$out"
check "kinds: the line on stderr" "pg-verify: public.k: 4 source rows, 3 table rows: 1 missing, 1 extra, 1 changed, 1 duplicate, 0 invalid" "$errout"
run pg-verify -q -t k --key=a,b --limit=1 --report=r.ndjson k.ndjson
check "--limit: one listed, counts whole; --report" "1||2" "$status|$out|$(wc -l <r.ndjson)"
run pg-verify -q -t k --key=a,b --where="a = 'x'" k.ndjson
check "--where: the table's rows in the window only (z,9 is not extra)" '1|{"status":"duplicate","table":"public.k","key":{"a":"x","b":1},"count":2}
{"status":"missing","table":"public.k","key":{"a":"y","b":1}}
{"status":"changed","table":"public.k","key":{"a":"x","b":2},"columns":["v"]}
2' "$status|$(echo "$out" | grep '^{"status"')
$(echo "$out" | tail -1 | sed 's/.*"target_rows":\([0-9]*\).*/\1/')"
run pg-verify -q -t k --key=a,b --ignore=v k.ndjson
check "--ignore: v not compared" "0" "$(echo "$out" | grep -c '"status":"changed"')"
run pg-verify -q -t k --key=a,b --mode=count k.ndjson
check "count mode: 4 records, 3 rows" "1|{\"summary\":{\"tables\":[{\"table\":\"public.k\",\"source_rows\":4,\"target_rows\":3,\"missing\":0,\"extra\":0,\"changed\":0,\"duplicate\":0,\"invalid\":0}],\"invalid\":0,\"status\":1}}" "$status|$out"

# ---- floats: -0 is not 0 (PostgreSQL's = says it is), NaN is NaN
sql 'create table fz (id int primary key, f float8, g real)'
printf '%s\n' '{"id":1,"f":-0.0,"g":0}' '{"id":2,"f":"NaN","g":"NaN"}' '{"id":3,"f":0,"g":-0.0}' >fz.ndjson
pg-copy-load -q -t fz fz.ndjson
run pg-verify -q -t fz --key=id fz.ndjson
check "floats: the same as loaded" "0" "$status"
sql "update fz set f = 0 where id = 1; update fz set g = 0 where id = 3"
run pg-verify -q -t fz --key=id fz.ndjson
check "floats: -0 made 0 is a change" '1|{"status":"changed","table":"public.fz","key":{"id":1},"columns":["f"]}
{"status":"changed","table":"public.fz","key":{"id":3},"columns":["g"]}' "$status|$(echo "$out" | grep '^{"status"')"

# ---- routed streams: a key per table
sql 'create table r1 (id int, v text); create table "R Two" (code text, v int)'
printf '%s\n' '{"$table":"r1","id":1,"v":"a"}' '{"$table":"R Two","code":"c1","v":1}' '{"$table":"r1","id":2,"v":"b"}' >r.ndjson
pg-copy-load -q r.ndjson
run pg-verify -q --key=id --key='R Two:code' r.ndjson
check "routed: both tables the same" "0|2" "$status|$(echo "$out" | grep -o '"missing":0,"extra":0,"changed":0' | wc -l)"
sql "update \"R Two\" set v = 5"
run pg-verify -q --key=id --key='R Two:code' r.ndjson
check "routed: a change in the second table" '1|{"status":"changed","table":"public.R Two","key":{"code":"c1"},"columns":["v"]}' "$status|$(echo "$out" | head -1)"

# a table whose key names several rows: status 2, the other table still
# reported, the summary still JSON
sql 'create table nu2 (id int, v text); insert into nu2 values (1, 0), (1, 1)'
printf '%s\n' '{"$table":"nu2","id":1,"v":"0"}' '{"$table":"r1","id":1,"v":"a"}' >nu2.ndjson
run pg-verify -q --key=id nu2.ndjson
check "a key naming several rows: 2, the rest reported" "2|1|nu2" \
	"$status|$(echo "$out" | tail -1 | /usr/bin/python3 -c 'import json, sys; print(len(json.loads(sys.stdin.read())["summary"]["tables"]))')|$(echo "$errout" | grep -o 'of public\.nu2' | cut -d. -f2)"

# ---- Chinook after the README pipeline: every table the same
db=$SHARED/testdata/sqlite/chinook.sqlite
sql 'create database chinook'
sqlite-dump-ndjson --ddl=pre "$db" | psql -X -q -v ON_ERROR_STOP=1 -d chinook
sqlite-dump-ndjson "$db" | pg-copy-load -q -d chinook
sqlite-dump-ndjson --ddl=post "$db" | psql -X -q -v ON_ERROR_STOP=1 -d chinook >/dev/null
keys=(--key=albumid --key=artist:artistid --key=customer:customerid --key=employee:employeeid
	--key=genre:genreid --key=invoice:invoiceid --key=invoiceline:invoicelineid
	--key=mediatype:mediatypeid --key=playlist:playlistid --key=playlisttrack:playlistid,trackid
	--key=track:trackid)
run bash -c "sqlite-dump-ndjson '$db' | pg-verify -d chinook ${keys[*]}"
check "chinook: 11 tables, all the same" "0|11" "$status|$(echo "$errout" | grep -c ': 0 missing, 0 extra, 0 changed, 0 duplicate, 0 invalid$')"

# ---- errors: exact stderr and status
check_run "no such table" 2 'pg-verify: table nope: relation "nope" does not exist
pg-verify: stopped: nothing verified' pg-verify -t nope --key=id k.ndjson
check_run "unknown key column" 2 'pg-verify: --key: public.k has no column nope
pg-verify: stopped: nothing verified' pg-verify -t k --key=nope k.ndjson
sql 'create table nu (id int, v int); insert into nu values (1, 1), (1, 2)'
printf '{"id":1,"v":1}\n' >nu.ndjson
check_run "key not unique in the table" 2 'pg-verify: --key: ("id") names more than one row of public.nu' \
	pg-verify -q -t nu --key=id nu.ndjson
printf '{"id":1,"v":1}\n{"v":2}\n{"id":null}\nnot json\n' >bad.ndjson
sql 'create table ok (id int primary key, v int); insert into ok values (1, 1)'
check_run "key absent, null; invalid JSON: differences by line" 1 "pg-verify: bad.ndjson:2: invalid: key column id is absent
pg-verify: bad.ndjson:3: invalid: key column id is null
pg-verify: bad.ndjson:4: invalid: invalid JSON: invalid literal at byte 1" \
	pg-verify -q -t ok --key=id bad.ndjson
check_run "no --key" 2 "$(pg-verify 2>&1)" pg-verify -t ok
check_run "bad --mode" 2 "pg-verify: --mode: digest, full or count, not fast
$(pg-verify 2>&1)" pg-verify -t ok --key=id --mode=fast
finish
