# pg-copy-load in production: rejects, resume after a killed backend,
# upserts, interleaved tables, dry runs, table options, signals.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3

# 10,000 rows, 1% bad in every way: exactly the bad lines are rejected
"$top/tests/integration/gen-bad-rows" bad.ndjson bad.expected
sql "create table parent (id int primary key); insert into parent select generate_series(1, 100);
	create table child (id int primary key, parent_id int references parent (id),
	name varchar(10) not null, qty int)"
run pg-copy-load -t child --max-rejects=1000 --rejects=rej.ndjson --summary-json=sum.json bad.ndjson
check "rejects: status" "1" "$status"
check "rejects: summary" "pg-copy-load: public.child: 10000 read, 9900 loaded, 100 rejected" \
	"$(echo "$errout" | sed 's/, [0-9.]* s, .*//')"
check "rejects: file mode 0600" "600" "$(stat -c %a rej.ndjson)"
check "rejects: exactly the bad lines, each for its reason" "$(cat bad.expected)" "$(/usr/bin/python3 -c '
import json
kind = {None: "json", "22P02": "type", "23502": "notnull", "23505": "dup", "23503": "fk", "22001": "varchar"}
for l in open("rej.ndjson"):
    r = json.loads(l)
    print(r["line"], kind[r["sqlstate"]])' | sort -n)"
check "rejects: columns named where PostgreSQL names one" "qty name" "$(/usr/bin/python3 -c '
import json
cols = {}
for l in open("rej.ndjson"):
    r = json.loads(l)
    cols.setdefault(r["sqlstate"], set()).add(r["column"])
