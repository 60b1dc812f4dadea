# pg-verify holds the locks of one table at a time: hundreds of routed
# tables verify in a cluster whose lock table holds about a hundred
# (max_locks_per_transaction = 10, max_connections = 10), in every mode,
# the report what a psycopg2 reader of the tables finds.  Since a table is
# not held from the run's start to its end, what TRUNCATE or a rewriting
# ALTER TABLE (which leave an older snapshot an empty table) does to it
# meanwhile stops the run; an UPDATE meanwhile is not seen (one snapshot).
. "$(dirname "$0")/lib.sh"
PG_EXTRA_CONF="max_connections = 10
max_locks_per_transaction = 10" pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3

n=300
sql "create schema lk" >/dev/null
for i in $(seq 1 $n); do
	echo "create table lk.t$i (id int primary key, v text);"
	echo "insert into lk.t$i values (1, 'a'), (2, 'b');"
done | psql -X -q -v ON_ERROR_STOP=1 || exit 3
sql "create table lk.none (id int primary key); insert into lk.none values (7)"
# every third table's row 2 changed, every fifth's row 3 missing, every
# seventh's row 2 absent from the stream (extra)
for i in $(seq 1 $n); do
	printf '{"$table":"lk.t%d","id":1,"v":"a"}\n' "$i"
	[ $((i % 7)) -eq 0 ] ||
		printf '{"$table":"lk.t%d","id":2,"v":"%s"}\n' "$i" "$([ $((i % 3)) -eq 0 ] && echo c || echo b)"
	[ $((i % 5)) -ne 0 ] || printf '{"$table":"lk.t%d","id":3,"v":"x"}\n' "$i"
done >lk.ndjson

# the report a reader of the tables writes: per table, lk.none (named by
# --key, so opened first), then in the stream's order; missing, extra,
# changed, each by key
/usr/bin/python3 - lk.ndjson >want <<'PY' || exit 3
import json, sys, psycopg2
recs = {"lk.none": {}}
for line in open(sys.argv[1]):
    r = json.loads(line)
    recs.setdefault(r.pop("$table"), {})[r["id"]] = r
cur = psycopg2.connect("").cursor()
for table, src in recs.items():
    cur.execute("select id, %s from %s" % (
        "v" if table != "lk.none" else "null", table))
    rows = {i: v for i, v in cur.fetchall()}
    lines = []
    for k in sorted(set(src) - set(rows)):
        lines.append({"status": "missing", "table": table, "key": {"id": k}})
    for k in sorted(set(rows) - set(src)):
        lines.append({"status": "extra", "table": table, "key": {"id": k}})
    for k in sorted(set(src) & set(rows)):
        if src[k]["v"] != rows[k]:
            lines.append({"status": "changed", "table": table,
                          "key": {"id": k}, "columns": ["v"]})
    for l in lines:
        print(json.dumps(l, separators=(",", ":")))
PY
check "the reader finds differences to report" 1 "$([ "$(wc -l <want)" -gt 100 ] && echo 1)"
for mode in digest full count; do
	run pg-verify -q --key=id --key=lk.none:id --mode=$mode lk.ndjson
	check "$mode: $n routed tables, a lock table for ~100 locks: done" "" "$errout"
	if [ $mode = count ]; then
		check "$mode: counts differ: status 1" 1 "$status"
		continue
	fi
	check "$mode: status 1" 1 "$status"
	check "$mode: the report is the reader's" "$(cat want)" "$(echo "$out" | grep '^{"status"')"
	check "$mode: every table in the summary" $((n + 1)) \
		"$(echo "$out" | tail -1 | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["summary"]["tables"]))')"
done
# every table differs: each is staged (a sequence's lock would outlive the
# table's savepoint: the stage has none)
sed 's/"v":"b"/"v":"Z"/' lk.ndjson | grep -v '"id":3' >lkall.ndjson
for mode in digest full; do
	run pg-verify -q --key=id --mode=$mode lkall.ndjson
	check "$mode: $n tables, every one staged: done, the rows that differ" "1||$((n - n / 7))" \
		"$status|$errout|$(echo "$out" | grep -c '"status":"changed"')"
done
run pg-verify -q --key=id --mode=full lk.ndjson
check "no lock of a verified table is left behind: none waits" "" \
	"$(sql "select relation::regclass from pg_locks where not granted")"

