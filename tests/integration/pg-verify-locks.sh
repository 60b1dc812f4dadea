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
run pg-verify -q --key=id --mode=full lk.ndjson
check "no lock of a verified table is left behind: none waits" "" \
	"$(sql "select relation::regclass from pg_locks where not granted")"

# ---- a table changed while the run goes on: it is held only while it is
# compared, so the change is not blocked; what would leave the snapshot
# another table stops the run, an UPDATE is not seen
sql "create table g (id int primary key, v text); insert into g values (1, 'a'), (2, 'b');
	create table h (id int primary key); insert into h values (1)"
# run_while SQL MODE: pg-verify reads g's records, SQL starts, then h's
# record comes and the stream ends.  In full mode nothing holds g while
# the stream is read: SQL is done before the stream ends.  (The digest's
# aggregate of g holds it until pg-verify reads its result, which may be
# at the stream's end.)
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
	if [ "$2" = full ]; then
		wait "$ddl"
		check "$2: $1: done while pg-verify reads the stream" 0 "$?"
	fi
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
			"3|pg-verify: public.g: truncated, rewritten (ALTER TABLE, VACUUM FULL, CLUSTER) or made anew since the run began: the rows its snapshot saw cannot be read; run again" "$status|$(cat err)"
		sql "drop table g; create table g (id int primary key, v text); insert into g values (1, 'a'), (2, 'b')"
	done
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
