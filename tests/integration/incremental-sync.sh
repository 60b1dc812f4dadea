# examples/incremental-sync: sync-sqlite as cron runs it, against a real
# PostgreSQL: a first run loads everything; inserts, updates and deletes at
# the source, and a second run moves exactly those (rows not changed are not
# rewritten); the target equals the source (Python's sqlite3 and psycopg2);
# a bad row fails the run with nothing committed and the watermark kept, and
# the run after the fix moves it all; overlapping runs; quiet success.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
ex=$top/examples/incremental-sync
export SYNC_STATE=$w/state
sqlite3 app.db <"$ex/app.sql"
/usr/bin/python3 - <<'PY'
import sqlite3
c = sqlite3.connect("app.db")
c.executemany("insert into users (id, email, name) values (?, ?, ?)",
              [(i, "u%d@example.com" % i, ["Zoë", "O'Neil", None, "back\\slash"][i % 4]) for i in range(1, 1001)])
c.commit()
PY
# the target: the tables from the source's DDL, then what the sync needs
sqlite-dump-ndjson --ddl=pre --keys-in-pre app.db users users_deleted 2>/dev/null | psql -X -q -v ON_ERROR_STOP=1 2>/dev/null
psql -X -q -v ON_ERROR_STOP=1 -f "$ex/schema.sql"
psql -X -q -v ON_ERROR_STOP=1 -v t=users -v k=id -v by=change_seq -f "$ex/setup-table.sql"
same() { # the target holds exactly the source's users
	/usr/bin/python3 - <<'PY'
import psycopg2, sqlite3
s = sorted(sqlite3.connect("app.db").execute("select id, email, name, updated_at, change_seq from users").fetchall())
c = psycopg2.connect("").cursor()
c.execute("select id, email, name, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.MS'), change_seq from users order by id")
t = c.fetchall()
print("same" if s == t else "differ: %d vs %d rows, first %r" % (len(s), len(t), next(((a, b) for a, b in zip(s, t) if a != b), None)))
PY
}
S() { "$ex/sync-sqlite" app.db users:id:change_seq; }

run S
check "first run: quiet, status 0" "0||" "$status|$out|$errout"
check "first run: every row" "same" "$(same)"
check "first run: the watermark is the last change" "$(sqlite3 app.db 'select n from sync_seq')" \
	"$(sql "select watermark from sync_watermarks where table_name = 'users'")"

# changes at the source: 50 inserts, 30 updates, 20 deletes (one of them of a
# row just updated), and a row deleted and made again
sql "create table before as select id, xmin::text as x from users"
sleep 0.01
sqlite3 app.db "with recursive s(v) as (select 1 union all select v + 1 from s where v < 50)
	insert into users (id, email) select 1000 + v, 'new' || v || '@example.com' from s;
	update users set name = 'changed ' || id where id between 101 and 130;
	delete from users where id between 121 and 140;
	delete from users where id = 500; insert into users (id, email) values (500, 'again@example.com');"
run env VERBOSE=1 "$ex/sync-sqlite" app.db users:id:change_seq
check "second run: the changes, said in one line" "0|sync-sqlite: users: 71 rows changed, 21 deleted" \
	"$status|$(echo "$out" | sed 's/, watermark .*//')"
check "second run: the target equals the source" "same" "$(same)"
check "second run: only the changed rows were written" "71" \
	"$(sql "select count(*) from users u left join before b using (id) where b.x is null or b.x <> u.xmin::text")"
check "second run: the deleted rows are gone" "0|1" \
	"$(sql 'select count(*) from users where id between 121 and 140')|$(sql "select count(*) from users where id = 500 and email = 'again@example.com'")"
run S
check "a run with nothing new: quiet, nothing written" "0||same" "$status|$out$errout|$(same)"

# a row PostgreSQL refuses: nothing of the run commits, the watermark stays
wm=$(sql "select watermark from sync_watermarks where table_name = 'users'")
sleep 0.01
sqlite3 app.db "update users set name = 'ok ' || id where id between 1 and 5; insert into users (id, email, updated_at) values (2000, 'bad@example.com', 'soon')"
run S
check "a refused row fails the run: status, message" "1|1|1" \
	"$status|$(echo "$errout" | grep -c "column updated_at")|$(echo "$errout" | grep -c '^sync-sqlite: users: nothing committed; the next run tries the window again$')"