# ---- a table changed while the run goes on: it is held only while it is
# compared, so the change is not blocked; what would leave the snapshot
# another table stops the run, an UPDATE is not seen
sql "create table g (id int primary key, v text); insert into g values (1, 'a'), (2, 'b');
	create table h (id int primary key); insert into h values (1)"
# run_while SQL MODE: pg-verify reads g's records, SQL starts, then h's
# record comes and the stream ends.  Nothing holds g while pg-verify waits
# for its input (the digest's aggregate of g is taken, and g let go, while
# the input is silent): SQL is done before the stream ends.
run_while() {
	local pid ddl
	rm -f fifo && mkfifo fifo
	pg-verify -q --key=id --mode="$2" fifo >out 2>err &
	pid=$!
	exec 3>fifo
	printf '%s\n' '{"$table":"g","id":1,"v":"a"}' '{"$table":"g","id":2,"v":"b"}' >&3
	sleep 1
	timeout 30 psql -X -q -v ON_ERROR_STOP=1 -c "$1" &
	ddl=$!
	wait "$ddl"
	check "$2: $1: done while pg-verify waits for its input" 0 "$?"
	echo '{"$table":"h","id":1}' >&3
	exec 3>&-
	wait "$pid"
	status=$?
	wait "$ddl"
	check "$2: $1: done" 0 "$?"
}
for mode in digest full; do
	run_while "update g set v = 'B' where id = 2" $mode
	check "$mode: an UPDATE meanwhile: not seen, the snapshot's rows equal" "0|" "$status|$(cat err)"
	sql "update g set v = 'b' where id = 2"
	for ddl in "truncate g" "alter table g alter column v type varchar(10)"; do
		run_while "$ddl" $mode
		check "$mode: $ddl meanwhile: stopped, not a verdict on an empty table" \
			"3|pg-verify: public.g: changed since the run began (TRUNCATE, ALTER TABLE, VACUUM FULL, CLUSTER, a partition or child attached or detached, a view replaced, a table renamed or made anew): the rows its snapshot saw cannot be read; run again" "$status|$(cat err)"
		sql "drop table g; create table g (id int primary key, v text); insert into g values (1, 'a'), (2, 'b')"
	done
done

# ---- what a table is made of changed after the run began, before its
# first record: a view's base table truncated and filled again, a
# partition swapped for a copy (DETACH, ATTACH), an inheritance child
# swapped (NO INHERIT, a new child): each holds the same rows before and
# after, the stream lacks some, and the snapshot would see another table
sql "create table ua (id int primary key, v text); create table ub (id int primary key, v text);
	insert into ua values (1, 'a'), (2, 'b'); insert into ub values (3, 'c'), (4, 'd');
	create view u as select * from ua union all select * from ub;
	create table p (id int primary key, v text) partition by range (id);
	create table p1 partition of p for values from (0) to (100);
	create table p2 partition of p for values from (100) to (200);
	insert into p values (1, 'a'), (150, 'c');
	create table q (id int primary key, v text); create table qc1 () inherits (q);
	insert into q values (1, 'a'); insert into qc1 values (150, 'c')"
