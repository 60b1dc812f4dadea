# examples/scale-out (issue 17): make -j4 loads a SQLite table into Citus in
# four parts side by side, each its own --resume job, and pg-verify finds
# the whole equal.  A part killed mid-load (kill -9) is run again alone and
# finishes the job: every row once, each part's ledger its rows.  Run again
# whole, nothing changes.
. "$(dirname "$0")/lib.sh"
. "$top/scripts/citustest.sh"
citus_start || exit 3
w=$CITUS_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
mk() { make -s -f "$top/examples/scale-out/Makefile" ROWS=60000 "$@"; }
# run mk, its stderr shown when it fails (for the CI log)
run_mk() {
	run mk "$@"
	[ "$status" = 0 ] || printf 'make %s: exit %s\n%s\n' "$*" "$status" "$(echo "$errout" | tail -20)"
}

run_mk -j4
check "make -j4: exit 0, pg-verify finds the whole equal" \
	"0|pg-verify: public.events: 60000 source rows, 60000 table rows: 0 missing, 0 extra, 0 changed, 0 duplicate, 0 invalid" \
	"$status|$(echo "$errout" | grep '^pg-verify')"
check "the table is distributed" "h" "$(sql "select partmethod from pg_dist_partition where logicalrelid = 'events'::regclass")"
check "four parts, four jobs, their rows the whole" "4|60000" \
	"$(sql "select count(distinct id) from ndjson_migrate_ledger where id like 'scale-out-%'")|$(sql "select sum(loaded) from ndjson_migrate_ledger where id like 'scale-out-%'")"
check "the parts about equal (rowid ranges)" "ok" \
	"$(sql "select case when min(n) > 14000 then 'ok' else min(n)::text end from (select sum(loaded) n from ndjson_migrate_ledger where id like 'scale-out-%' group by id) s")"

# part 2 killed mid-load, then all parts run again
mk clean
mk table
mk part-2 LOADFLAGS=--batch-rows=100 2>/dev/null &
for _ in $(seq 1 400); do
	[ "$(sql "select coalesce(sum(loaded), 0) >= 3000 from ndjson_migrate_ledger where id = 'scale-out-2-of-4'" 2>/dev/null)" = t ] && break
	sleep 0.02
done
pkill -9 -f 'resume=scale-out-2-of-4'
wait
killed=$(sql "select count(*) from events")
run_mk part-2 LOADFLAGS=--batch-rows=100
check "part 2 killed after ${killed} rows, run again alone: exit 0, its 15000 rows once" "0|mid-load|15000|15000" \
	"$status|$([ "$killed" -gt 0 ] && [ "$killed" -lt 15000 ] && echo mid-load || echo "killed at $killed")|$(sql 'select count(*) from events')|$(sql 'select count(distinct id) from events')"
run_mk -j4
check "then make -j4: the whole, equal" "0|60000|1" "$status|$(sql 'select count(*) from events')|$(echo "$errout" | grep -c ' 0 missing, 0 extra, 0 changed, 0 duplicate')"
run_mk -j4
check "make -j4 once more: nothing more loaded" "0|60000|60000" \
	"$status|$(sql 'select count(*) from events')|$(sql "select sum(loaded) from ndjson_migrate_ledger where id like 'scale-out-%'")"
finish