check "a refused row: nothing committed, the watermark kept" "0|$wm" \
	"$(sql "select count(*) from users where name like 'ok %'")|$(sql "select watermark from sync_watermarks where table_name = 'users'")"
sqlite3 app.db "update users set updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') where id = 2000"
run S
check "after the fix, the next run moves the whole window" "0|same" "$status|$(same)"

# one snapshot: a row deleted and made again between what a run reads is
# never deleted for good (a sqlite-dump-ndjson that lets the app do it
# right after its first read)
mkdir -p shim
cat >shim/sqlite-dump-ndjson <<SH
#!/bin/bash
$B/bin/sqlite-dump-ndjson "\$@"; st=\$?
[ -f $w/shim.once ] || { touch $w/shim.once; sqlite3 $w/app.db "delete from users where id = 7; insert into users (id, email) values (7, 'reborn@example.com')"; }
exit \$st
SH
chmod +x shim/sqlite-dump-ndjson
PATH=$w/shim:$PATH run S
check "deleted and made again while a run reads: the run" "0|" "$status|$errout"
run S
check "deleted and made again while a run reads: the next run has it" "0||same" "$status|$errout|$(same)"

# a writer of one-row commits (many in one millisecond: inserts, updates,
# deletes, rows made again) while runs start, overlap and are killed -9:
# every run 0 or 75, and after a quiet final run the target equals the source
cat >writer.py <<'PY'
import random, sqlite3, sys, time
c = sqlite3.connect("app.db", timeout=30, isolation_level=None)
c.execute("pragma journal_mode = wal")  # readers never wait for the writer
r = random.Random(int(sys.argv[1]))
end = time.time() + float(sys.argv[2])
n = 0
while time.time() < end:
    i = r.randrange(3000, 3300)
    op = r.random()
    if op < 0.4:
        c.execute("insert or replace into users (id, email) values (?, ?)", (i, "w%d@example.com" % n))
    elif op < 0.7:
        c.execute("update users set name = ? where id = ?", ("n%d" % n, i))
    elif op < 0.9:
        c.execute("delete from users where id = ?", (i,))
    else:
        c.execute("begin immediate")
        c.execute("delete from users where id = ?", (i,))
        c.execute("insert into users (id, email) values (?, ?)", (i, "again%d@example.com" % n))
        c.execute("commit")
    n += 1
print(n)
PY
/usr/bin/python3 writer.py "${SEED:-$$}" 6 >writes.txt &
writer=$!
bad=0 runs=0 killed=0
while kill -0 "$writer" 2>/dev/null; do
	case $((RANDOM % 4)) in
	0) # two at once: one of them waits its turn (75)
		S >/dev/null 2>run.err &
		p=$!
		S 2>>run.err || { st=$?; [ "$st" = 75 ] || bad=$((bad + 1)); }
		wait "$p" || { st=$?; [ "$st" = 75 ] || bad=$((bad + 1)); }
		runs=$((runs + 2))
		;;
	1) # killed -9 part way
		S >/dev/null 2>&1 &
		p=$!
		sleep "0.0$((RANDOM % 9))"
		kill -9 "$p" 2>/dev/null && killed=$((killed + 1))
		wait "$p" 2>/dev/null
		;;
	*) # 75 too: a killed run's pg-copy-load may still hold the lock
		S 2>>run.err || { st=$?; [ "$st" = 75 ] || bad=$((bad + 1)); }
		runs=$((runs + 1))
		;;
	esac
done
wait "$writer"
flock "$SYNC_STATE/lock" true # what a killed run left running ends
run S
check "a concurrent writer ($(cat writes.txt) commits, $runs runs, $killed killed): every run 0 or 75" "0" "$bad"
[ "$bad" = 0 ] || head -5 run.err
check "a concurrent writer: after a quiet final run the target equals the source" "0||same" "$status|$errout|$(same)"

