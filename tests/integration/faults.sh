# Faults at random points (issue 16).  PostgreSQL: a --batch-commit
# --resume load of 20,000 records (1% of them bad) stopped at a random
# moment by one of: its backend terminated, the server restarted with
# -m immediate (a crash and recovery), SIGTERM, SIGINT or SIGKILL to the
# loader; then run again with the same --resume id until it ends.  Every
# time: the table (no primary key, so a row loaded twice would show) equals
# the good records exactly, no duplicate and no gap; each bad record is in
# a rejects file; the ledger's counts equal the table's; the status is
# honest (3 for the stopped run unless it finished or reconnected by
# itself; 1 at the end, for the rejects).  FAULT_SEEDS=N for more rounds.
# Redis: a dump with its connection killed (CLIENT KILL) or the server
# restarted mid-way exits 3 with a message, never 0 with part of the keys.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
redis_start faults || exit 3
sock=$RD_DIR/faults/sock
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
rounds=${FAULT_SEEDS:-10}

/usr/bin/python3 - <<'PY'
import json, random
r = random.Random(16)
with open("src.ndjson", "w") as f, open("good.tsv", "w") as g, open("bad.txt", "w") as b:
    for i in range(1, 20001):
        if r.random() < 0.01:
            # a bad one: a text in an integer column, or a null in a NOT NULL one
            f.write(json.dumps(r.choice([{"id": i, "n": "x%d" % i, "v": "bad"}, {"id": i, "n": i, "v": None}])) + "\n")
            b.write("%d\n" % i)
        else:
            v = "".join(r.choice(["a", "é", "'", "\\", "\t", "☃"]) for _ in range(r.randrange(0, 20)))
            f.write(json.dumps({"id": i, "n": i * 7, "v": v}) + "\n")
            g.write("%d\t%d\t%s\n" % (i, i * 7, json.dumps(v)))
PY
sql 'create table f (id int, n int, v text not null)' >/dev/null

# the source, paced so that a load takes about two seconds
paced() { /usr/bin/python3 -c '
import sys, time
for n, l in enumerate(open("src.ndjson"), 1):
    sys.stdout.write(l)
    if n % 500 == 0:
        sys.stdout.flush(); time.sleep(0.05)' 2>/dev/null; }
load() { # the load again, from standard input as the first run read it
	pg-copy-load -t f --batch-commit --batch-rows=300 --resume=job --max-rejects=1000 \
		--rejects=rej.ndjson --retries="${1:-0}" <src.ndjson
}
# the table and rejects against the source, by Python: "ok" or what differs
agree() {
	/usr/bin/python3 - <<'PY'
import json, psycopg2
c = psycopg2.connect("")
cur = c.cursor()
cur.execute("select id, n, v from f")
rows = sorted(cur.fetchall())
want = []
for l in open("good.tsv"):
    i, n, v = l.rstrip("\n").split("\t")
    want.append((int(i), int(n), json.loads(v)))
bad = {int(l) for l in open("bad.txt")}
rejected = {json.loads(l)["line"] for l in open("rej.ndjson")} if __import__("os").path.exists("rej.ndjson") else set()
cur.execute("select coalesce(sum(loaded), 0), coalesce(sum(rejected), 0) from ndjson_migrate_ledger where id = 'job'")
loaded, nrej = cur.fetchone()
ids = [r[0] for r in rows]
if len(ids) != len(set(ids)):
    print("duplicates: %d rows, %d ids" % (len(ids), len(set(ids))))
elif rows != want:
    print("differ: %d rows, %d wanted; missing e.g. %r" % (len(rows), len(want), sorted(set(w[0] for w in want) - set(ids))[:3]))
elif rejected != bad:
    print("rejects: %d lines, %d bad; not written e.g. %r" % (len(rejected), len(bad), sorted(bad - rejected)[:3]))
elif (loaded, nrej) != (len(want), len(bad)):
    print("ledger: %d loaded, %d rejected; want %d, %d" % (loaded, nrej, len(want), len(bad)))
else:
    print("ok")
PY
}

kinds=(terminate restart term int kill)
r=$RANDOM
for round in $(seq 1 "$rounds"); do
	kind=${kinds[$(((round - 1) % ${#kinds[@]}))]}
	sql "truncate f; delete from ndjson_migrate_ledger where id = 'job'" >/dev/null 2>&1 || sql 'truncate f' >/dev/null
	rm -f rej.ndjson
	# a random moment in the load's two seconds
	delay=$(/usr/bin/python3 -c "import random; print('%.2f' % random.Random($round * 7919 + $r).uniform(0.1, 1.8))")
	retries=0
	[ "$kind" = restart ] && retries=5
	(paced | pg-copy-load -t f --batch-commit --batch-rows=300 --resume=job --max-rejects=1000 \
		--rejects=rej.ndjson --retries=$retries >first.out 2>&1; echo $? >first.status) &
	sleep "$delay"
	case $kind in
	terminate) sql "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'pg-copy-load'" >/dev/null ;;
	restart) pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w restart -o "-p $PGPORT" -l "$PG_DIR/server.log" >/dev/null ;;
	term) pkill -TERM -x pg-copy-load ;;
	int) pkill -INT -x pg-copy-load ;;
	kill) pkill -KILL -x pg-copy-load ;;
	esac
	wait
	first=$(cat first.status)
	[ -n "${FAULT_DEBUG-}" ] && echo "round $round $kind $delay: first $first, $(sql "select count(*) from f") rows, $(grep -c . rej.ndjson 2>/dev/null) rejects; $(tail -1 first.out)" >&2
	# the first run's status: 3 (stopped), 1 (it had finished, with its
	# rejects), or, killed by -9, the shell's 137; a restart it may ride out
	case $kind:$first in
	*:3 | *:1 | kill:137) ok=1 ;;
	*) ok=0 ;;
	esac
	check "round $round ($kind after ${delay} s): the stopped run's status is honest ($first)" 1 "$ok"
	# a run that says it finished (it rode out a restart) has every row in:
	# the server's acknowledged commits survive its crash
	[ "$first" = 1 ] && check "round $round ($kind): finished by itself: every row in already" "ok" "$(agree)"
	# again, as often as it takes (a restart may still be recovering)
	for _ in 1 2 3; do
		run load 5
		[ "$status" = 1 ] && break
		sleep 1
	done
	[ -n "${FAULT_DEBUG-}" ] && echo "   rejects file: $(wc -l <rej.ndjson) lines, $(cut -d, -f2 rej.ndjson | sort -u | wc -l) distinct" >&2
	check "round $round ($kind): resumed to the end: exit 1 (the rejects), the table, rejects and ledger exact" "1|ok" \
		"$status|$(agree)"
