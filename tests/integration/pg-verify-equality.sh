# What "equal" means to pg-verify, type by type: the same value as stored
# (PostgreSQL's record image equality, *=), but numeric by value and
# char(n) without its trailing blanks, as pg-verify(1) says.  Random rows
# are loaded, then the table is rewritten with some cells replaced by
# another spelling of the same type (-0 for 0, '30 days' for '1 mon', 'ABC'
# for 'abc' in citext and a nondeterministic ICU collation, json spacing,
# 1.00 for 1.0); which cells count as changed is asked of PostgreSQL for
# each pair of literals, and digest and full must list exactly those,
# under several TimeZones and client encodings, in a UTF8 and a LATIN1
# database.  Keys too: -0 is not 0, 'ABC' is not 'abc'.  SEEDS=N (6).
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
sql "create database l1 encoding 'LATIN1' template template0 lc_collate 'C' lc_ctype 'C'"
for db in postgres l1; do
	psql -X -q -v ON_ERROR_STOP=1 -d $db -c "create collation ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
		create extension citext; create type cj as (a int, j json);
		create table eq (id int primary key, tci text collate ci, c citext, t text, f8 float8, f4 real,
			fa float8[], iv interval, n numeric, na numeric[], j json, jb jsonb, ja json[], jp jsonpath,
			cc cj, b char(4), tz timestamptz, ts timestamp(3))"
done

for seed in $(seq 1 "${SEEDS:-6}"); do
	for db in postgres l1; do
		psql -X -q -d $db -c 'truncate eq'
		# the records (src.ndjson), the table as changed (by psycopg2), and
		# what PostgreSQL says changed (expected.txt)
		/usr/bin/python3 - "$seed" "$db" <<'PY'
import json, random, sys, psycopg2
seed, db = int(sys.argv[1]), sys.argv[2]
r = random.Random(seed * 7 + (db == "l1"))
pools = {
 "tci": ("text collate ci", ["abc", "ABC", "Abc", "abc ", "straße", "STRASSE", ""]),
 "c": ("citext", ["abc", "ABC", "Abc", "abc ", ""]),
 "t": ("text", ["abc", "ABC", "abc ", "é", ""]),
 "f8": ("float8", ["0", "-0", "1", "1.0", "NaN", "Infinity", "1e-320", "0.1"]),
 "f4": ("real", ["0", "-0", "1", "NaN", "0.1"]),
 "fa": ("float8[]", ["{0,1}", "{-0,1}", "{1,0}", "{NaN}", "{}"]),
 "iv": ("interval", ["1 mon", "30 days", "1 day", "24:00:00", "1 mon -30 days", "0", "00:00:00.000001"]),
 "n": ("numeric", ["1", "1.0", "1.00", "0", "-0", "1e2", "100", "0.10"]),
 "na": ("numeric[]", ["{1}", "{1.0}", "{1.00}", "{100}", "{1e2}"]),
 "j": ("json", ['{"a":1}', '{"a": 1}', '{"a":1.0}', '{"b":1,"a":2}', '{"a":2,"b":1}', '[1,2]', '[1, 2]']),
 "jb": ("jsonb", ['{"a":1}', '{"a": 1}', '{"a":1.0}', '{"b":1,"a":2}', '{"a":2,"b":1}', '[1,2]', '{"a":1.00}']),
 "ja": ("json[]", ['{"{\\"a\\":1}"}', '{"{\\"a\\": 1}"}', '{"[1]"}']),
 "jp": ("jsonpath", ["$.a", '$."a"', "$.b", "$ . a"]),
 "cc": ("cj", ['(1,"{""a"":1}")', '(1,"{""a"": 1}")', '(2,"{""a"":1}")', "(1,)"]),
 "b": ("char(4)", ["ab", "ab  ", "AB", "ab c"]),
 "tz": ("timestamptz", ["2024-01-01 00:00:00+00", "2024-01-01 02:00:00+02", "2024-01-01 00:00:00.000001+00", "2024-03-31 01:30:00+00"]),
 "ts": ("timestamp(3)", ["2024-01-01 00:00:00", "2024-01-01 00:00:00.001", "2024-01-01 00:00:00.000"]),
}
conn = psycopg2.connect(dbname=db)
conn.set_client_encoding("UTF8")
cur = conn.cursor()
def same(col, a, b):
    typ = pools[col][0]
    if col in ("n", "b"):  # by value, as pg-verify(1) says
        cur.execute("select %%s::%s IS NOT DISTINCT FROM %%s::%s" % (typ, typ), (a, b))
    else:
        cur.execute("select (ROW(%%s::%s)::record) *= (ROW(%%s::%s)::record)" % (typ, typ), (a, b))
    return cur.fetchone()[0]
