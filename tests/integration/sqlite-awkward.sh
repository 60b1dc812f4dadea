# The hand-made SQLite database with every awkward case (tests/fixtures/
# awkward.sql) through pg-copy-load into PostgreSQL: each case's outcome.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
db=$PG_DIR/awkward.db
sqlite3 "$db" <"$top/tests/fixtures/awkward.sql"

run sh -c "sqlite-dump-ndjson --ddl=pre '$db' | psql -X -q -v ON_ERROR_STOP=1"
check "ddl pre" "0|sqlite-dump-ndjson: view ints_view: no DDL written (its SQL is not translated)
sqlite-dump-ndjson: table blobs, column b: 1 values are not bytes: bytea holds their text (42 becomes '42'), equal to the same bytes where SQLite's are not
sqlite-dump-ndjson: table empty, column x: DEFAULT lower(hex(randomblob(4))) dropped: it is not a constant" "$status|$errout"

load() { # TABLE [DUMP-OPTIONS...]
	local t=$1
	shift
	run bash -o pipefail -c "sqlite-dump-ndjson $* '$db' '$t' | pg-copy-load -q -t '\"$(echo "$t" | tr A-Z a-z)\"'"
}

load ints
check "ints: loaded" "0" "$status"
check "ints: 64-bit extremes exact" "1|-9223372036854775808|9223372036854775807
2|0|9007199254740993
3|-1|" "$(sql 'select id, v, u from ints order by id')"

load reals
check "reals: loaded" "0" "$status"
check "reals: edge values" "1|0.1
2|0
3|1.7976931348623157e+308
4|5e-324
5|Infinity
6|-Infinity
7|0.30000000000000004
8|100
9|" "$(sql 'select id, r from reals order by id')"

# -0.0 keeps its sign where SQLite keeps it (a column without REAL affinity)
nz=$PG_DIR/nz.db
sqlite3 "$nz" 'create table nz (id integer primary key, x); insert into nz values (1, -0.0), (2, 0.0)'
check "negative zero: written -0" '{"id":1,"x":-0}
{"id":2,"x":0}' "$(sqlite-dump-ndjson "$nz" nz)"
sql 'create table nz (id int, x float8)'
run bash -o pipefail -c "sqlite-dump-ndjson '$nz' nz | pg-copy-load -q -t nz"
check "negative zero: loads as -0" "0|1|-0
2|0" "$status|$(sql 'select id, x from nz order by id')"

# a column named $table (or any $ name) is data: written "$$table", loaded
# into its own column, never a route; a whole-database dump has one $table
sq=$PG_DIR/dollar.db
sqlite3 "$sq" 'create table a (id int, "$table" text, "$$x" text); insert into a values (1, '"'b'"', '"'y'"');
	create table b (id int, "$table" text, "$$x" text)'
check "\$ names: escaped in the dump" '{"$table":"a","id":1,"$$table":"b","$$$x":"y"}' \
	"$(sqlite-dump-ndjson "$sq" a b)"
sql 'create table a (id int, "$table" text, "$$x" text); create table b (id int, "$table" text, "$$x" text)'
run bash -o pipefail -c "sqlite-dump-ndjson '$sq' | pg-copy-load -q"
check "\$ names: each row in its own table, the column kept" "0|1|b|y|0" \
	"$status|$(sql 'select id, "$table", "$$x" from a')|$(sql 'select count(*) from b')"

load texts
check "texts: loaded" "0" "$status"
check "texts: '' and NULL stay apart" "1|t|f
2||t" "$(sql "select id, t = '', t is null from texts where id <= 2 order by id")"
check "texts: escapes survive" "t" "$(sql "select t = E'tab\\tquote\" back\\\\ nl\\nend' from texts where id = 3")"
check "texts: unicode survives" "Zoë ✓ 😀" "$(sql 'select t from texts where id = 4')"

load badtext
check "badtext: bad rows reported, others loaded" "1|2" "$status|$(sql 'select count(*) from badtext')"
check "badtext: the messages" "sqlite-dump-ndjson: table badtext, rowid 2, column t: invalid UTF-8 in TEXT at byte 2 (--bad-text=binary keeps it)
sqlite-dump-ndjson: table badtext, rowid 3, column t: NUL byte in TEXT at byte 2 (--bad-text=binary keeps it)
sqlite-dump-ndjson: 2 rows not written (bad TEXT)" "$errout"
sql 'truncate badtext'
load badtext --bad-text=binary
check "badtext binary into text: rejected, nothing committed" "1|0" "$status|$(sql 'select count(*) from badtext')"
check "badtext binary into text: the message" "pg-copy-load: <stdin>:2: column t: binary value for a column that is not bytea, json or jsonb" "$errout"
sql 'alter table badtext alter column t type bytea using convert_to(t, $$UTF8$$)'
load badtext --bad-text=binary
check "badtext binary into bytea: bytes kept" "0|1|66696e65
2|61ff62
3|610062
4|616c736f2066696e65" "$status|$(sql "select id, encode(t, 'hex') from badtext order by id")"