# MongoDB: a mongodump of the task collection each run (written by pymongo's
# bson), sync-mongo with the mongo-to-postgres example's table and map
mongo_dump() { # STEP: the collection as it is at that step
	/usr/bin/python3 - "$1" <<'PY'
import bson, datetime, json, os, random, sys, uuid
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions
step = int(sys.argv[1])
o = CodecOptions(uuid_representation=UuidRepresentation.STANDARD, tz_aware=True)
r = random.Random(5)
t0 = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
docs = {}
for i in range(500):
    docs[i] = {"_id": bson.ObjectId(b"%012d" % i), "uid": uuid.UUID(int=i + 1), "task": "t%d" % (i % 5),
               "namespace": "factory", "status": "PENDING", "priority": i % 10, "eta": None,
               "args": [i, "Zoë", 2**62], "kwargs": {"$meta": i}, "revision": 1,
               "created_at": t0, "updated_at": t0 + datetime.timedelta(seconds=i, milliseconds=i % 1000)}
if step >= 2:  # 40 new, 25 changed (updated_at moves), 15 deleted
    later = t0 + datetime.timedelta(days=1)
    for i in range(500, 540):
        docs[i] = dict(docs[0], _id=bson.ObjectId(b"%012d" % i), uid=uuid.UUID(int=i + 1), args=[i],
                       updated_at=later + datetime.timedelta(milliseconds=i))
    for i in range(100, 125):
        docs[i] = dict(docs[i], status="SUCCESS", revision=2, updated_at=later + datetime.timedelta(seconds=1, milliseconds=i))
    for i in range(200, 215):
        del docs[i]
os.makedirs("mdump/factory", exist_ok=True)
with open("mdump/factory/task.bson", "wb") as f:
    for d in docs.values():
        f.write(bson.encode(d, codec_options=o))
with open("mdump/factory/task.metadata.json", "w") as f:
    json.dump({"indexes": [{"v": 2, "key": {"_id": 1}, "name": "_id_"},
                           {"v": 2, "key": {"uid": 1}, "name": "uid_1", "unique": True}]}, f)
PY
}
mongo_same() { # the table holds exactly the dump's documents
	/usr/bin/python3 - <<'PY'
import bson, psycopg2
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions
o = CodecOptions(uuid_representation=UuidRepresentation.STANDARD, tz_aware=True)
want = sorted((str(d["uid"]), str(d["_id"]), d["status"], d["revision"], d["updated_at"])
              for d in bson.decode_file_iter(open("mdump/factory/task.bson", "rb"), codec_options=o))
c = psycopg2.connect("").cursor()
c.execute("select uid::text, mongo_id, status, revision, updated_at from task order by 1")
got = c.fetchall()
print("same" if want == got else "differ: %d vs %d rows" % (len(want), len(got)))
PY
}
mongo_dump 1
psql -X -q -v ON_ERROR_STOP=1 -f "$top/examples/mongo-to-postgres/schema.sql"
sql 'create unique index on task (uid); create table task_deleted (uid uuid not null, deleted_at timestamptz not null default now())'
psql -X -q -v ON_ERROR_STOP=1 -v t=task -v k=uid -f "$ex/setup-table.sql"
SM() { "$ex/sync-mongo" mdump factory "task:uid:updated_at:$top/examples/mongo-to-postgres/task.map"; }
run SM
check "mongo: first run, quiet, every document" "0||same" "$status|$out$errout|$(mongo_same)"
sql "create table mbefore as select uid, xmin::text as x from task"
mongo_dump 2
run env VERBOSE=1 "$ex/sync-mongo" mdump factory "task:uid:updated_at:$top/examples/mongo-to-postgres/task.map"
check "mongo: second run, the changes said" "0|sync-mongo: task: 65 documents changed, 15 deleted" "$status|$(echo "$out" | sed 's/, watermark .*//')"
check "mongo: the table equals the dump" "same" "$(mongo_same)"
check "mongo: only the changed rows were written" "65" \
	"$(sql "select count(*) from task u left join mbefore b using (uid) where b.x is null or b.x <> u.xmin::text")"
