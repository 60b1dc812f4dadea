# pg-copy-load against a real PostgreSQL: every JSON type into every kind
# of column, key matching, table names, and every error with its exact
# message and exit status (nothing committed after one).
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"

sql "create table t (
	id bigint primary key, n numeric, d double precision, b boolean,
	s text, j jsonb, js json, by bytea, ia int[], ta text[],
	ts timestamptz, def text default 'dflt', v varchar(3))"
cat >"$w/types.ndjson" <<'NDJSON'
{"id":9223372036854775807,"n":123456789012345678901234567890.123456789,"d":0.30000000000000004,"b":true,"s":"tab\tnl\nback\\ quote\" é \u00e9 \ud83d\ude00","j":{"a":[1,2.50,{"b":null}],"big":12345678901234567890},"js":[1, 2],"by":{"$binary":{"base64":"AP8BAg==","subType":"00"}},"ia":[1,null,3],"ta":["a,b","c\"d","e\\f",null,"NULL"],"ts":"2024-05-01T12:00:00.250+02:00","v":"abc"}
{"id":-9223372036854775808,"n":-0.000000000000000000001,"d":"Infinity","b":false,"s":"","j":"just a string","js":null,"by":null,"ia":[],"ta":[],"ts":"2024-05-01T10:00:00Z","def":null}
{"id":2,"d":-1e-300,"b":null,"s":null,"j":null}
NDJSON
run pg-copy-load -t t "$w/types.ndjson"
check "types: status" "0" "$status"
check "types: summary" "pg-copy-load: public.t: 3 read, 3 loaded, 0 rejected" "$(echo "$errout" | sed 's/, [0-9.]* s, .*//')"
check "types: values" "$(cat <<'EXP'
-9223372036854775808|-0.000000000000000000001|Infinity|f||"just a string"|||{}|{}|2024-05-01 10:00:00+00||
2||-1e-300|||||||||dflt|
9223372036854775807|123456789012345678901234567890.123456789|0.30000000000000004|t|tab	nl
back\ quote" é é 😀|{"a": [1, 2.50, {"b": null}], "big": 12345678901234567890}|[1, 2]|\x00ff0102|{1,NULL,3}|{"a,b","c\"d","e\\f",NULL,"NULL"}|2024-05-01 10:00:00.25+00||abc
EXP
)" "$(PGTZ=UTC sql "select id, n, d, b, s, j, js, by, ia, ta, ts, case when id = 2 then def end, v from t order by id::text")"
check "types: NULL text[] element vs the string NULL" "t|f" "$(sql "select ta[4] is null, ta[5] is null from t where id = 9223372036854775807")"
check "types: null overrides a default, absent keeps it" "|t
2|f" "$(sql "select id = 2, def is null from t where id <> 9223372036854775807 order by id" | sed 's/^f|/|/; s/^t|/2|/')"
check "types: empty string is not NULL" "t" "$(sql "select s = '' from t where id = -9223372036854775808")"

# keys: exact first, then case-insensitive when one column matches
sql 'create table k ("ID" int, id int, "Name" text)'
run sh -c 'echo "{\"ID\":1,\"id\":2,\"name\":\"x\"}" | pg-copy-load -q -t k'
check "keys: exact and case-insensitive" "0|1|2|x" "$status|$(sql 'select "ID", id, "Name" from k')"
check_run "keys: ambiguous" 1 'pg-copy-load: <stdin>:1: key "Id" matches several columns case-insensitively
pg-copy-load: public.k: 1 read, 0 loaded, 1 rejected, rolled back' \
	sh -c 'echo "{\"Id\":1}" | pg-copy-load -t k 2>&1 >/dev/null | sed "s/, [0-9.]* s, [0-9]* rows\/s//" >&2; exit ${PIPESTATUS:-1}'
run sh -c 'echo "{\"Id\":1}" | pg-copy-load -q -t k'
check "keys: ambiguous status" "1" "$status"
run sh -c 'echo "{\"nope\":1,\"id\":7}" | pg-copy-load -q --ignore-unknown -t k'
check "keys: --ignore-unknown" "0|7" "$status|$(sql 'select id from k where id = 7')"

