# Chinook, SQLite -> PostgreSQL: DDL pre, data, DDL post; then every table
# compared row for row with what sqlite3 prints for it (compare-csv has the
# rule), and the keys, foreign keys and NOT NULL columns checked.
. "$(dirname "$0")/lib.sh"
db=$SHARED/testdata/sqlite/chinook.sqlite
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"

keys=${KEYS_IN_PRE:+--keys-in-pre}
run sh -c "sqlite-dump-ndjson --ddl=pre $keys '$db' | psql -X -q -v ON_ERROR_STOP=1"
check "ddl pre" "0" "$status"
# all tables in one pass, each loaded by its own pg-copy-load
for t in $(sqlite-dump-ndjson --list "$db" | cut -f1); do
	run sh -c "sqlite-dump-ndjson '$db' '$t' | pg-copy-load -q -t '$t'"
	check "load $t" "0 " "$status $errout"
done
run sh -c "sqlite-dump-ndjson --ddl=post $keys '$db' | psql -X -q -v ON_ERROR_STOP=1"
check "ddl post" "0" "$status"

tables=$(sqlite3 "$db" "select name from sqlite_schema where type='table' and name not like 'sqlite_%' order by name")
check "table count" "11" "$(echo "$tables" | wc -l)"
for t in $tables; do
	pk=$(sqlite3 "$db" "select group_concat(name, ', ') from (select name from pragma_table_info('$t') where pk > 0 order by pk)")
	sqlite3 -csv "$db" "select * from \"$t\" order by $pk" >"$w/$t.sqlite.csv"
	psql -X -q --csv -t -c "select * from \"$(echo "$t" | tr A-Z a-z)\" order by $(echo "$pk" | tr A-Z a-z)" \
		>"$w/$t.pg.csv"
	run "$top/tests/integration/compare-csv" "$w/$t.sqlite.csv" "$w/$t.pg.csv"
	check "$t row for row" "0 " "$status $out"
	check "$t rows" "$(sqlite3 "$db" "select count(*) from \"$t\"")" \
		"$(sql "select count(*) from \"$(echo "$t" | tr A-Z a-z)\"")"
done

check "primary keys" "11" "$(sql "select count(*) from pg_constraint where contype = 'p' and connamespace = 'public'::regnamespace")"
check "foreign keys" "11" "$(sql "select count(*) from pg_constraint where contype = 'f' and connamespace = 'public'::regnamespace")"
check "fk album -> artist" "album_artistid_fkey|artist" \
	"$(sql "select conname, confrelid::regclass from pg_constraint where conrelid = 'album'::regclass and contype = 'f'")"
sqlite_nn=$(for t in $tables; do sqlite3 "$db" "select count(*) from pragma_table_info('$t') where \"notnull\" or pk"; done | awk '{s += $1} END {print s}')
check "NOT NULL kept" "$sqlite_nn" \
	"$(sql "select count(*) from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r' and a.attnum > 0 and a.attnotnull")"
check "indexes" "22" "$(sql "select count(*) from pg_indexes where schemaname = 'public'")"
check "NUMERIC(10,2) unbounded: values as SQLite stores them" "numeric" \
	"$(sql "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'invoice'::regclass and attname = 'total'")"
check "identity reset" "413" "$(sql "insert into invoice (customerid, invoicedate, total) values (1, now(), 1) returning invoiceid")"
check "sum of totals" "$(sqlite3 "$db" "select printf('%.2f', sum(Total)) from Invoice")" \
	"$(sql "select sum(total) from invoice where invoiceid <= 412")"
finish
