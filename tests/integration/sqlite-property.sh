# The SQLite -> PostgreSQL pipeline as a property: random databases
# (declared types, storage classes, defaults, generated columns, NOCASE
# keys, odd and over-long names) through --ddl=pre, the data and
# --ddl=post; PostgreSQL compared with SQLite value by value by Python's
# sqlite3 and psycopg2: every row exact, or rejected naming its table and
# column for a value PostgreSQL cannot take exactly; the DDL always runs.
# SEEDS=N (default 10) for a longer campaign (make fuzz-sqlite: 200).
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
prop="$top/tests/integration/sqlite-property"
export PGTZ=UTC

# DDL: psql runs all of it; the dump exits 0, or 1 having said which
# table it left out (names PostgreSQL would store as one)
ddl() {
	sqlite-dump-ndjson --ddl=$1 "$db" >"$w/$1.sql" 2>"$w/$1.err"
	local st=$?
	check "seed $seed: ddl $1: 0, or 1 naming what is left out" "yes" \
		"$([ $st = 0 ] || { [ $st = 1 ] && grep -q 'not written' "$w/$1.err"; } && echo yes || echo "no: $st $(cat "$w/$1.err")")"
	run psql -X -q -v ON_ERROR_STOP=1 -d s$seed -f "$w/$1.sql"
	# the one refusal allowed: rows that break a foreign key because the
	# parent row was rejected in the load (the data's fault, said loudly)
	check "seed $seed: ddl $1 runs in psql" "0|" \
		"$(echo "$errout" | grep -q 'violates foreign key constraint' && echo 0 || echo "$status")|$(echo "$errout" | grep ERROR | grep -v 'violates foreign key')"
}

seeds=${SEEDS:-10}
formats=(auto text binary)
for seed in $(seq 1 "$seeds"); do
	db=$w/s$seed.db
	"$prop" gen "$seed" "$db"
	sql "create database s$seed"
	fmt=${formats[$((seed % 3))]}
	rows=$((3 + seed * 7 % 40))
	ddl pre
	run bash -c "sqlite-dump-ndjson --tag '$db' | pg-copy-load -d s$seed --format=$fmt --batch-rows=$rows \
		--max-rejects=1000000 --rejects=rej$seed.ndjson --summary-json=sum$seed.json"
	check "seed $seed: loaded (0) or rejected some (1)" "yes" \
		"$([ "$status" -le 1 ] && echo yes || echo "no: $status $errout")"
	ddl post
	check "seed $seed ($fmt, batches of $rows): PostgreSQL holds SQLite" "ok" \
		"$(PGDATABASE=s$seed "$prop" check "$db" rej$seed.ndjson sum$seed.json 2>&1)"
done
finish