print(" ".join(c for s in ("22P02", "22001") for c in sorted(cols[s])))')"
check "rejects: the record kept as JSON, or raw when it is not" "83 1" "$(/usr/bin/python3 -c '
import json
rs = [json.loads(l) for l in open("rej.ndjson")]
print(sum("record" in r for r in rs), sum("raw" in r for r in rs) // 17)')"
check "rejects: all other rows in the table" "9900" \
	"$(sql "select count(*) from child where id % 100 <> 50 or (id % 600) in (50, 450)")"
check "rejects: no bad row loaded" "0" "$(sql "select count(*) from child where name = 'abcdefghij' or qty is null or parent_id = 999")"
check "rejects: summary json adds up" "10000 = 9900 + 100 + 0, status 1" "$(/usr/bin/python3 -c '
import json
d = json.load(open("sum.json"))
print("%d = %d + %d + %d, status %d" % (d["read"], d["loaded"], d["rejected"], d["skipped"], d["status"]))')"

# --max-rejects exceeded: stop, nothing committed
sql 'truncate child'
run pg-copy-load -q -t child --max-rejects=10 --rejects=rej2.ndjson bad.ndjson
check "max-rejects exceeded: status, message" "1|pg-copy-load: more than 10 rows rejected (--max-rejects): stopping" \
	"$status|$(echo "$errout" | head -1)"
check "max-rejects exceeded: nothing committed" "0" "$(sql 'select count(*) from child')"

# --dry-run rejects what a real load would, and commits nothing
run pg-copy-load -q -t child --dry-run --rejects=dry.ndjson bad.ndjson
check "dry run: status, nothing committed" "1|0" "$status|$(sql 'select count(*) from child')"
check "dry run: the same rejects as the real load" "$(cut -d, -f2 rej.ndjson)" "$(cut -d, -f2 dry.ndjson)"

# kill the loading backend mid-load, then run again with --resume
/usr/bin/python3 -c '
import sys, time
for i in range(1, 60001):
    sys.stdout.write("{\"x\":%d,\"pad\":\"%s\"}\n" % (i, "p" * 20))
    if i % 2000 == 0:
        sys.stdout.flush(); time.sleep(0.05)' >slow.ndjson
sql 'create table r (x int primary key, pad text)'
slow() { /usr/bin/python3 -c '
import sys, time
for n, l in enumerate(open("slow.ndjson"), 1):
    sys.stdout.write(l)
    if n % 2000 == 0:
        sys.stdout.flush(); time.sleep(0.05)' 2>/dev/null; }
(slow | pg-copy-load -q -t r --resume=job --batch-commit --batch-rows=1000 --retries=0 >kill.out 2>&1; echo $? >kill.status) &
for _ in $(seq 1 100); do
	[ "$(sql "select count(*) from ndjson_migrate_ledger where id = 'job'" 2>/dev/null)" -ge 5 ] 2>/dev/null && break
	sleep 0.1
done
sql "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'pg-copy-load'" >/dev/null
wait
check "killed: exit 3" "3" "$(cat kill.status)"
# libpq words it by where the kill lands: any of its connection-lost lines
# (with the table, or the input line when the kill lands inside a COPY)
check "killed: says why, in one line" "1" "$(grep -c -m1 -E '^pg-copy-load: .*(terminating connection due to administrator command|server closed the connection unexpectedly; This probably means|could not send data to server|connection to server was lost|no connection to the server)' kill.out)"
grep -q -E '^pg-copy-load: .*(terminating|closed the connection|could not send|was lost|no connection)' kill.out || cat kill.out
partial=$(sql 'select count(*) from r')
check "killed: part committed, batch by batch" "0" "$(( partial % 1000 ))"
check "killed: not all" "1" "$(( partial > 0 && partial < 60000 ))"
run sh -c 'slow() { cat slow.ndjson; }; slow | pg-copy-load -t r --resume=job --batch-commit --batch-rows=1000'
check "resumed: status" "0" "$status"
check "resumed: skipped what was committed" "pg-copy-load: total: $((60000 - partial)) read, $((60000 - partial)) loaded, 0 rejected, $partial skipped" \
	"$(echo "$errout" | grep total | sed 's/, [0-9.]* s, .*//')"
check "resumed: the table equals the source" "60000|60000|1|60000|1800030000" \
	"$(sql 'select count(*), count(distinct x), min(x), max(x), sum(x) from r')"

# one load of a job at a time: a second one started while the first runs
# (make run twice, cron overlapping) waits for it a few seconds, then stops
# with nothing loaded; the first ends whole
sql 'truncate r' >/dev/null
(
	{
		cat slow.ndjson
		sleep 8
	} | pg-copy-load -q -t r --resume=overlap --batch-commit --batch-rows=1000 >o1.out 2>&1
	echo $? >o1.status
) &
for _ in $(seq 1 100); do
	[ "$(sql "select count(*) from ndjson_migrate_ledger where id = 'overlap'" 2>/dev/null)" -ge 1 ] 2>/dev/null && break
	sleep 0.1
done
run sh -c 'pg-copy-load -q -t r --resume=overlap --batch-commit --batch-rows=1000 <slow.ndjson'
check "a second load of a running job: exit 3, why, nothing loaded by it" \
	"3|pg-copy-load: --resume=overlap: another load of this job is running (it holds the job's lock); nothing loaded" \
	"$status|$errout"
wait
check "the first load ends whole, every row once" "0||60000|60000" \
	"$(cat o1.status)|$(cat o1.out)|$(sql 'select count(*), count(distinct x) from r')"
run sh -c 'pg-copy-load -q -t r --resume=overlap --batch-commit <slow.ndjson'
check "run again after it: every line skipped" "0|60000|" "$status|$(sql 'select count(*) from r')|$errout"

# the same, but pg-copy-load reconnects by itself, twice
kill_loader() {
	for _ in $(seq 1 100); do
		[ "$(sql "select count(*) from ndjson_migrate_ledger where id = '$1'" 2>/dev/null)" -ge "$2" ] 2>/dev/null && break
		sleep 0.1
	done
	sql "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'pg-copy-load'" >/dev/null
}
sql 'truncate r'
(slow | pg-copy-load -t r --resume=auto --batch-commit --batch-rows=1000 >auto.out 2>&1; echo $? >auto.status) &
kill_loader auto 5
kill_loader auto 25
wait
check "reconnects: exit 0" "0" "$(cat auto.status)"
check "reconnects: said so, twice" "2" "$(grep -c 'retrying the batch of <stdin> lines [0-9]*-[0-9]* in 1 s (attempt 1 of 5)' auto.out)"
check "reconnects: the table equals the source" "60000|60000|1|60000|1800030000" \
	"$(sql 'select count(*), count(distinct x), min(x), max(x), sum(x) from r')"
check "reconnects: the summary adds up" "pg-copy-load: public.r: 60000 read, 60000 loaded, 0 rejected" \
	"$(grep summary -v auto.out | grep 'read,' | sed 's/, [0-9.]* s, .*//')"

# a COMMIT cut off before it happened (the backend dies in it: a deferred
# trigger on the ledger ends its own session, once, at the third batch):
# the ledger says not committed, the batch goes again, counted once
sql "truncate r;
	create table cut (done boolean);
	create function cut_commit() returns trigger language plpgsql as \$\$
	begin
		if new.id = 'cut' and new.first_line = 2001 and not exists (select 1 from cut) then
			-- remembered outside the dying transaction
			perform dblink_exec(format('dbname=%s host=%s port=%s user=%s', current_database(),
				current_setting('unix_socket_directories'), current_setting('port'), current_user),
				'insert into cut values (true)');
			perform pg_terminate_backend(pg_backend_pid());
		end if;
		return null;
	end \$\$;"
sql 'create extension if not exists dblink'
sql 'create constraint trigger cut_commit after insert on ndjson_migrate_ledger deferrable initially deferred
	for each row execute function cut_commit()'
seq 1 5000 | sed 's/.*/{"x":&}/' >cut.ndjson
run pg-copy-load -t r --resume=cut --batch-commit --batch-rows=1000 cut.ndjson
check "cut-off commit: retried, exit 0" "0|1" "$status|$(echo "$errout" | grep -c 'retrying the batch of .*cut.ndjson lines 2001-3000')"
check "cut-off commit: it had not happened" "t" "$(sql 'select done from cut')"
check "cut-off commit: the table equals the source, counted once" "5000|5000|12502500|pg-copy-load: public.r: 5000 read, 5000 loaded, 0 rejected" \
	"$(sql 'select count(*), count(distinct x), sum(x) from r')|$(echo "$errout" | grep 'read,' | sed 's/, [0-9.]* s, .*//')"
sql 'drop trigger cut_commit on ndjson_migrate_ledger'

# in one transaction nothing can be retried: stop, commit nothing, say so
sql 'truncate r'
(slow | pg-copy-load -q -t r --batch-rows=1000 >one.out 2>&1; echo $? >one.status) &
sleep 1
sql "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'pg-copy-load'" >/dev/null
wait
check "one transaction, killed: exit 3, nothing committed" "3|0" "$(cat one.status)|$(sql 'select count(*) from r')"
check "one transaction, killed: says so" "1" "$(grep -c 'one transaction: nothing was committed; run again' one.out)"

# upsert: change 10% of the source; exactly those rows change
sql 'create table u (id int primary key, name text, n int)'
/usr/bin/python3 -c '
for i in range(1, 1001): print("{\"id\":%d,\"name\":\"v1-%d\",\"n\":%d}" % (i, i, i))' >u1.ndjson
/usr/bin/python3 -c '
for i in range(1, 1001):
    v = "v2" if i % 10 == 0 else "v1"
    print("{\"id\":%d,\"name\":\"%s-%d\",\"n\":%d}" % (i, v, i, i))' >u2.ndjson
run pg-copy-load -q -t u --upsert=id u1.ndjson
sql 'create table before as select id, xmin::text as x from u'
run pg-copy-load -t u --upsert=id u2.ndjson
check "upsert: status" "0" "$status"
check "upsert: exactly the changed rows were rewritten" "100|100" \
	"$(sql "select count(*), count(*) filter (where u.name like 'v2-%') from u join before b using (id) where u.xmin::text <> b.x")"
check "upsert: contents" "1000|100" "$(sql "select count(*), count(*) filter (where name like 'v2-%') from u")"
printf '{"id":1001,"name":"new","n":0}\n{"id":1,"name":"ignored","n":0}\n' >u3.ndjson
run pg-copy-load -q -t u --upsert=id --on-conflict=ignore u3.ndjson
check "upsert ignore: new row in, existing untouched" "0|new|v1-1" "$status|$(sql 'select name from u where id = 1001')|$(sql 'select name from u where id = 1')"
run pg-copy-load -q -t u --upsert=id --on-conflict=error --max-rejects=5 --rejects=u.rej u3.ndjson
check "upsert error: existing keys rejected" "1|2" "$status|$(wc -l <u.rej)"
check_run "upsert: unknown key column" 2 "pg-copy-load: --upsert: public.u has no column nope" pg-copy-load -q -t u --upsert=nope u3.ndjson
# a GENERATED ALWAYS identity (pgmq's msg_id) takes the record's value, as COPY gives it
sql 'create table ga (id bigint primary key generated always as identity, v text)'
printf '{"id":7,"v":"a"}\n{"id":9,"v":"b"}\n' >ga1.ndjson
printf '{"id":7,"v":"c"}\n' >ga2.ndjson
run pg-copy-load -q -t ga ga1.ndjson
run pg-copy-load -q -t ga --upsert=id ga2.ndjson
check "upsert into a GENERATED ALWAYS identity" "0|7:c,9:b" "$status|$(sql "select string_agg(id || ':' || v, ',' order by id) from ga")"
# routed tables, each with its own key: --upsert=TABLE:COLS, repeated
sql 'create table ua (id int primary key, v text); create table ub (name text primary key, n int)'
printf '%s\n' '{"$table":"ua","id":1,"v":"a"}' '{"$table":"ub","name":"x","n":1}' >uab1.ndjson
printf '%s\n' '{"$table":"ua","id":1,"v":"b"}' '{"$table":"ub","name":"x","n":2}' '{"$table":"ub","name":"y","n":3}' >uab2.ndjson
run pg-copy-load -q --upsert=ua:id --upsert=ub:name uab1.ndjson
run pg-copy-load -q --upsert=ua:id --upsert=ub:name uab2.ndjson
check "upsert: a key for each routed table" "0|1:b|x:2,y:3" "$status|$(sql "select id || ':' || v from ua")|$(sql "select string_agg(name || ':' || n, ',' order by name) from ub")"
check_run "upsert: a routed table with no key given" 2 "pg-copy-load: --upsert: no key columns for table public.ub" \
	pg-copy-load -q --upsert=ua:id uab2.ndjson
# key columns are read as -t reads names: "Quoted" exactly, unquoted folded
sql 'create table uq (id int not null, "B" int not null, "b c" text, v text, primary key (id, "B"), unique ("b c"))'
printf '{"id":1,"B":1,"v":"a"}\n{"id":1,"B":1,"v":"b"}\n' >uq.ndjson
run pg-copy-load -q -t uq --upsert='ID,"B"' uq.ndjson
check "upsert: a quoted key column" "0|1|b" "$status|$(sql 'select count(*), max(v) from uq')"
check_run "upsert: a quoted name matches exactly" 2 'pg-copy-load: --upsert: public.uq has no column "b"' \
	pg-copy-load -q -t uq --upsert='id,"b"' uq.ndjson
check_run "upsert: a stray quote" 2 'pg-copy-load: --upsert: cannot read the column list id,"B' \
	pg-copy-load -q -t uq --upsert='id,"B' uq.ndjson
printf '{"id":7,"B":7,"b c":"k","v":"x"}\n{"id":7,"B":7,"b c":"k","v":"y"}\n' >ubc.ndjson
run pg-copy-load -q -t uq --upsert='"b c"' ubc.ndjson
check "upsert: a quoted name with a space, its own unique index" "0|y" "$status|$(sql "select v from uq where id = 7")"
# no unique index ON CONFLICT can use: a usage error before any row
check_run "upsert: no matching unique index" 2 'pg-copy-load: --upsert: public.uq has no primary key or unique index on exactly (id), which ON CONFLICT needs' \
	pg-copy-load -q -t uq --upsert=id uq.ndjson
# a NULL key: the user's table, the column and the line, never the stage
printf '{"id":2,"B":2}\n{"id":null,"B":3}\n{"id":4,"B":4}\n' >unull.ndjson
check_run "upsert: a NULL key fails naming table, column, line" 1 'pg-copy-load: unull.ndjson:2: column id: null value in column "id" of relation "uq" violates not-null constraint
DETAIL: Failing row contains (null, 3, null, null).' \
	pg-copy-load -q -t uq --upsert='id,"B"' unull.ndjson
run pg-copy-load -q -t uq --upsert='id,"B"' --max-rejects=5 --rejects=unull.rej unull.ndjson
check "upsert: a NULL key rejected by line and column" "1|2 id uq|4" "$status|$(/usr/bin/python3 -c '
import json
for l in open("unull.rej"):
    r = json.loads(l); print(r["line"], r["column"], "uq" if "\"uq\"" in r["error"] and "stage" not in r["error"] else r["error"])')|$(sql 'select count(*) from uq')"

# interleaved tables, routed by $table, hostile names included
sql 'create table a (x int); create table "B" (y text); create table "My ""Odd""; Table" ("Wéird" text)'
/usr/bin/python3 -c '
import json
for i in range(300):
    t = ["a", "B", "My \"Odd\"; Table"][i % 3]
    r = {"$table": t}
    if t == "a": r["x"] = i
    elif t == "B": r["y"] = "y%d" % i
    else: r["wéird"] = "w%d" % i
    print(json.dumps(r, ensure_ascii=False))' >mixed.ndjson
run pg-copy-load mixed.ndjson
check "interleaved: status" "0" "$status"
check "interleaved: a line per table and a total" "pg-copy-load: public.a: 100 read, 100 loaded, 0 rejected
pg-copy-load: public.B: 100 read, 100 loaded, 0 rejected
pg-copy-load: public.My \"Odd\"; Table: 100 read, 100 loaded, 0 rejected
pg-copy-load: total: 300 read, 300 loaded, 0 rejected" "$(echo "$errout" | sed 's/, [0-9.]* s, .*//')"
check "interleaved: contents" "100|14850|100|100" \
	"$(sql 'select (select count(*) from a), (select sum(x) from a), (select count(*) from "B" where y like $$y%$$), (select count(*) from "My ""Odd""; Table" where "Wéird" like $$w%$$)')"

# --jobs: batches of a table in parallel on several connections
sql 'truncate child'
run pg-copy-load -t child --jobs=3 --batch-rows=500 --max-rejects=1000 --rejects=jobs.rej --resume=jobs bad.ndjson
check "jobs: the same rejects as one connection" "$(cut -d, -f2 rej.ndjson | sort)" "$(cut -d, -f2 jobs.rej | sort)"
check "jobs: counts" "1|pg-copy-load: public.child: 10000 read, 9900 loaded, 100 rejected" "$status|$(echo "$errout" | sed 's/, [0-9.]* s, .*//')"
check "jobs: the rows, once each" "9900|9900" "$(sql 'select count(*), count(distinct id) from child')"
check "jobs: every line in the ledger" "9900|100" "$(sql "select sum(loaded), sum(rejected) from ndjson_migrate_ledger where id = 'jobs'")"
run pg-copy-load -t child --jobs=3 --batch-rows=500 --max-rejects=1000 --rejects=jobs.rej --resume=jobs bad.ndjson
# the job's status: its earlier run rejected 100, said again
check "jobs: resumed, all skipped; the job's status, 1 for the earlier rejects" \
	"1|pg-copy-load: total: 0 read, 0 loaded, 0 rejected, 10000 skipped|pg-copy-load: --resume=jobs: 100 records rejected by earlier runs (see their rejects)" \
	"$status|$(echo "$errout" | grep total | sed 's/, [0-9.]* s, .*//')|$(echo "$errout" | grep 'earlier runs')"
sql 'create table uj (id int primary key, v text)'
/usr/bin/python3 -c '
for i in range(1, 3001): print("{\"id\":%d,\"v\":\"a\"}" % (i % 1000 + 1))' >uj.ndjson
run pg-copy-load -q -t uj --jobs=2 --batch-rows=300 --upsert=id uj.ndjson
check "jobs: upsert, keys repeated across batches" "0|1000" "$status|$(sql 'select count(*) from uj')"

# the routing field written with an escape is still the routing field
run sh -c 'printf "{\"\\\\u0024table\":\"a\",\"x\":7}\n" | pg-copy-load -q'
check "escaped \$table routes and is no column" "0|1" "$status|$(sql 'select count(*) from a where x = 7')"

# table options
seq 1 300 | sed 's/.*/{"x":&}/' >a.ndjson
run pg-copy-load -q -t a --truncate --unlogged a.ndjson
check "truncate + unlogged" "0|u" "$status|$(sql "select relpersistence from pg_class where relname = 'a'")"
check "truncate: emptied first" "300" "$(sql 'select count(*) from a')"
run pg-copy-load -q -t a --truncate --freeze a.ndjson
check "freeze" "0|300" "$status|$(sql 'select count(*) from a')"
check_run "freeze without truncate" 2 "pg-copy-load: --freeze needs --truncate or --create, one transaction, no --max-rejects and no --upsert (PostgreSQL freezes only rows of a table made or emptied in the same transaction)" pg-copy-load -t a --freeze mixed.ndjson

# a signal stops the load cleanly: one transaction, nothing committed
sql 'create table s (x int)'
(/usr/bin/python3 -c '
import sys, time
for i in range(100000):
    print("{\"x\":%d}" % i)
    if i % 1000 == 0: sys.stdout.flush(); time.sleep(0.03)' 2>/dev/null | pg-copy-load -t s >sig.out 2>&1; echo $? >sig.status) &
sleep 1
pkill -TERM -f 'pg-copy-load -t s$'
wait
check "SIGTERM: exit 3, says so" "3|1" "$(cat sig.status)|$(grep -c 'stopped by signal 15' sig.out)"
check "SIGTERM: nothing committed" "0" "$(sql 'select count(*) from s')"
check "SIGTERM: the summary says it" "1" "$(grep -c 'rolled back$' sig.out)"

# --progress on a slow stream
(/usr/bin/python3 -c '
import sys, time
for i in range(30000):
    print("{\"x\":%d}" % i)
    if i % 1000 == 0: sys.stdout.flush(); time.sleep(0.1)' | pg-copy-load --progress -t s >prog.out 2>&1)
check "progress: shown at least once" "1" "$(tr '\r' '\n' <prog.out | grep -c -m1 '^pg-copy-load: [0-9]* rows, [0-9.]* MB, [0-9]* rows/s, 0:0[0-9]$')"
# ---- a limit one row passes (54000) is that row's reject, not the load's end
sql "create table lim (id int primary key, v text unique, a int[])"
/usr/bin/python3 -c '
import json, random
r = random.Random(1)
print(json.dumps({"id": 1, "v": "a"}))
print(json.dumps({"id": 2, "v": "".join(chr(r.randrange(33, 126)) for _ in range(9000))}))
print(json.dumps({"id": 3, "v": "c", "a": "{{{{{{{1}}}}}}}"}))
print(json.dumps({"id": 4, "v": "d", "a": [[1]]}))' >lim.ndjson
run pg-copy-load -t lim --max-rejects=5 lim.ndjson
check "54000: an index row too big, an array of 7 dimensions: rejected by line, the rest loaded" \
	"1|pg-copy-load: lim.ndjson:2: rejected: index row requires 9016 bytes, maximum size is 8191
pg-copy-load: lim.ndjson:3: rejected: column a: number of array dimensions (7) exceeds the maximum allowed (6)|1 4" \
	"$status|$(echo "$errout" | grep rejected:)|$(sql 'select string_agg(id::text, $$ $$ order by id) from lim')"
finish