# table names follow psql's rules
sql 'create schema "Sch"; create table "Sch"."My ""Odd""; Table" ("Wéird col" text)'
run sh -c "echo '{\"wéird col\":\"ok\"}' | pg-copy-load -q -t '\"Sch\".\"My \"\"Odd\"\"; Table\"'"
check "table: quoted schema.table, odd names inject nothing" "0|ok" "$status|$(sql 'select "Wéird col" from "Sch"."My ""Odd""; Table"')"
check_run "table: unquoted folds" 2 'pg-copy-load: table Sch.x: schema "sch" does not exist' pg-copy-load -q -t Sch.x

# errors: exact message, status, nothing committed
sql 'create table e (id int primary key, name varchar(5) not null, p int references e (id))'
err_case() { # NAME STATUS MESSAGE INPUT
	printf '%b' "$4" >"$w/in.ndjson"
	check_run "$1" "$2" "$3" pg-copy-load -q -t e "$w/in.ndjson"
	check "$1: nothing committed" "0" "$(sql 'select count(*) from e')"
}
f=$w/in.ndjson
err_case "invalid JSON" 1 "pg-copy-load: $f:2: invalid JSON: expected ':' after object key at byte 7" \
	'{"id":1,"name":"a"}\n{"id" 2}\n'
err_case "not an object" 1 "pg-copy-load: $f:3: not a JSON object (found array)" \
	'{"id":1,"name":"a"}\n\n[1,2]\n'
err_case "invalid UTF-8" 1 "pg-copy-load: $f:1: invalid JSON: invalid UTF-8 in string at byte 17" \
	'{"id":1,"name":"\xff"}\n'
err_case "lone surrogate" 1 "pg-copy-load: $f:1: invalid JSON: lone UTF-16 surrogate in \\u escape at byte 17" \
	'{"id":1,"name":"\\ud800"}\n'
err_case "NUL in a string" 1 "pg-copy-load: $f:1: column name: string holds \\u0000, which PostgreSQL text cannot store" \
	'{"id":1,"name":"a\\u0000b"}\n'
err_case "wrong type" 1 "pg-copy-load: $f:2: column id: invalid input syntax for type integer: \"x\"" \
	'{"id":1,"name":"a"}\n{"id":"x","name":"b"}\n'
err_case "NOT NULL" 1 "pg-copy-load: $f:2: column name: null value in column \"name\" of relation \"e\" violates not-null constraint
DETAIL: Failing row contains (2, null, null)." \
	'{"id":1,"name":"a"}\n{"id":2,"name":null}\n'
err_case "duplicate key value" 1 "pg-copy-load: $f:3: duplicate key value violates unique constraint \"e_pkey\"
DETAIL: Key (id)=(1) already exists." \
	'{"id":1,"name":"a"}\n{"id":2,"name":"b"}\n{"id":1,"name":"c"}\n'
err_case "varchar too long" 1 "pg-copy-load: $f:1: column name: value too long for type character varying(5)" \
	'{"id":1,"name":"abcdef"}\n'
err_case "foreign key" 1 "pg-copy-load: $f:1: insert or update on table \"e\" violates foreign key constraint \"e_p_fkey\"
DETAIL: Key (p)=(99) is not present in table \"e\"." \
	'{"id":1,"name":"a","p":99}\n'
err_case "duplicate JSON key" 1 "pg-copy-load: $f:1: duplicate key \"id\"" \
	'{"id":1,"name":"a","id":2}\n'
err_case "duplicate routing key" 1 "pg-copy-load: $f:1: duplicate key \"\$table\"" \
	'{"$table":"e","id":1,"$table":"f"}\n'
err_case "a reserved key" 1 "pg-copy-load: $f:1: key \"\$id\" is reserved by the stream contract (a data key that begins with \$ is written with one more \$)" \
	'{"$id":1}\n'
err_case "unknown key" 1 "pg-copy-load: $f:1: key \"nme\" matches no column of public.e (--ignore-unknown drops such keys)" \
	'{"id":1,"nme":"a"}\n'
err_case "binary into int" 1 "pg-copy-load: $f:1: column id: binary value for a column that is not bytea, json or jsonb" \
	'{"id":{"$binary":{"base64":"AA==","subType":"00"}},"name":"a"}\n'