done

# the connection lost while its session lives on (a network failure the
# server has not noticed: a proxy cuts the client's side only): --retries
# connects again, ends the lost session that holds the job's lock, and the
# load ends exact
sql "truncate f; delete from ndjson_migrate_ledger where id = 'job'" >/dev/null
rm -f rej.ndjson proxy.ready
mkdir -p proxy
"$top/tests/integration/unix-proxy" "proxy/.s.PGSQL.$PGPORT" "$PGHOST/.s.PGSQL.$PGPORT" proxy.ready &
proxy=$!
for _ in $(seq 1 50); do [ -e proxy.ready ] && break; sleep 0.1; done
(paced | PGHOST=$w/proxy pg-copy-load -t f --batch-commit --batch-rows=300 --resume=job --max-rejects=1000 \
	--rejects=rej.ndjson --retries=3 >cut.out 2>&1; echo $? >cut.status) &
loader=$!
for _ in $(seq 1 100); do
	[ "$(sql "select count(*) from ndjson_migrate_ledger where id = 'job'")" -ge 3 ] && break
	sleep 0.05
done
kill -USR1 "$proxy"
wait "$loader"
[ "$(cat cut.status)" = 1 ] || tail -5 cut.out
check "connection cut, its session alive: retried, the lost session ended, exit 1 (the rejects), exact" "1|1|ok|0" \
	"$(cat cut.status)|$(grep -c 'retrying the batch' cut.out)|$(agree)|$(sql "select count(*) from pg_stat_activity where application_name = 'pg-copy-load'")"
kill "$proxy"
wait "$proxy" 2>/dev/null

# Redis: a dump whose connection is killed, or whose server restarts, part
# way: exit 3, never 0 with a part of the keys
redis-cli -s "$sock" eval 'for i = 1, 300000 do redis.call("set", "key:" .. i, string.rep("v", 40)) end' 0 >/dev/null
redis-cli -s "$sock" eval 'for i = 1, 2000 do redis.call("rpush", "list:" .. (i % 50), string.rep("x", 30)) end' 0 >/dev/null
total=$(redis-cli -s "$sock" dbsize)
for round in 1 2 3 4; do
	delay=$(/usr/bin/python3 -c "import random; print('%.2f' % random.Random($round + $r).uniform(0.05, 0.4))")
	(redis-dump-ndjson -s "$sock" --count=200 >dump.ndjson 2>dump.err; echo $? >dump.status) &
	sleep "$delay"
	redis-cli -s "$sock" client kill type normal skipme yes >/dev/null
	wait
	st=$(cat dump.status)
	n=$(wc -l <dump.ndjson)
	check "redis: connection killed after ${delay} s: exit 3 and a message, or 0 with every key" "ok" \
		"$( { [ "$st" = 3 ] && [ -s dump.err ]; } || { [ "$st" = 0 ] && [ "$n" = "$total" ]; } && echo ok || echo "status $st, $n of $total keys: $(cat dump.err)")"
done
# the server restarted: the dump stops with 3
(redis-dump-ndjson -s "$sock" --count=100 >dump.ndjson 2>dump.err; echo $? >dump.status) &
sleep 0.15
redis-cli -s "$sock" shutdown nosave >/dev/null 2>&1
wait
check "redis: the server gone mid-dump: exit 3 and a message" "3|1" "$(cat dump.status)|$(grep -c '^redis-dump-ndjson: ' dump.err)"
finish
