# examples/postgres-to-timescaledb end to end: a plain PostgreSQL database of
# factory telemetry (two tables with foreign keys, three time series of 2,000
# rows) into TimescaleDB 2.28.3 (built by scripts/install-deps, preloaded in
# this cluster) as hypertables; every row read back by psycopg2 from both
# databases; a run again skips what is done; a load that stopped resumes;
# pg-copy-load --hypertable both ways; rollback.
. "$(dirname "$0")/lib.sh"
PG_EXTRA_CONF="shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off" pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
ex=$top/examples/postgres-to-timescaledb
sql 'create database factory' >/dev/null
sql 'create database factory_ts' >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d factory -v rows=2000 -f "$ex/source.sql" || exit 3
M() { make -s -f "$ex/Makefile" SOURCE_URL="dbname=factory" TARGET_URL="dbname=factory_ts" "$@"; }
tsql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d factory_ts -c "$1"; }

t0=$(date +%s%N)
run M dry-run
check "dry-run: the source's tables, nothing in the target" "0|5|0" \
	"$status|$(echo "$out" | grep -c '^ [a-z_]* *| *[0-9]*$')|$(tsql "select count(*) from pg_namespace where nspname = 'telemetry'")"
run M
[ "$status" = 0 ] || echo "$errout" | tail -5
check "all: status" "0" "$status"
t1=$(date +%s%N)
check "each table loaded and proven, parents first" "lines machines oee_calculations energy_consumption production_kpis" \
	"$(echo "$errout" | sed -n 's/^pg-copy-load: telemetry\.\([a-z_]*\): .*/\1/p' | paste -sd' ')"
check "validate: pg-verify finds every table the same" "10" \
	"$(echo "$errout" | grep -c '^pg-verify: telemetry\.[a-z_]*: \([0-9]*\) source rows, \1 table rows: 0 missing, 0 extra, 0 changed, 0 duplicate, 0 invalid$')"
check "the time series are hypertables, in daily chunks" "energy_consumption|1 day|2
oee_calculations|1 day|2
production_kpis|1 day|28" "$(tsql "select d.hypertable_name, d.time_interval, (select count(*) from timescaledb_information.chunks c where c.hypertable_name = d.hypertable_name)
	from timescaledb_information.dimensions d where d.hypertable_schema = 'telemetry' order by 1")"
check "every row of every table, as psycopg2 reads both databases" "ok" "$(/usr/bin/python3 - <<'PY'
import psycopg2
a = psycopg2.connect("dbname=factory").cursor()
b = psycopg2.connect("dbname=factory_ts").cursor()
bad = []
for t in ["lines", "machines", "oee_calculations", "energy_consumption", "production_kpis"]:
    rows = []
    for c in (a, b):
        c.execute("select * from telemetry.%s" % t)
        rows.append(sorted(c.fetchall(), key=repr))
    if rows[0] != rows[1] or not rows[0]:
        bad.append("%s: %d vs %d rows, first difference %r" % (t, len(rows[0]), len(rows[1]),
                   next(((x, y) for x, y in zip(*rows) if x != y), None)))
print("ok" if not bad else "; ".join(bad))
PY
)"

# each once: a run again does nothing but validate
run M
check "a run again skips what is done" "0|0" "$status|$(echo "$errout" | grep -c '^pg-copy-load:')"
# a load that stopped: its stamp gone, the ledger says what was committed
rm tsdb-migration/done/energy_consumption
run M
check "a stopped load resumes: nothing loaded twice" "0|1|2000" \
	"$status|$(echo "$errout" | grep -c '^pg-copy-load: telemetry.energy_consumption: 0 read')|$(tsql 'select count(*) from telemetry.energy_consumption')"

# pg-copy-load --hypertable: --create makes one; a plain table is refused
run pg-copy-load -d factory_ts --create --hypertable='time:6 hours' -t telemetry.energy_copy tsdb-migration/energy_consumption.ndjson
check "--create --hypertable: a hypertable of 6-hour chunks" "0|06:00:00|2000" \
	"$status|$(tsql "select time_interval from timescaledb_information.dimensions where hypertable_name = 'energy_copy'")|$(tsql 'select count(*) from telemetry.energy_copy')"
tsql 'create table telemetry.plain (like telemetry.energy_consumption)'
run pg-copy-load -d factory_ts --hypertable=time -t telemetry.plain tsdb-migration/energy_consumption.ndjson
check "--hypertable: a plain table is refused before any row" "2|pg-copy-load: --hypertable: telemetry.plain is not a hypertable on time|0" \
	"$status|$(echo "$errout" | head -1)|$(tsql 'select count(*) from telemetry.plain')"
run pg-copy-load -q -d factory --hypertable=time -t telemetry.lines tsdb-migration/lines.ndjson
check "--hypertable: a database without TimescaleDB" "2|pg-copy-load: --hypertable: telemetry.lines: TimescaleDB is not installed in this database (CREATE EXTENSION timescaledb)" \
	"$status|$(echo "$errout" | head -1)"

run M rollback
check "rollback: schema, ledger rows and stamps gone" "0|0|0|f" \
	"$status|$(tsql "select count(*) from pg_namespace where nspname = 'telemetry'")|$(tsql "select count(*) from ndjson_migrate_ledger where id like 'tsdb-%'")|$([ -d tsdb-migration ] && echo t || echo f)"
run M
check "all again after the rollback" "0|2000" "$status|$(tsql 'select count(*) from telemetry.oee_calculations')"
echo "postgres-to-timescaledb: 6015 rows in 5 tables moved and proven in $(( (t1 - t0) / 1000000 )) ms"
finish