err_case "empty record" 1 "pg-copy-load: $f:1: record has no column of public.e to load" '{}\n'
printf '{"id":1,"name":"%s"}\n' "$(head -c 2000 /dev/zero | tr '\0' a)" >"$w/long.ndjson"
check_run "record too long" 1 "pg-copy-load: $w/long.ndjson:1: line longer than 1000 bytes" \
	pg-copy-load -q --max-record=1000 -t e "$w/long.ndjson"

# several files: line numbers per file; \r\n and a last line without newline
printf '{"id":1,"name":"a"}\r\n{"id":2,"name":"b"}' >"$w/a.ndjson"
printf '{"id":3,"name":"c"}\n{"id":4,"name":"toolong"}\n' >"$w/b.ndjson"
check_run "two files: error located in the second" 1 \
	"pg-copy-load: $w/b.ndjson:2: column name: value too long for type character varying(5)" \
	pg-copy-load -q -t e "$w/a.ndjson" "$w/b.ndjson"
printf '{"id":4,"name":"d"}\n' >"$w/b.ndjson"
run pg-copy-load -q -t e "$w/a.ndjson" - "$w/b.ndjson" <<<'{"id":5,"name":"stdin"}'
check "files and stdin, CRLF, no final newline" "0|1 a,2 b,4 d,5 stdin" "$status|$(sql "select string_agg(id || ' ' || name, ',' order by id) from e")"

# usage and connection errors
check_run "usage error" 2 "$(pg-copy-load --no-such 2>&1 | sed 1d)" pg-copy-load --on-conflict=update -t e
run pg-copy-load -t e /nonexistent.ndjson
check "missing file" "3|pg-copy-load: /nonexistent.ndjson: No such file or directory
pg-copy-load: public.e: 0 read, 0 loaded, 0 rejected, rolled back" "$status|$(echo "$errout" | sed 's/, [0-9.]* s, [0-9]* rows\/s//')"
run pg-copy-load -q -d "host=$PG_DIR/nowhere" -t e
check "unreachable server: one line" "3|pg-copy-load: cannot connect: connection to server on socket \"$PG_DIR/nowhere/.s.PGSQL.$PGPORT\" failed: No such file or directory; Is the server running locally and accepting connections on that socket?" "$status|$errout"
sql "create role pwuser login password 'sekrit-pw'; grant all on e to pwuser"
sed -i '1i local all pwuser scram-sha-256' "$PG_DIR/data/pg_hba.conf"
sql 'select pg_reload_conf()' >/dev/null
run pg-copy-load -q -d "postgresql://pwuser:wrong-pw@/postgres?host=$PG_DIR/sock&port=$PGPORT" -t e
check "wrong password" "3|pg-copy-load: cannot connect: connection to server on socket \"$PG_DIR/sock/.s.PGSQL.$PGPORT\" failed: FATAL:  password authentication failed for user \"pwuser\"" "$status|$errout"
run sh -c "echo '{\"id\":9,\"name\":\"pw\"}' | PGPASSWORD=sekrit-pw pg-copy-load -q -d 'user=pwuser' -t e"
check "right password from PGPASSWORD" "0|pw" "$status|$(sql 'select name from e where id = 9')"
run sh -c "echo '{\"id\":10,\"name\":\"x\"}' | pg-copy-load -d 'postgresql://pwuser:sekrit-pw@/postgres?host=$PG_DIR/sock&port=$PGPORT' -t nosuch"
check "no password in any message" "" "$(echo "$out$errout" | grep -F sekrit)"
# a time that depends on when the row is loaded is refused, in either
# format; infinity only with --infinity; fixed words (epoch) pass
sql 'create table tw (id int, d date, ts timestamptz, t timestamp)'
printf '%s\n' '{"id":1,"ts":"now"}' '{"id":2,"d":" Today "}' '{"id":3,"t":"YESTERDAY"}' '{"id":4,"d":"infinity"}' \
	'{"id":5,"ts":"epoch","d":"2024-01-01"}' >"$w/tw.ndjson"
for f in text binary; do
	sql 'truncate tw'
	run pg-copy-load -q -t tw --format=$f --max-rejects=9 "$w/tw.ndjson"
	check "time words, $f" "1|pg-copy-load: $w/tw.ndjson:1: rejected: column ts: a time that depends on when the row is loaded (now, today, tomorrow, yesterday)