cols = list(pools)
rows, table = [], []
for i in range(1, 61):
    src = {c: r.choice(pools[c][1]) if r.random() < 0.9 else None for c in cols}
    dst = dict(src)
    for c in r.sample(cols, r.randrange(0, 3)):
        dst[c] = r.choice(pools[c][1] + [None])
    rows.append((i, src))
    table.append((i, dst))
with open("src.ndjson", "w", encoding="utf-8") as f:
    for i, src in rows:
        parts = ['"id":%d' % i]
        for c in cols:
            v = src[c]
            if v is None:
                parts.append('"%s":null' % c)
            elif c in ("j", "jb"):
                parts.append('"%s":%s' % (c, v))  # the JSON as written
            else:
                parts.append('"%s":%s' % (c, json.dumps(v, ensure_ascii=False)))
        print("{" + ",".join(parts) + "}", file=f)
cur.execute("truncate eq")
ph = ", ".join("%%s::%s" % pools[c][0] for c in cols)
for i, dst in table:
    cur.execute("insert into eq values (%%s, %s)" % ph, [i] + [dst[c] for c in cols])
out = []
for (i, src), (_, dst) in zip(rows, table):
    changed = [c for c in cols if not same(c, src[c], dst[c])]
    if changed:
        out.append({"status": "changed", "table": "public.eq", "key": {"id": i}, "columns": changed})
conn.commit()
with open("expected.txt", "w") as f:
    for o in out:
        print(json.dumps(o, separators=(",", ":")), file=f)
PY
		check "seed $seed, $db: made" "0" "$?"
		for tz in UTC America/St_Johns Asia/Kolkata; do
			for enc in UTF8 LATIN1; do
				for mode in digest full; do
					run env PGTZ=$tz PGCLIENTENCODING=$enc pg-verify -q -d $db -t eq --key=id --mode=$mode src.ndjson
					want=$(cat expected.txt)
					check "seed $seed, $db, $tz, $enc, $mode: changed exactly as PostgreSQL says" \
						"$([ -n "$want" ] && echo 1 || echo 0)|$want" "$status|$(echo "$out" | grep '^{"status"')"
				done
			done
		done
	done
done

# ---- keys: the same value as stored, or not the same row
sql "create table kf (k float8 primary key, v text); insert into kf values (0, 'a'), (1, 'b');
	create table kc (k text collate ci primary key, v text); insert into kc values ('abc', 'a');
	create table kci (k citext primary key, v text); insert into kci values ('abc', 'a');
	create table kn (k numeric primary key, v text); insert into kn values (1.00, 'a')"