# a change that did not move updated_at is found, not missed
sql "update task set status = 'LOST' where uid = '00000000-0000-0000-0000-000000000001'"
run SM
heal="sync-mongo: task: 1 rows differed from the source beyond the window (a change that did not move its field, or a dump taken while the source changed): rewritten from the source, the table now equals it (report: $SYNC_STATE/task.differs.ndjson)"
check "mongo: a difference the window cannot explain fails the run, healed" "1|$heal|same" \
	"$status|$errout|$(mongo_same)"
run SM
check "mongo: the run after it is clean" "0||same" "$status|$out$errout|$(mongo_same)"
# a dump taken while MongoDB changed: uid 2 read before its change, uid 3
# after a later one; the watermark passes uid 2's change, which the next
# dump holds below it: never stuck, the run heals the table and says so
mongo_edit() { # PYTHON: applied to docs (a list) of the dump's task.bson
	/usr/bin/python3 - "$1" <<'PY'
import bson, datetime, sys
from bson.codec_options import CodecOptions
from bson.binary import UuidRepresentation
o = CodecOptions(uuid_representation=UuidRepresentation.STANDARD, tz_aware=True)
docs = list(bson.decode_file_iter(open("mdump/factory/task.bson", "rb"), codec_options=o))
t0 = datetime.datetime(2026, 11, 5, tzinfo=datetime.timezone.utc)
exec(sys.argv[1])
with open("mdump/factory/task.bson", "wb") as f:
    for d in docs:
        f.write(bson.encode(d, codec_options=o))
PY
}
mongo_edit 'docs[2].update(status="RACED", updated_at=t0 + datetime.timedelta(seconds=20))'
run SM
check "mongo: a dump with a later change: taken" "0||same" "$status|$out$errout|$(mongo_same)"
mongo_edit 'docs[1].update(status="BEHIND", updated_at=t0 + datetime.timedelta(seconds=10))'
run SM
check "mongo: the change the watermark passed: healed and said" "1|$heal|same" "$status|$errout|$(mongo_same)"
run SM
check "mongo: the run after it is clean" "0||same" "$status|$out$errout|$(mongo_same)"

# an empty collection, or a dump without it: an error, nothing deleted
mbefore=$(sql 'select count(*) from task')
mv mdump/factory/task.bson task.bson.kept
: >mdump/factory/task.bson
check_run "mongo: an empty collection" 1 "sync-mongo: task: no documents in mdump's factory.task: an empty source is refused; nothing deleted" SM
check_run "mongo: a dump without the collection" 1 "mongo-dump-ndjson: --db=factori --collection=task: no such collection in the input" \
	"$ex/sync-mongo" mdump factori "task:uid:updated_at:$top/examples/mongo-to-postgres/task.map"
check "mongo: nothing deleted" "$mbefore" "$(sql 'select count(*) from task')"
mv task.bson.kept mdump/factory/task.bson

# Redis: the threadr app's users and subscriptions (redis-to-postgres's
# demo data and critical map), every run reading every key
port=${REDIS_PORT_TEST:-$((29000 + $$ % 1000))}
redis_start sync --port "$port" --bind 127.0.0.1 || exit 3
rurl=redis://127.0.0.1:$port/0
# its own database: the SQLite part above has a users table of its own
sql 'create database redis_sync' >/dev/null
export PGDATABASE=redis_sync SYNC_STATE=$w/rstate
/usr/bin/python3 "$top/examples/redis-to-postgres/demo-data.py" "$rurl" 500 4 || exit 3
psql -X -q -v ON_ERROR_STOP=1 -f "$top/examples/redis-to-postgres/schema.sql"
psql -X -q -v ON_ERROR_STOP=1 -f "$ex/schema.sql"
sql "create table users_deleted (email text not null, deleted_at timestamptz not null default now());
	create table subscriptions_deleted (email text not null, deleted_at timestamptz not null default now());
	insert into users values ('app@example.com', 1, 'app')"
psql -X -q -v ON_ERROR_STOP=1 -v t=users -v k=email -f "$ex/setup-table.sql"
psql -X -q -v ON_ERROR_STOP=1 -v t=subscriptions -v k=email -f "$ex/setup-table.sql"
export SYNC_MATCH='threadr:email:* threadr:premium:email:*'
SR() { "$ex/sync-redis" "$rurl" "$top/examples/redis-to-postgres/maps/critical.map" \
	"users:email:source like 'redis\_%'" "subscriptions:email:source like 'redis\_%'"; }