load blobs
check "blobs: loaded" "0" "$status"
check "blobs: bytes, text, empty, NULL" "1|00ff0102
2|text in a blob column
3|
4|" "$(sql "select id, case when id = 2 then convert_from(b, 'UTF8') else encode(b, 'hex') end from blobs order by id")"
check "blobs: empty is not NULL" "f" "$(sql 'select b is null from blobs where id = 3')"

load events
check "events: epoch integer in DATETIME rejected, never a year" "1|0" "$status|$(sql 'select count(*) from events')"
check "events: the message" "pg-copy-load: <stdin>:2: column at: a number is no date or time (ndjson-map's epoch_s, epoch_ms and epoch_us convert epochs)" "$errout"

run sh -c "sqlite-dump-ndjson '$db' 'Order Items' | pg-copy-load -q -t '\"order items\"'"
check "Order Items: case-insensitive keys, reserved and spaced names" "0|1|a|1.5|t
2|b|12345.678|f" "$status|$(sql 'select "select", "group", "my col", flag from "order items" order by 1')"

load kv
check "kv (WITHOUT ROWID): bad row reported by row number" "1|sqlite-dump-ndjson: table kv, row 4, column v: invalid UTF-8 in TEXT at byte 1 (--bad-text=binary keeps it)
sqlite-dump-ndjson: 1 rows not written (bad TEXT)" "$status|$errout"
check "kv: untyped column as text" "a|1
b|two
c|3.5" "$(sql 'select k, v from kv order by k')"

load empty
check "empty table" "0|0" "$status|$(sql 'select count(*) from empty')"
run sh -c "sqlite-dump-ndjson '$db' empty | pg-copy-load -t empty"
check "empty table: summary" "public.empty: 0 read, 0 loaded" "$(echo "$errout" | sed -n 's/^pg-copy-load: \(.*loaded\),.*/\1/p')"

load child
check "child" "0|2" "$status|$(sql 'select count(*) from child')"

run sh -c "sqlite-dump-ndjson --ddl=post '$db' | psql -X -q -v ON_ERROR_STOP=1"
check "ddl post" "0" "$status"
check "fk with ON DELETE CASCADE" "FOREIGN KEY (ints_id) REFERENCES ints(id) ON DELETE CASCADE" \
	"$(sql "select pg_get_constraintdef(oid) from pg_constraint where conrelid = 'child'::regclass and contype = 'f'")"

# a 10 MB value
big=$PG_DIR/big.db
sqlite3 "$big" "create table big (id integer primary key, t text); insert into big values (1, hex(randomblob(5242880)));"
run sh -c "sqlite-dump-ndjson --ddl=pre '$big' | psql -X -q && sqlite-dump-ndjson '$big' | pg-copy-load -q -t big"
check "10 MB value: loaded" "0" "$status"
check "10 MB value: equal" "$(sqlite3 "$big" 'select t from big' | md5sum)" "$(sql 'select t from big' | md5sum)"
# the translated schema runs through psql whole, and means what SQLite meant
tr=$PG_DIR/translate.db
sqlite3 "$tr" <"$top/tests/golden/sqlite-dump-ndjson/ddl-translate-pre/setup.sql"
sqlite3 "$tr" "insert into p (id, name, n, m2) values (1, 'Ann', 1, 1.5); insert into k values ('x', 'y');
	update c set q = 0; update p set bad = null"
sql 'create database translate'
run bash -o pipefail -c "sqlite-dump-ndjson --ddl=pre '$tr' 2>/dev/null | psql -X -q -v ON_ERROR_STOP=1 -d translate &&
	sqlite-dump-ndjson '$tr' p k c | pg-copy-load -q -d translate &&
	sqlite-dump-ndjson --ddl=post '$tr' 2>/dev/null | psql -X -q -v ON_ERROR_STOP=1 -d translate"
check "translated DDL: pre, data, post all run" "0|" "$status|$errout"
tsql() { psql -X -q -A -t -d translate -c "$1" 2>&1 | sed 's/^ERROR:  */ERROR: /' | head -1; }
check "NOCASE unique: 'ann' after 'Ann' refused as SQLite refuses it" \
	'ERROR: duplicate key value violates unique constraint "p_translate_idx"' \
	"$(tsql "insert into p (id, name, n) values (2, 'ann', 1)")"
check "NOCASE unique folds A-Z only, as SQLite: 'É' beside 'é' taken" "" \
	"$(tsql "insert into p (id, name, n) values (30, 'é', 1); insert into p (id, name, n) values (31, 'É', 1)")"
check "NOCASE primary key" 'ERROR: duplicate key value violates unique constraint "k_translate_idx"' \
	"$(tsql "insert into k values ('X', 'z')")"
check "CHECK translated" 'ERROR: new row for relation "p" violates check constraint "p_n_check"' \
	"$(tsql "insert into p (id, name, n) values (3, 'b', 500)")"
check "DEFERRABLE INITIALLY DEFERRED kept" "t|t" \
	"$(tsql "select condeferrable, condeferred from pg_constraint where conrelid = 'c'::regclass and contype = 'f' and conkey = array[2::int2]")"
