# pg-verify against real PostgreSQL: identical data says 0 under several
# TimeZones (no false positives over the type matrix); one random change
# to one column of one row is always found (no false negatives); each kind
# of difference by key and status; composite and text keys; routed
# streams; --where windows; Chinook after the README pipeline; the errors;
# each in --mode=digest and --mode=full.  The digest's own proof: over a
# table of every type it has a form for, identical data leaves no bucket
# to compare (each value hashed here exactly as the server hashes it).
# SEEDS=N (default 6) for a longer campaign.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
# the summary without the mode's own fields
plain() {
	sed -E 's/,"mode":"[a-z]+"(,"buckets":[0-9]+,"buckets_compared":[0-9]+)?\}/}/g'
}
# a table's buckets compared, from the summary
compared() {
	tail -1 | sed -n 's/.*"buckets_compared":\([0-9]*\).*/\1/p'
}
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3

# ---- the type matrix: random records, loaded, then verified and mutated
cols="id bigint primary key, i2 int2, i4 int, f4 real, f8 float8, n numeric, n2 numeric(12,2),
	b boolean, t text, vc varchar(20), by bytea, j json, jb jsonb, d date, ts timestamp,
	tz timestamptz, u uuid, ai int[], at text[], dflt text default 'd'"
sql "create table m ($cols)"
# every type the digest hashes itself (arrays are staged whole)
sql "create table md (id bigint primary key, i2 int2, i4 int, f4 real, f8 float8, n numeric,
	n2 numeric(12,2), b boolean, t text, vc varchar(20), ch char(12), by bytea, j json, jb jsonb,
	d date, ts timestamp, tz timestamptz, u uuid)"
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
    if k == 2: return r.choice([0, -1, 1.5, 10**20, 2**63, "1e2", 1.0, -0.0, 1e-07, 2.5e+300])
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
gens["ch"] = lambda: r.choice(["ab", "abc  ", "", "a b", "Zoë", " "])
md = open("md.ndjson", "w")
for i in range(1, 301):
    rec = {"id": i}
    full = {"id": i}
    for c, g in gens.items():
        v = g() if r.random() < 0.9 else None
        full[c] = v
        if r.random() < 0.8 and c != "ch":
            rec[c] = v
    print(json.dumps(rec, ensure_ascii=False))
    for c in ("ai", "at"):
        del full[c]
    print(json.dumps(full, ensure_ascii=False), file=md)
PY
	sql 'truncate md'
	run pg-copy-load -q -t m m.ndjson
	check "seed $seed: loaded" "0" "$status"
	run pg-copy-load -q -t md md.ndjson
	check "seed $seed: loaded (md)" "0" "$status"
	for tz in UTC Asia/Kolkata America/St_Johns; do
		for mode in digest full; do
			run env PGTZ=$tz pg-verify -q -t m --key=id --mode=$mode m.ndjson
			check "seed $seed, TimeZone $tz, $mode: the same" "0|$(printf '{"summary":{"tables":[{"table":"public.m","source_rows":300,"target_rows":300,"missing":0,"extra":0,"changed":0,"duplicate":0,"invalid":0}],"invalid":0,"status":0}}')" "$status|$(echo "$out" | plain)"
		done
		# every value's form is the server's: no bucket is compared
		run env PGTZ=$tz pg-verify -q -t md --key=id md.ndjson
		check "seed $seed, TimeZone $tz: digest, the same, no bucket compared" "0|0" "$status|$(echo "$out" | compared)"
	done
	# one change to one column of one row: always found, by key and column
	col=$(/usr/bin/python3 -c "import random; print(random.Random($seed).choice(['i2','i4','f4','f8','n','n2','b','t','vc','by','j','jb','d','ts','tz','u','ai','at','dflt']))")
	id=$(( (seed * 37) % 300 + 1 ))
	case $col in
	i2|i4|f4|f8|n|n2) change="$col = case when $col = 7 then 8 else 7 end" ;;
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
	want="{\"status\":\"changed\",\"table\":\"public.m\",\"key\":{\"id\":$id},\"columns\":[\"$col\"]}"
	for mode in digest full; do
		run pg-verify -q -t m --key=id --mode=$mode m.ndjson
		# dflt is in no record: compared only when named
		[ $col = dflt ] && run pg-verify -q -t m --key=id --mode=$mode --columns=dflt,t m.ndjson
		check "seed $seed, $mode: $col of row $id changed: found" "1|$want" "$status|$(echo "$out" | head -1)"
	done
	case $col in ai|at|dflt) col=ch; change="ch = coalesce(ch, '') || 'x'" ;; esac
	sql "update md set $change where id = $id"
	run pg-verify -q -t md --key=id md.ndjson
	check "seed $seed, digest: $col of row $id changed: found, one bucket compared" \
		"1|{\"status\":\"changed\",\"table\":\"public.md\",\"key\":{\"id\":$id},\"columns\":[\"$col\"]}|1" \
		"$status|$(echo "$out" | head -1)|$(echo "$out" | compared)"