printf '{"k":"-0","v":"a"}\n{"k":1,"v":"b"}\n' >kf.ndjson
printf '{"k":"ABC","v":"a"}\n' >kc.ndjson
printf '{"k":1.0,"v":"a"}\n' >kn.ndjson
for mode in digest full; do
	run pg-verify -q -t kf --key=k --mode=$mode kf.ndjson
	check "$mode: a float key -0 is not 0" '1|{"status":"missing","table":"public.kf","key":{"k":-0}}
{"status":"extra","table":"public.kf","key":{"k":0}}' "$status|$(echo "$out" | grep '^{"status"')"
	for t in kc kci; do
		run pg-verify -q -t $t --key=k --mode=$mode kc.ndjson
		check "$mode, $t: a key 'ABC' is not 'abc'" "1|{\"status\":\"missing\",\"table\":\"public.$t\",\"key\":{\"k\":\"ABC\"}}
{\"status\":\"extra\",\"table\":\"public.$t\",\"key\":{\"k\":\"abc\"}}" "$status|$(echo "$out" | grep '^{"status"')"
	done
	run pg-verify -q -t kn --key=k --mode=$mode kn.ndjson
	check "$mode: a numeric key by value: 1.0 is 1.00" "0" "$status"
done
# ---- keys apart by image are apart everywhere: in the table's key check
# and among the stream's duplicates (review finding: 0 and -0, 'abc' and
# 'ABC' were "one key, several rows", and full listed a duplicate the
# digest did not)
sql "create table kf2 (k float8, v text); insert into kf2 values (0, 'a'), ('-0', 'b');
	create table kc2 (k text collate ci, v text); insert into kc2 values ('abc', 'a'), ('ABC', 'b')"
printf '{"k":0,"v":"a"}\n{"k":"-0","v":"b"}\n' >kf2.ndjson
printf '{"k":"abc","v":"a"}\n{"k":"ABC","v":"b"}\n' >kc2.ndjson
for mode in digest full; do
	run pg-verify -q -t kf2 --key=k --mode=$mode kf2.ndjson
	check "$mode: a table without a key holding 0 and -0, as the stream: the same" "0" "$status"
	run pg-verify -q -t kc2 --key=k --mode=$mode kc2.ndjson
	check "$mode: 'abc' and 'ABC' under a nondeterministic collation, as the stream: the same" "0" "$status"
	run pg-verify -q -t kf --key=k --mode=$mode kf2.ndjson
	check "$mode: stream keys 0 and -0 against a table of 0: -0 missing, no duplicate" \
		'1|{"status":"missing","table":"public.kf","key":{"k":-0}}
{"status":"extra","table":"public.kf","key":{"k":1}}' "$status|$(echo "$out" | grep '^{"status"')"
done
# ---- second review's findings
# NaN and -NaN are two stored values: apart as keys everywhere
sql "create table kn2 (id float8, v int); insert into kn2 values ('nan', 1), ('-nan', 2);
	create table kn3 (id float8 primary key, v int); insert into kn3 values ('nan', 1)"
check "PostgreSQL stores NaN and -NaN apart" "f" "$(sql "select record_image_eq(row('nan'::float8), row('-nan'::float8))")"
printf '{"id":"NaN","v":1}\n{"id":"-NaN","v":2}\n' >nan.ndjson
for mode in digest full; do
	run pg-verify -q -t kn2 --key=id --mode=$mode nan.ndjson
	check "$mode: a table of NaN and -NaN as the stream: the same" "0" "$status"
	run pg-verify -q -t kn3 --key=id --mode=$mode nan.ndjson
	check "$mode: NaN and -NaN against NaN: -NaN missing, no duplicate" \
		'1|{"status":"missing","table":"public.kn3","key":{"id":"NaN"}}' "$status|$(echo "$out" | grep '^{"status"')"
done
# a domain of a domain of numeric is numeric: by value
sql "create domain dn as numeric; create domain dnn as dn;
	create table dd1 (id int primary key, v dnn); insert into dd1 values (1, 1.00);
	create table dd2 (k dnn primary key, v int); insert into dd2 values (1.00, 1);
	create table dd3 (k dnn, v int); insert into dd3 values (1.0, 1), (1.00, 2)"
printf '{"id":1,"v":1.0}\n' >dd1.ndjson
printf '{"k":1.0,"v":1}\n' >dd2.ndjson
printf '{"k":1.0,"v":1}\n' >dd3.ndjson
for mode in digest full; do
	run pg-verify -q -t dd1 --key=id --mode=$mode dd1.ndjson
	check "$mode: a value of a domain of a domain of numeric: by value" "0" "$status"
	run pg-verify -q -t dd2 --key=k --mode=$mode dd2.ndjson
	check "$mode: a key of a domain of a domain of numeric: by value" "0" "$status"
	check_run "$mode: 1.0 and 1.00 in such a key column are one key" 2 \
		'pg-verify: --key: ("k") names more than one row of public.dd3' pg-verify -q -t dd3 --key=k --mode=$mode dd3.ndjson
done
# the database's output settings are the ones --where and defaults see, in
# both modes, as the load saw them (pg-verify once set its own)
sql "create database st"
sql "alter database st set extra_float_digits = 0; alter database st set bytea_output = 'escape'"
psql -X -q -v ON_ERROR_STOP=1 -d st -c "create table prices (id int primary key, price float8, b bytea);
	insert into prices values (1, 0.1::float8 + 0.2::float8, '\\x41'), (2, 0.5, '\\x42');
	create table dfl (id int primary key, label text default ((0.1::float8 + 0.2::float8)::text),
		tag text default ('\\x41'::bytea::text))"
printf '{"id":1,"price":0.30000000000000004,"b":{"$binary":{"base64":"QQ==","subType":"00"}}}\n' >prices.ndjson
printf '{"id":1}\n{"id":2,"label":"x","tag":"y"}\n' >dfl.ndjson
pg-copy-load -q -d st -t dfl dfl.ndjson
check "the load stored the defaults as the database's settings have them" "0.3|A" "$(psql -X -A -t -d st -c 'select label, tag from dfl where id = 1')"
for mode in digest full; do
	for where in "price::text = '0.3'" "b::text = 'A'"; do
		run pg-verify -q -d st -t prices --key=id --mode=$mode --where="$where" prices.ndjson
		check "$mode, --where \"$where\" under the database's settings: the same" "0" "$status"
	done
	run pg-verify -q -d st -t dfl --key=id --mode=$mode dfl.ndjson
	check "$mode: defaults that depend on output settings, as loaded: the same" "0" "$status"
done
psql -X -q -d st -c "update dfl set label = '0.30000000000000004', tag = '\\x41' where id = 1"
for mode in digest full; do
	run pg-verify -q -d st -t dfl --key=id --mode=$mode dfl.ndjson
	check "$mode: the other spelling is a change" \
		'1|{"status":"changed","table":"public.dfl","key":{"id":1},"columns":["label","tag"]}' "$status|$(echo "$out" | grep '^{"status"')"
done
finish
