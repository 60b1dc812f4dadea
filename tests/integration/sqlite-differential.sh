# The DDL of sqlite-dump-ndjson judged by behaviour: random schemas (keys,
# collations, ON CONFLICT, CHECKs, defaults, foreign keys) through
# --ddl=pre, the data and --ddl=post into a database with an ICU collation;
# then the same probe statements on both sides (Python's sqlite3 and
# psycopg2), outcomes and final rows compared, except for tables the DDL
# named in a warning (tests/integration/sqlite-differential).  psql must
# run the DDL whole.  SEEDS=N (default 20; make fuzz-pipelines: 150).
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
diffr="$top/tests/integration/sqlite-differential"
export PGTZ=UTC
seeds=${SEEDS:-20}
compared=0
for seed in $(seq 1 "$seeds"); do
	db=$w/d$seed.db
	rm -f "$db"
	"$diffr" gen "$seed" "$db" "$w/p$seed"
	sql "create database d$seed template template0 locale_provider icu icu_locale 'en-US' locale 'C.UTF-8'"
	run bash -o pipefail -c "sqlite-dump-ndjson --ddl=pre '$db' 2>>w$seed | psql -X -q -v ON_ERROR_STOP=1 -d d$seed 2>>w$seed &&
		sqlite-dump-ndjson --tag '$db' | pg-copy-load -q -d d$seed &&
		sqlite-dump-ndjson --ddl=post '$db' 2>>w$seed | psql -X -q -v ON_ERROR_STOP=1 -d d$seed 2>>w$seed"
	check "seed $seed: pre, data and post run" "0|$(grep -v 'WARNING\|sqlite-dump-ndjson' w$seed)" "$status|$errout"
	res=$(PGDATABASE=d$seed "$diffr" run "$db" "$w/p$seed" w$seed 2>&1)
	check "seed $seed: PostgreSQL behaves as SQLite" "ok" "$(echo "$res" | tail -1 | cut -d' ' -f1)"
	[ "$(echo "$res" | tail -1 | cut -d' ' -f1)" = ok ] || { echo "$res" | head -20; sed 's/^/    warned: /' w$seed | head -20; }
	n=$(echo "$res" | tail -1 | cut -d' ' -f2)
	compared=$((compared + ${n:-0}))
done
# a test that compares nothing proves nothing
check "tables compared, not excused by a warning: at least one a seed" "yes" \
	"$([ "$compared" -ge "$seeds" ] && echo yes || echo "no: $compared")"
echo "differential: $compared tables compared over $seeds seeds"
finish