done

# ---- each kind of difference, composite and text keys, --limit, --where
sql "create table k (a text, b int, v text, primary key (a, b))"
printf '%s\n' '{"a":"x","b":1,"v":"one"}' '{"a":"x","b":2,"v":"two"}' '{"a":"y","b":1,"v":"three"}' >k.ndjson
pg-copy-load -q -t k k.ndjson
sql "update k set v = 'TWO' where b = 2; delete from k where a = 'y'; insert into k values ('z', 9, 'extra')"
printf '{"a":"x","b":1,"v":"one"}\n' >>k.ndjson
for mode in digest full; do
run pg-verify -t k --key=a,b --mode=$mode k.ndjson
check "$mode, kinds: status" "1" "$status"
check "$mode, kinds: each by key and status, in order" '{"status":"duplicate","table":"public.k","key":{"a":"x","b":1},"count":2}
{"status":"missing","table":"public.k","key":{"a":"y","b":1}}
{"status":"extra","table":"public.k","key":{"a":"z","b":9}}
{"status":"changed","table":"public.k","key":{"a":"x","b":2},"columns":["v"]}
{"summary":{"tables":[{"table":"public.k","source_rows":4,"target_rows":3,"missing":1,"extra":1,"changed":1,"duplicate":1,"invalid":0}],"invalid":0,"status":1}}' "$(echo "$out" | plain)"
check "$mode, kinds: the line on stderr" "pg-verify: public.k: 4 source rows, 3 table rows: 1 missing, 1 extra, 1 changed, 1 duplicate, 0 invalid" "$errout"
run pg-verify -q -t k --key=a,b --mode=$mode --limit=1 --report=r.ndjson k.ndjson
check "$mode, --limit: one listed, counts whole; --report" "1||2" "$status|$out|$(wc -l <r.ndjson)"
run pg-verify -q -t k --key=a,b --mode=$mode --where="a = 'x'" k.ndjson
check "$mode, --where: the table's rows in the window only (z,9 is not extra)" '1|{"status":"duplicate","table":"public.k","key":{"a":"x","b":1},"count":2}
{"status":"missing","table":"public.k","key":{"a":"y","b":1}}
{"status":"changed","table":"public.k","key":{"a":"x","b":2},"columns":["v"]}
2' "$status|$(echo "$out" | grep '^{"status"')
$(echo "$out" | tail -1 | sed 's/.*"target_rows":\([0-9]*\).*/\1/')"
run pg-verify -q -t k --key=a,b --mode=$mode --ignore=v k.ndjson
check "$mode, --ignore: v not compared" "0" "$(echo "$out" | grep -c '"status":"changed"')"
done
run pg-verify -q -t k --key=a,b --mode=count k.ndjson
check "count mode: 4 records, 3 rows" "1|{\"summary\":{\"tables\":[{\"table\":\"public.k\",\"source_rows\":4,\"target_rows\":3,\"missing\":0,\"extra\":0,\"changed\":0,\"duplicate\":0,\"invalid\":0,\"mode\":\"count\"}],\"invalid\":0,\"status\":1}}" "$status|$out"

# ---- floats: -0 is not 0 (PostgreSQL's = says it is), NaN is NaN
sql 'create table fz (id int primary key, f float8, g real)'
printf '%s\n' '{"id":1,"f":-0.0,"g":0}' '{"id":2,"f":"NaN","g":"NaN"}' '{"id":3,"f":0,"g":-0.0}' >fz.ndjson
pg-copy-load -q -t fz fz.ndjson
for mode in digest full; do
	run pg-verify -q -t fz --key=id --mode=$mode fz.ndjson
	check "$mode, floats: the same as loaded" "0" "$status"
done
sql "update fz set f = 0 where id = 1; update fz set g = 0 where id = 3"
for mode in digest full; do
	run pg-verify -q -t fz --key=id --mode=$mode fz.ndjson
	check "$mode, floats: -0 made 0 is a change" '1|{"status":"changed","table":"public.fz","key":{"id":1},"columns":["f"]}
{"status":"changed","table":"public.fz","key":{"id":3},"columns":["g"]}' "$status|$(echo "$out" | grep '^{"status"')"
done

# ---- routed streams: a key per table
sql 'create table r1 (id int, v text); create table "R Two" (code text, v int)'
printf '%s\n' '{"$table":"r1","id":1,"v":"a"}' '{"$table":"R Two","code":"c1","v":1}' '{"$table":"r1","id":2,"v":"b"}' >r.ndjson
pg-copy-load -q r.ndjson
for mode in digest full; do
	run pg-verify -q --key=id --key='R Two:code' --mode=$mode r.ndjson
	check "$mode, routed: both tables the same" "0|2" "$status|$(echo "$out" | grep -o '"missing":0,"extra":0,"changed":0' | wc -l)"
done
sql "update \"R Two\" set v = 5"
for mode in digest full; do
	run pg-verify -q --key=id --key='R Two:code' --mode=$mode r.ndjson
	check "$mode, routed: a change in the second table" '1|{"status":"changed","table":"public.R Two","key":{"code":"c1"},"columns":["v"]}' "$status|$(echo "$out" | head -1)"
done

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
# shellcheck disable=SC2054 # commas inside one --key value
keys=(--key=albumid --key=artist:artistid --key=customer:customerid --key=employee:employeeid
	--key=genre:genreid --key=invoice:invoiceid --key=invoiceline:invoicelineid
	--key=mediatype:mediatypeid --key=playlist:playlistid --key=playlisttrack:playlistid,trackid
	--key=track:trackid)
for mode in digest full; do
	run bash -c "sqlite-dump-ndjson '$db' | pg-verify -d chinook --mode=$mode ${keys[*]}"
	check "$mode, chinook: 11 tables, all the same" "0|11" "$status|$(echo "$errout" | grep -c ': 0 missing, 0 extra, 0 changed, 0 duplicate, 0 invalid$')"
	[ $mode = digest ] && chinook=$out
done
check "digest, chinook: no bucket compared" "0" "$(echo "$chinook" | tail -1 | grep -o '"buckets_compared":[0-9]*' | sort -u | tr '\n' ' ' | sed 's/"buckets_compared"://; s/ $//')"

# ---- the digest's fallbacks: each still exact
sql 'create table dg (id int primary key, a text, b int default 7, c int[])'
printf '%s\n' '{"id":1,"a":"x"}' '{"id":2,"a":"y","b":2}' '{"id":"3","a":"z"}' '{"id":4,"a":"w","b":null}' >dg.ndjson
pg-copy-load -q -t dg dg.ndjson
run pg-verify -q -t dg --key=id dg.ndjson
check "digest: records of other shapes, a key as a string: the same" "0" "$status"
sql "update dg set b = 8 where id = 1"
run pg-verify -q -t dg --key=id dg.ndjson
check "digest: a default changed, in a record without the column: found" \
	'1|{"status":"changed","table":"public.dg","key":{"id":1},"columns":["b"]}' "$status|$(echo "$out" | head -1)"
printf '{"id":1,"a":"x","b":8}\n{"id":2,"a":"y","b":2}\n' >dg2.ndjson
run pg-verify -q -t dg --key=id --where='id <= 2' dg2.ndjson
check "digest: a window, no bucket compared" "0|0" "$status|$(echo "$out" | compared)"
run pg-verify -q -t dg --key=id --where='id <= 3' dg2.ndjson
check "digest: a window with a row more: extra, one bucket compared" \
	'1|{"status":"extra","table":"public.dg","key":{"id":3}}|1' "$status|$(echo "$out" | head -1)|$(echo "$out" | compared)"
run pg-verify -q -t dg --key=id --where='false' /dev/null
check "digest: nothing read, nothing in the window" "0" "$status"
run pg-verify -q -t dg --key=id --where='id = 4' /dev/null
check "digest: nothing read: the window's rows are extra" '1|{"status":"extra","table":"public.dg","key":{"id":4}}' "$status|$(echo "$out" | head -1)"
printf '{"id":1,"a":"x","b":8,"c":[1,2]}\n' >dg3.ndjson
sql "update dg set c = '{1,2}' where id = 1"
run pg-verify -q -t dg --key=id --where='id = 1' dg3.ndjson
check "digest: an array column: the table staged whole" '0|"mode":"full"' "$status|$(echo "$out" | grep -o '"mode":"[a-z]*"')"
sql 'create table dv (id int primary key, v varchar(3))'
printf '{"id":1,"v":"abc"}\n{"id":2,"v":"toolong"}\n' >dv.ndjson
pg-copy-load -q -t dv --max-rejects=1 dv.ndjson 2>/dev/null
for mode in digest full; do
	run pg-verify -t dv --key=id --mode=$mode dv.ndjson
	check "$mode: a value the table cannot hold: invalid, by line" '1|pg-verify: dv.ndjson:2: invalid: column v: value too long for type character varying(3)
pg-verify: public.dv: 1 source rows, 1 table rows: 0 missing, 0 extra, 0 changed, 0 duplicate, 1 invalid' "$status|$errout"
done

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
for mode in digest full; do
	check_run "$mode: a --where the server refuses: usage, named" 2 'pg-verify: public.ok: --where: column "nosuch" does not exist
pg-verify: stopped: nothing verified' pg-verify -t ok --key=id --mode=$mode --where='nosuch > 1' nu.ndjson
done
check_run "no --key" 2 "$(pg-verify 2>&1)" pg-verify -t ok
check_run "bad --mode" 2 "pg-verify: --mode: digest, full or count, not fast
$(pg-verify 2>&1)" pg-verify -t ok --key=id --mode=fast
# ---- a routed stream's bad lines: each its own message, in both tools
# (the first line not an object crashed both; truncated JSON was "no $table")
printf '%s\n' '[1]' '"x"' '12' 'null' 'true' '{"id":1' '{"$table":"nosuch","id":' '{"$table":1}' \
	'{"$table":"ok","$table":"ok","id":1}' '{"$table":"ok","id":2,"v":1}' >routed-bad.ndjson
bad='routed-bad.ndjson:1: invalid: not a JSON object (found array)
routed-bad.ndjson:2: invalid: not a JSON object (found string)
routed-bad.ndjson:3: invalid: not a JSON object (found number)
routed-bad.ndjson:4: invalid: not a JSON object (found null)
routed-bad.ndjson:5: invalid: not a JSON object (found boolean)
routed-bad.ndjson:6: invalid: invalid JSON: unexpected end of input in object at byte 8
routed-bad.ndjson:7: invalid: invalid JSON: unexpected end of input, expected a value at byte 25
routed-bad.ndjson:8: invalid: $table is not a string
routed-bad.ndjson:9: invalid: duplicate key "$table"'
for mode in digest full count; do
	check_run "$mode: a routed stream's bad lines, each named" 1 "$(echo "$bad" | sed 's/^/pg-verify: /')" \
		pg-verify -q --key=id --mode=$mode routed-bad.ndjson
done
check_run "pg-copy-load: a routed stream's bad lines, each named" 1 \
	"$(echo "$bad" | sed 's/^/pg-copy-load: /; s/: invalid: /: rejected: /')" \
	pg-copy-load -q --dry-run --max-rejects=100 routed-bad.ndjson
# ---- a LATIN1 database, PGCLIENTENCODING=LATIN1: both tools speak UTF-8
# to the server whatever the environment says (the environment's LATIN1
# made "Zoë" load as "ZoÃ«", and that mojibake verify as equal)
sql "create database l1 encoding 'LATIN1' template template0 lc_collate 'C' lc_ctype 'C'"
psql -X -q -d l1 -c 'create table t (id int primary key, s text)'
printf '{"id":1,"s":"Zoë"}\n{"id":2,"s":"x ✓"}\n' >l1.ndjson
run env PGCLIENTENCODING=LATIN1 pg-copy-load -q -d l1 -t t --max-rejects=1 l1.ndjson
check "LATIN1: a character it lacks rejected, by line; the rest loaded" "1|pg-copy-load: l1.ndjson:2: rejected: column s: character with byte sequence 0xe2 0x9c 0x93 in encoding \"UTF8\" has no equivalent in encoding \"LATIN1\"" "$status|$errout"
check "LATIN1: Zoë stored as the server reads those UTF-8 bytes" "t" \
	"$(psql -X -A -t -d l1 -c "select s = convert_from('\\x5a6fc3ab', 'UTF8') from t where id = 1")"
printf '{"id":1,"s":"Zoë"}\n' >l1ok.ndjson
for mode in digest full; do
	run env PGCLIENTENCODING=LATIN1 pg-verify -q -d l1 -t t --key=id --mode=$mode l1ok.ndjson
	check "LATIN1, $mode: the same" "0" "$status"
done
# the mojibake an environment's LATIN1 made: "Zoë"'s UTF-8 bytes read as LATIN1
PGCLIENTENCODING=LATIN1 psql -X -q -d l1 -c "update t set s = convert_from('\\x5a6fc3ab', 'LATIN1')"
for mode in digest full; do
	run env PGCLIENTENCODING=LATIN1 pg-verify -q -d l1 -t t --key=id --mode=$mode l1ok.ndjson
	check "LATIN1, $mode: mojibake is a change" '1|{"status":"changed","table":"public.t","key":{"id":1},"columns":["s"]}' "$status|$(echo "$out" | head -1)"
done
finish