# run_between MODE SQL TABLE: the run begins (TABLE named by -t when a
# view, which a routed record cannot name; else h's record first), SQL
# runs, then TABLE's record of id 1 only
run_between() {
	local pid first='{"$table":"h","id":1}' rec
	local -a opts=(--key=id)
	rec=$(printf '{"$table":"%s","id":1,"v":"a"}' "$3")
	if [ "$3" = u ]; then
		opts=(-t u --key=id) first='' rec='{"id":1,"v":"a"}'
	fi
	rm -f fifo && mkfifo fifo
	pg-verify -q "${opts[@]}" --mode="$1" fifo >out 2>err &
	pid=$!
	exec 3>fifo
	[ -z "$first" ] || echo "$first" >&3
	sleep 1
	timeout 30 psql -X -q -v ON_ERROR_STOP=1 -c "$2" >/dev/null
	echo "$rec" >&3
	exec 3>&-
	wait "$pid"
	status=$?
}
changed_msg() {
	echo "pg-verify: public.$1: changed since the run began (TRUNCATE, ALTER TABLE, VACUUM FULL, CLUSTER, a partition or child attached or detached, a view replaced, a table renamed or made anew): the rows its snapshot saw cannot be read; run again"
}
n=0
for mode in digest full; do
	n=$((n + 1))
	run_between $mode "begin; truncate ua; insert into ua values (1, 'a'), (2, 'b'); commit" u
	check "$mode: a view's base table truncated and filled meanwhile: stopped" "3|$(changed_msg u)" "$status|$(cat err)"
	run_between $mode "begin; alter table p detach partition p2; create table p2_$n (like p2); insert into p2_$n values (150, 'c');
		alter table p attach partition p2_$n for values from (100) to (200); drop table p2; alter table p2_$n rename to p2; commit" p
	check "$mode: a partition swapped meanwhile: stopped" "3|$(changed_msg p)" "$status|$(cat err)"
	run_between $mode "begin; alter table qc1 no inherit q; create table qc_$n () inherits (q); insert into qc_$n values (150, 'c');
		drop table qc1; alter table qc_$n rename to qc1; commit" q
	check "$mode: an inheritance child swapped meanwhile: stopped" "3|$(changed_msg q)" "$status|$(cat err)"
	run_between $mode "create or replace view u as select * from ub union all select * from ua where $n > 0" u
	check "$mode: a view replaced meanwhile: stopped" "3|$(changed_msg u)" "$status|$(cat err)"
	sql "create table rs_$n (id int primary key, v text); insert into rs_$n values (1, 'a')"
	run_between $mode "alter table q rename to q_old_$n; alter table rs_$n rename to q" q
	check "$mode: another table renamed into the name meanwhile: stopped" "3|$(changed_msg q)" "$status|$(cat err)"
	sql "alter table q rename to rs_$n; alter table q_old_$n rename to q"
	# and untouched: the differences, not a stop
	run_between $mode "select 1" p
	check "$mode: nothing changed meanwhile: the row the stream lacks" '1|{"status":"extra","table":"public.p","key":{"id":150}}' \
		"$status|$(grep '^{"status"' out)"
done

# ---- a foreign table is read in a snapshot of its server per local
# session: digest and comparison on one session, so that a row fixed and
# another broken between two reads is never "equal"
sql "create extension postgres_fdw;
	create server lo foreign data wrapper postgres_fdw options (host '$PG_DIR/sock', port '$PGPORT', dbname 'postgres');
	create user mapping for current_user server lo options (user '$pg_user');
	create table rt (id int primary key, v text); insert into rt select g, 's' from generate_series(1, 200) g;
	create foreign table ft (id int, v text) server lo options (table_name 'rt')"
seq 1 200 | awk '{printf "{\"id\":%d,\"v\":\"s\"}\n", $1}' >ft.ndjson
for mode in digest full; do
	sql "update rt set v = 's'; update rt set v = 'DIFF' where id = 1"
	rm -f fifo && mkfifo fifo
	pg-verify -q -t ft --key=id --mode=$mode fifo >out 2>err &
	pid=$!
	exec 3>fifo
	head -1 ft.ndjson >&3
	sleep 1
	sql "update rt set v = 's' where id = 1; update rt set v = 'DIFF' where id = 100"
	tail -n +2 ft.ndjson >&3
	exec 3>&-
	wait "$pid"
	status=$?
	check "$mode: a foreign table changed between reads: one moment's difference" \
		'1|{"status":"changed","table":"public.ft","key":{"id":100},"columns":["v"]}' "$status|$(grep '^{"status"' out)"
done

# ---- the server restarted while the stream is read: status 3, and a
# message that says what it means for the run (not only libpq's)
for mode in digest full count; do
	# (pg_ctl must not hand the stream's write end on to the server)
	run_while_restart() {
		rm -f fifo && mkfifo fifo
		pg-verify -q --key=id --mode=$mode fifo >out 2>err &
		local pid=$!
		exec 3>fifo
		printf '%s\n' '{"$table":"g","id":1,"v":"a"}' >&3
		sleep 1
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -o "-p $PGPORT" -m fast \
			-l "$PG_DIR/server.log" -w restart >/dev/null 3>&-
		echo '{"$table":"h","id":1}' >&3
		exec 3>&-
		wait "$pid"
		status=$?
	}
	run_while_restart
	check "$mode: a restart meanwhile: status 3, said so" \
		"3|pg-verify: the connection to the server was lost (a restart, a crash, the session ended): the run's snapshot went with it; run again" \
		"$status|$(tail -1 err)"
done
finish