redis_same() { # the tables hold exactly the keys (and the app's own row)
	/usr/bin/python3 - "$port" <<'PY'
import psycopg2, redis, sys
r = redis.Redis(port=int(sys.argv[1]), decode_responses=True)
users = {k.split(":", 2)[2].lower(): int(r.get(k)) for k in r.scan_iter("threadr:email:*")}
subs = {k.split(":", 3)[3].lower(): r.hget(k, "plan") for k in r.scan_iter("threadr:premium:email:*")}
c = psycopg2.connect("").cursor()
c.execute("select email, user_id from users where source = 'redis_email'")
gu = dict(c.fetchall())
c.execute("select email, plan from subscriptions")
gs = dict(c.fetchall())
c.execute("select count(*) from users where source = 'app'")
app = c.fetchone()[0]
print("same" if (gu, gs, app) == (users, subs, 1) else "differ: %d/%d users, %d/%d subscriptions, %d app" %
      (len(gu), len(users), len(gs), len(subs), app))
PY
}
run SR; [ "$status" = 0 ] || echo "$errout" | head -5
check "redis: first run, quiet, every key" "0||same" "$status|$out$errout|$(redis_same)"
sql "create table rbefore as select email, xmin::text as x from users"
# 10 new users, 5 whose id changed, 7 deleted (their subscriptions too, when they had one)
redis-cli -p "$port" --scan --pattern 'threadr:email:*' | sort | head -12 >keys.txt
head -5 keys.txt | while read -r k; do redis-cli -p "$port" set "$k" 7 >/dev/null; done
tail -7 keys.txt | while read -r k; do redis-cli -p "$port" del "$k" "threadr:premium:email:${k#threadr:email:}" >/dev/null; done
for i in $(seq 1 10); do redis-cli -p "$port" set "threadr:email:new$i@example.com" "$i" >/dev/null; done
export VERBOSE=1
run SR
unset VERBOSE
check "redis: second run, the deletions said" "0|sync-redis: users: 503 keys read, 7 deleted" "$status|$(echo "$out" | head -1)"
check "redis: the tables equal the keys" "same" "$(redis_same)"
check "redis: only the new and changed rows were written" "15" \
	"$(sql "select count(*) from users u left join rbefore b using (email) where u.source = 'redis_email' and (b.x is null or b.x <> u.xmin::text)")"


# an empty source is an error, never "every row was deleted": a wrong
# database number in the URL, the patterns globbed against files of the
# current directory, SYNC_MATCH unset
counts() { sql "select (select count(*) from users), (select count(*) from subscriptions)"; }
before=$(counts)
msg="sync-redis: users: no keys read for it (REDIS_URL's database, SYNC_MATCH): an empty source is refused; nothing deleted"
check_run "redis: a wrong database number" 1 "$msg" \
	"$ex/sync-redis" "${rurl%/0}/5" "$top/examples/redis-to-postgres/maps/critical.map" "users:email:source like 'redis\_%'"
check "redis: a wrong database number deletes nothing" "$before|same" "$(counts)|$(redis_same)"
mkdir globbed && touch globbed/threadr:email:x globbed/notes.txt
(cd globbed && run SR && echo "$status|$errout|$(redis_same)" >../globbed.out)
check "redis: SYNC_MATCH is never globbed against the current directory" "0||same" "$(cat globbed.out)"
(cd globbed && SYNC_MATCH='*' run "$ex/sync-redis" "$rurl" "$top/examples/redis-to-postgres/maps/critical.map" \
	"users:email:source like 'redis\_%'" && echo "$status" >../star.out)
check "redis: SYNC_MATCH='*' reads every key (the map refuses the others)" "1" "$(cat star.out)"
check "redis: nothing deleted" "$before|same" "$(counts)|$(redis_same)"
check_run "redis: SYNC_MATCH unset" 2 "sync-redis: SYNC_MATCH is unset: name the keys the map takes (SCAN patterns, such as SYNC_MATCH='threadr:email:*'; '*' for all)" \
	env -u SYNC_MATCH "$ex/sync-redis" "$rurl" "$top/examples/redis-to-postgres/maps/critical.map" "users:email:source like 'redis\_%'"