pg-copy-load: $w/tw.ndjson:2: rejected: column d: a time that depends on when the row is loaded (now, today, tomorrow, yesterday)
pg-copy-load: $w/tw.ndjson:3: rejected: column t: a time that depends on when the row is loaded (now, today, tomorrow, yesterday)
pg-copy-load: $w/tw.ndjson:4: rejected: column d: infinity is no date or time (--infinity takes it)|5" \
		"$status|$errout|$(sql 'select id from tw')"
done
run sh -c "echo '{\"id\":6,\"d\":\"-infinity\",\"ts\":\"infinity\"}' | pg-copy-load -q -t tw --infinity"
check "--infinity takes it" "0|-infinity|infinity" "$status|$(sql 'select d, ts from tw where id = 6')"

# keys longer than PostgreSQL's 63 bytes name the column they are cut to
long=$(printf 'k%.0s' $(seq 70))
sql "create table lg (id int, \"$long\" int)" 2>/dev/null
printf '{"id":1,"%s":5}\n{"id":2,"%sb":6,"%sc":7}\n' "$long" "$long" "$long" >"$w/lg.ndjson"
run pg-copy-load -q -t lg --max-rejects=3 "$w/lg.ndjson"
check "long keys: cut as PostgreSQL cuts names" "1|pg-copy-load: $w/lg.ndjson:2: rejected: key \"${long}c\" is column ${long:0:63} again (PostgreSQL cuts names to 63 bytes)|1|5" \
	"$status|$errout|$(sql "select id, \"${long:0:63}\" from lg")"
# numeric(p,s) would round a value with more places: refused; a number
# is no date (20240101 would read as one)
sql 'create table nm (id int, n numeric(6,2), d date)'
printf '%s\n' '{"id":1,"n":1.234}' '{"id":2,"n":1.230}' '{"id":3,"n":"1.5e-1"}' '{"id":4,"d":20240101}' >"$w/nm.ndjson"
for f in text binary; do
	sql 'truncate nm'
	run pg-copy-load -q -t nm --format=$f --max-rejects=9 "$w/nm.ndjson"
	check "numeric scale, numbers for dates, $f" "1|pg-copy-load: $w/nm.ndjson:1: rejected: column n: 1.234 has more decimal places than the column's 2: PostgreSQL would round it
pg-copy-load: $w/nm.ndjson:4: rejected: column d: a number is no date or time (ndjson-map's epoch_s, epoch_ms and epoch_us convert epochs)|2|1.23
3|0.15" "$status|$errout|$(sql 'select id, n from nm order by id')"
done
# $table names a table in the search path, or else SCHEMA.TABLE (pgmq's queues)
sql 'create schema q; create table q.jobs (id int); create table q."Mixed" (id int);
	create table "q.jobs" (id int)' >/dev/null
printf '%s\n' '{"$table":"q.jobs","id":1}' '{"$table":"q.mixed","id":3}' '{"$table":"q.Mixed","id":4}' >"$w/routed.ndjson"
run pg-copy-load -q "$w/routed.ndjson"
check "routed: a dotted name in the search path first, then SCHEMA.TABLE" "0|1||3,4" \
	"$status|$(sql 'select id from "q.jobs"')|$(sql 'select id from q.jobs')|$(sql "select string_agg(id::text, ',' order by id) from q.\"Mixed\"")"
# two tables match Q.JOBS case-insensitively: neither is taken
check_run "routed: a name two tables match" 1 "pg-copy-load: <stdin>:1: no such table: Q.JOBS" \
	sh -c "echo '{\"\$table\":\"Q.JOBS\",\"id\":2}' | pg-copy-load -q"
sql 'drop table "q.jobs"' >/dev/null
run sh -c "echo '{\"\$table\":\"Q.Jobs\",\"id\":2}' | pg-copy-load -q"
check "routed: SCHEMA.TABLE case-insensitively when one matches" "0|2" "$status|$(sql 'select id from q.jobs')"
check_run "routed: no such schema's table" 1 "pg-copy-load: <stdin>:1: no such table: q.nope" \
	sh -c "echo '{\"\$table\":\"q.nope\",\"id\":1}' | pg-copy-load -q"
finish
