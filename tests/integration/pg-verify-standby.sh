# pg-verify on a hot standby (a streaming replica of the test cluster) and
# in a session read-only by default: digest mode compares there without
# writing while no bucket differs; where a temporary table would be needed
# (buckets differ, full mode, a table with no record, a column with no
# digest form) it says so, status 3, and never a verdict it cannot make.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
sb=$PG_DIR/standby
mkdir -p "$PG_DIR/sbsock"
[ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DIR/sbsock"
trap 'pg_as "$PG_BIN/pg_ctl" -D "$sb" -m immediate stop >/dev/null 2>&1; pg_stop' EXIT
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3

sql "create table t (id int primary key, v text, j jsonb, p point);
	insert into t select i, 'v' || i, jsonb_build_object('a', i), null from generate_series(1, 200) i;
	create table pt (id int primary key, p point); insert into pt values (1, '(1,2)');
	create table e (id int primary key)"
psql -X -A -t -c "select json_build_object('id', id, 'v', v, 'j', j) from t order by id" >t.ndjson
pg_as "$PG_BIN/pg_basebackup" -h "$PG_DIR/sock" -p "$PGPORT" -U "$pg_user" -D "$sb" -R >/dev/null 2>&1 || {
	echo "pg_basebackup failed" >&2
	exit 3
}
sbport=$((PGPORT + 1))
sed -i "s|^unix_socket_directories.*|unix_socket_directories = '$PG_DIR/sbsock'|" "$sb/postgresql.conf"
pg_as "$PG_BIN/pg_ctl" -D "$sb" -o "-p $sbport" -l "$PG_DIR/standby.log" -w start >/dev/null || {
	cat "$PG_DIR/standby.log" >&2
	exit 3
}
standby() { PGHOST=$PG_DIR/sbsock PGPORT=$sbport "$@"; }
# caught up: the primary's last change replayed
sql "create table caught (x int)"
for _ in $(seq 1 100); do
	[ "$(standby psql -X -A -t -c "select to_regclass('caught') is not null" 2>/dev/null)" = t ] && break
	sleep 0.1
done
check "the standby is a standby, caught up" "t|t" \
	"$(standby psql -X -A -t -c "select pg_is_in_recovery()")|$(standby psql -X -A -t -c "select to_regclass('caught') is not null")"

msg_full="pg-verify: --mode=full stages every record in a temporary table, which a read-only session (a hot standby) cannot make; --mode=digest needs one only for the buckets that differ"
# on the standby, and on the primary in a session read-only by default
for where in standby read-only; do
	if [ $where = standby ]; then on=standby; else on="env PGOPTIONS=-cdefault_transaction_read_only=on"; fi
	run $on pg-verify -q -t t --key=id t.ndjson
	check "$where: digest, the same rows: equal, nothing staged" \
		'0||{"summary":{"tables":[{"table":"public.t","source_rows":200,"target_rows":200,"missing":0,"extra":0,"changed":0,"duplicate":0,"invalid":0,"mode":"digest","buckets":4096,"buckets_compared":0}],"invalid":0,"status":0}}' \
		"$status|$errout|$out"
	run $on pg-verify -q -t t --key=id --mode=count t.ndjson
	check "$where: count: equal" "0|" "$status|$errout"
	head -199 t.ndjson >less.ndjson
	check_run "$where: digest, a row fewer: cannot tell which, said so" 3 \
		"pg-verify: public.t: 1 of 4096 buckets differ: telling which rows needs a temporary table, which a read-only session (a hot standby) cannot make; run on a server that can" \
		$on pg-verify -q -t t --key=id less.ndjson
	run $on pg-verify -q -t t --key=id --mode=count less.ndjson
	check "$where: count: a row fewer: status 1" "1|" "$status|$errout"
	check_run "$where: full: refused before reading" 3 "$msg_full" \
		$on pg-verify -q -t t --key=id --mode=full /dev/null
	check_run "$where: a table named, no record of it" 3 \
		"pg-verify: public.e: no record of it was read: listing its rows needs a temporary table, which a read-only session (a hot standby) cannot make; run on a server that can" \
		$on pg-verify -q --key=e:id /dev/null
	echo '{"$table":"pt","id":1,"p":"(1,2)"}' >pt.ndjson
	check_run "$where: a column with no digest form" 3 \
		"pg-verify: public.pt: a column with no digest form: comparing it needs a temporary table, which a read-only session (a hot standby) cannot make; run on a server that can" \
		$on pg-verify -q --key=id pt.ndjson
done
# the same runs on the primary, writable: the verdicts the standby could not give
run pg-verify -q -t t --key=id less.ndjson
check "primary: digest, a row fewer: extra" '1|{"status":"extra","table":"public.t","key":{"id":200}}' "$status|$(echo "$out" | head -1)"
run pg-verify -q --key=id pt.ndjson
check "primary: point column: equal" "0" "$status"
finish
