# pg-copy-load --create: a missing table made from its first records, with
# the column types the man page's rules give; from a DDL file; routed.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3

cat >in.ndjson <<'NDJSON'
{"id":1,"Name":"a","score":1.5,"big":12345678901234567890,"f":1e3,"ok":true,"at":"2024-05-01T12:00:00Z","local":"2024-05-01 12:00:00","d":"2024-05-01","tags":["x"],"blob":{"$binary":{"base64":"AP8=","subType":"00"}},"mixed":1,"n":null,"num":2}
{"id":2,"Name":"b","score":2,"big":1,"f":2.5e-3,"ok":false,"at":"2024-05-01T12:00:00+02:00","local":"2024-05-01T13:00:00","d":"2024-05-02","tags":{"a":1},"blob":null,"mixed":"two","n":null,"num":2.5e1}
NDJSON
sql 'create schema "Sch"'
run pg-copy-load --create -t '"Sch"."New Table"' in.ndjson
check "create: status" "0" "$status"
check "create: says what it made" "pg-copy-load: created: CREATE TABLE \"Sch\".\"New Table\" (\"id\" bigint, \"name\" text, \"score\" numeric, \"big\" numeric, \"f\" double precision, \"ok\" boolean, \"at\" timestamptz, \"local\" timestamp, \"d\" date, \"tags\" jsonb, \"blob\" bytea, \"mixed\" jsonb, \"n\" text, \"num\" numeric)" \
	"$(echo "$errout" | grep created)"
check "create: the rows, unchanged" "1|a|1.5|12345678901234567890|1000|t|2024-05-01 12:00:00+00|2024-05-01 12:00:00|2024-05-01|[\"x\"]|\\x00ff|1||2
2|b|2|1|0.0025|f|2024-05-01 10:00:00+00|2024-05-01 13:00:00|2024-05-02|{\"a\": 1}||\"two\"||2.5e1" \
	"$(PGTZ=UTC sql 'select id, name, score, big, f, ok, at, local, d, tags, "blob", mixed, n, num from "Sch"."New Table" order by id' | sed 's/|2.5e1$/|25/; s/|25$/|2.5e1/')"
run pg-copy-load --create -t '"Sch"."New Table"' in.ndjson
check "create: an existing table is used as it is" "0|4" "$status|$(sql 'select count(*) from "Sch"."New Table"')"

# a number with an exponent is a double only when a double holds it as written
printf '%s\n' '{"a":123456789012345678901234567890e0,"b":1.5e3,"c":1e400,"d":0.1e0,"e":1e-400,"f":-0e0,"g":9007199254740993e0}' >e.ndjson
run pg-copy-load -q --create -t expo e.ndjson
check "create: exponents a double would change are numeric" "0|numeric,double precision,numeric,double precision,numeric,double precision,numeric" \
	"$status|$(sql "select string_agg(format_type(atttypid, atttypmod), ',' order by attnum) from pg_attribute where attrelid = 'expo'::regclass and attnum > 0")"
check "create: and their values are the ones written" "123456789012345678901234567890|1500|t|0.1|t|-0|9007199254740993" \
	"$(sql "select a, b, c = 1e400, d, e = 1e-400, f, g from expo")"

# --keep-case, --unlogged, --freeze in one transaction, --infer-rows
printf '{"MixedKey":1}\n{"MixedKey":2,"Late":"x"}\n' >k.ndjson
run pg-copy-load -q --create --keep-case --infer-rows=1 --unlogged --freeze -t kc --ignore-unknown k.ndjson
check "keep-case, unlogged, freeze; a key after --infer-rows is unknown" "0|MixedKey|u|2" \
	"$status|$(sql "select attname from pg_attribute where attrelid = 'kc'::regclass and attnum > 0")|$(sql "select relpersistence from pg_class where relname = 'kc'")|$(sql 'select count(*) from kc')"

# routed: each missing table made from its own records
printf '{"$table":"Fresh","x":1}\n{"$table":"Fresh","x":2}\n{"$table":"other","y":"a"}\n{"$table":"fresh","x":3}\n' >r.ndjson
run pg-copy-load -q --create r.ndjson
check "routed create" "0|3|a" "$status|$(sql 'select count(*) from fresh')|$(sql 'select y from other')"

# from a DDL file
printf 'create table fromfile (id int primary key, v text not null);\n' >ddl.sql
printf '{"id":1,"v":"a"}\n{"id":2,"v":null}\n' >f.ndjson
run pg-copy-load -q --create=ddl.sql --max-rejects=1 -t fromfile f.ndjson
check "from a DDL file: its constraints apply" "1|1" "$status|$(sql 'select count(*) from fromfile')"

# a failed create rolls back: nothing made, nothing loaded
run pg-copy-load -q --create -t 'nosuchschema.t' in.ndjson
check "create fails: status and message" "3|pg-copy-load: schema \"nosuchschema\" does not exist
pg-copy-load: --create: cannot make table nosuchschema.t" "$status|$errout"

# --create=FILE whose CREATE INDEX names a relation that exists: its message
sql 'create table other_t (i int); create index idx_taken on other_t (i)'
printf 'create table withidx (id int);\ncreate index idx_taken on withidx (id);\n' >idx.sql
run pg-copy-load -q --create=idx.sql -t withidx f.ndjson
check "a DDL file's other relation already there: its message, nothing made" \
	"3|pg-copy-load: relation \"idx_taken\" already exists
pg-copy-load: --create: cannot make table withidx|" \
	"$status|$errout|$(sql "select to_regclass('withidx')")"

# loads side by side (make -j, a part each), every one --create and --resume
# with no table and no ledger yet: one makes each, the others wait and use it
printf 'create table side (id bigint primary key, v text);\n' >side.sql
for round in 1 2 3; do
	for mode in "" --batch-commit --jobs=2 --create=side.sql routed; do
		sql 'drop table if exists side, ndjson_migrate_ledger'
		for i in 1 2 3 4; do
			{
				seq $((i * 1000)) $((i * 1000 + 999)) |
					if [ "$mode" = routed ]; then
						sed 's/.*/{"$table":"side","id":&,"v":"x&"}/'
					else
						sed 's/.*/{"id":&,"v":"x&"}/'
					fi |
					if [ "$mode" = routed ]; then
						pg-copy-load -q --create --resume="side-$i"
					else
						pg-copy-load -q --create ${mode:+"$mode"} -t side --resume="side-$i"
					fi
				echo "$?" >"side.$i"
			} 2>"side.err.$i" &
		done
		wait
		check "side by side ($round, ${mode:-one transaction}): all exit 0, every row once, a ledger entry each" \
			"0 0 0 0||4000|4000|4" \
			"$(cat side.1 side.2 side.3 side.4 | tr '\n' ' ' | sed 's/ $//')|$(grep -v 'made meanwhile' side.err.*)|$(sql 'select count(*), count(distinct id) from side')|$(sql 'select count(distinct id) from ndjson_migrate_ledger')"
	done
done
finish