check "offsets kept: the same instants" "2024-01-01 08:00:00+00|2024-01-01 00:00:00+00" \
	"$(PGTZ=UTC tsql "select ts, t2 from c where id = 1")"
check "defaults that hold the value" "1000|-0.5|t|1234.5|\\x00ff|2024-02-29|7" \
	"$(tsql "alter table p drop constraint p_n_check; insert into p (id, name) values (9, 'q') returning n, r, b, m, blob, day")|$(tsql "insert into c (id) values (9) returning q2")"
check "DECIMAL(6,2) takes what SQLite takes: 0.125 as it is, 12345678" "0.125|12345678" \
	"$(tsql "insert into p (id, name, m) values (21, 'r', 0.125) returning m")|$(tsql "insert into p (id, name, m) values (22, 's', 12345678) returning m")"
check "RTRIM unique: 'y  ' after 'y' refused as SQLite refuses it" \
	'ERROR: duplicate key value violates unique constraint "k_rtrim_idx"' \
	"$(tsql "insert into k values ('q', 'y  ')")"
# issue 29's schema (every construct the translation meets) runs through
# psql whole, pre, data and post, and means what SQLite meant
bh=$PG_DIR/behaviour.db
sqlite3 "$bh" <"$top/tests/golden/sqlite-dump-ndjson/ddl-behaviour-pre/setup.sql"
sql "create database behaviour template template0 locale_provider icu icu_locale 'en-US' locale 'C.UTF-8'"
run bash -c "sqlite-dump-ndjson --ddl=pre '$bh' 2>/dev/null | psql -X -q -v ON_ERROR_STOP=1 -d behaviour &&
	sqlite-dump-ndjson '$bh' 2>/dev/null | pg-copy-load -q -d behaviour &&
	sqlite-dump-ndjson --ddl=post '$bh' 2>/dev/null | psql -X -q -v ON_ERROR_STOP=1 -d behaviour"
check "behaviour schema: pre, data and post run; names cut alike: one named by PostgreSQL" \
	"0|WARNING:  table ix: index iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiy, named by PostgreSQL: relation \"iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii\" already exists" \
	"$status|$(echo "$errout" | grep WARNING)"
check "behaviour schema: every index of ix made (t_a_key beside UNIQUE (a) too)" "6" \
	"$(psql -X -A -t -d behaviour -c "select count(*) from pg_indexes where tablename = 'ix'")"
bsql() { psql -X -q -A -t -d behaviour -c "$1" 2>&1 | sed 's/^ERROR:  */ERROR: /' | head -1; }
check "AUTOINCREMENT: the next id is past every id given (4), not max + 1" "4" \
	"$(bsql "insert into seq (v) values ('d') returning id")"
check "AUTOINCREMENT, empty, sqlite_sequence 0: the next id is 1" "1" \
	"$(bsql "insert into seq0 (v) values ('b') returning id")"
check "negative rowids: the next is max + 1, as SQLite's" "-4" \
	"$(bsql "insert into neg (v) values ('z') returning id")"
check "INT PRIMARY KEY takes NULL, twice, as in SQLite" "2" "$(bsql 'select count(*) from int_pk where id is null')"
check "INTEGER PRIMARY KEY DESC: no identity" "" "$(bsql "select attidentity from pg_attribute where attrelid = 'desc_pk'::regclass and attname = 'id'")"
check "table-level FOREIGN KEY ... DEFERRABLE INITIALLY DEFERRED kept" "t|t" \
	"$(bsql "select condeferrable, condeferred from pg_constraint where conrelid = 'ch'::regclass and contype = 'f' and conkey = array[1::int2]")"
check "FK cycle to UNIQUE columns: both made" "2" \
	"$(bsql "select count(*) from pg_constraint where conrelid in ('cyc_a'::regclass, 'cyc_b'::regclass) and contype = 'f'")"
check "RTRIM primary key: 'X100   ' after 'X100' refused" 'ERROR: duplicate key value violates unique constraint "ix_rtrim_idx"' \
	"$(bsql "insert into ix (rt) values ('X100'); insert into ix (rt) values ('X100   ')")"
check "TEXT DEFAULT CURRENT_TIMESTAMP: SQLite's UTC text" "t" \
	"$(PGOPTIONS='-c datestyle=SQL,DMY' bsql "insert into df default values returning a ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\$' and b = date_trunc('second', b)")"
check "CHECK text BETWEEN compares bytes (COLLATE \"C\"): 'b' outside 'A'..'F'" \
	'ERROR: new row for relation "ck" violates check constraint "ck_t_check"' \
	"$(bsql "insert into ck (t) values ('b')")"
check "STRICT ANY: each value keeps its type ('01234' is no number)" '"01234"|1234|"1e2"|{"$binary": {"base64": "AP8=", "subType": "00"}}' \
	"$(bsql "select string_agg(v::text, '|' order by id) from st")"
check "text columns order as bytes, as SQLite's, in an ICU en-US database" "AFb" \
	"$(bsql "insert into typed (j) values ('b'), ('A'), ('F'); select string_agg(j, '' order by j) from typed")"
finish