# more deletions than SYNC_MAX_DELETE (100) stop the run until asked
redis-cli -p "$port" --scan --pattern 'threadr:email:*' | sort | tail -120 >gone.txt
while read -r k; do redis-cli -p "$port" del "$k" "threadr:premium:email:${k#threadr:email:}" >/dev/null; done <gone.txt
check_run "redis: 120 deletions, more than SYNC_MAX_DELETE" 1 \
	"sync-redis: users: 120 rows to delete, more than SYNC_MAX_DELETE=100: nothing deleted (the rows: $SYNC_STATE/users.deleted.ndjson); when the source did delete them, run once with SYNC_MAX_DELETE=120" SR
check "redis: over the bound, nothing deleted" "$(echo "$before" | cut -d'|' -f1)" "$(sql 'select count(*) from users')"
SYNC_MAX_DELETE=120 run SR
check "redis: SYNC_MAX_DELETE=120 lets them go" "0||same" "$status|$errout|$(redis_same)"

# the application writing while runs start, overlap and are killed -9:
# users made, changed, deleted and made again (with subscriptions); every
# run 0 or 75, and after a quiet final run the tables equal the keys
cat >rwriter.py <<'PY'
import random, redis, sys, time
r = redis.Redis(port=int(sys.argv[1]))
rnd = random.Random(int(sys.argv[2]))
end = time.time() + float(sys.argv[3])
n = 0
while time.time() < end:
    e = "w%d@example.com" % rnd.randrange(150)
    op = rnd.random()
    if op < 0.45:
        r.set("threadr:email:" + e, rnd.randrange(1, 10**9))
    elif op < 0.6:
        r.hset("threadr:premium:email:" + e, mapping={"plan": rnd.choice(["pro", "team"]), "started_at": 1700000000 + n})
    elif op < 0.85:
        r.delete("threadr:email:" + e, "threadr:premium:email:" + e)
    else:
        p = r.pipeline(transaction=True)
        p.delete("threadr:email:" + e)
        p.set("threadr:email:" + e, n)
        p.execute()
    n += 1
    time.sleep(0.0005)
print(n)
PY
/usr/bin/python3 rwriter.py "$port" "${SEED:-$$}" 6 >rwrites.txt &
writer=$!
bad=0 runs=0 killed=0
: >rrun.err
while kill -0 "$writer" 2>/dev/null; do
	case $((RANDOM % 4)) in
	0)
		SR >/dev/null 2>>rrun.err &
		p=$!
		SR 2>>rrun.err || { st=$?; [ "$st" = 75 ] || bad=$((bad + 1)); }
		wait "$p" || { st=$?; [ "$st" = 75 ] || bad=$((bad + 1)); }
		runs=$((runs + 2))
		;;
	1)
		SR >/dev/null 2>&1 &
		p=$!
		sleep "0.0$((RANDOM % 9))"
		kill -9 "$p" 2>/dev/null && killed=$((killed + 1))
		wait "$p" 2>/dev/null
		;;
	*)
		SR 2>>rrun.err || { st=$?; [ "$st" = 75 ] || bad=$((bad + 1)); }
		runs=$((runs + 1))
		;;
	esac
done
wait "$writer"
flock "$SYNC_STATE/lock" true
run SR
check "redis: a concurrent writer ($(cat rwrites.txt) writes, $runs runs, $killed killed): every run 0 or 75" "0" "$bad"
[ "$bad" = 0 ] || grep -v 'previous run still holds' rrun.err | head -5
check "redis: a concurrent writer: after a quiet final run the tables equal the keys" "0||same" "$status|$errout|$(redis_same)"

export PGDATABASE=postgres SYNC_STATE=$w/state
# runs never overlap: one holding the lock makes the next stop at once
flock "$SYNC_STATE/lock" sleep 3 &
sleep 0.5
run S
check "an overlapping run does nothing: status 75, said why" "75|sync-sqlite: the previous run still holds $SYNC_STATE/lock: this one did nothing" "$status|$errout"
wait
finish
