# examples/celery-redis-to-pg-native end to end against real servers: a
# Redis whose broker database Celery's own client filled (10,000 tasks in two
# queues, priorities, countdowns and etas, 25 taken by a worker that died
# before acknowledging them) and whose cache database has 50,000 keys with
# mixed TTLs; PostgreSQL with pgmq and pg_cron.  The Makefile's phases, dry
# runs, validation, a second run and the rollback, each checked by readers
# that do not use our tools: Python's redis and json for the source,
# psycopg2 for the target, pgmq's own read and metrics.
. "$(dirname "$0")/lib.sh"
PG_EXTRA_CONF="shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'" pg_start || exit 3
port=$((27000 + $$ % 1000))
redis_start broker --port "$port" --bind 127.0.0.1 --enable-debug-command local || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
ex=$top/examples/celery-redis-to-pg-native
export REDIS_URL=redis://127.0.0.1:$port/0 CACHE_URL=redis://127.0.0.1:$port/1
TASKS=${TASKS:-10000} KEYS=${KEYS:-50000}
# the migration's moment, 20 minutes on: keys with less left (demo-data.py gives
# some 11 to 29 minutes) count as expired, and none expires while this runs
as_of=$(($(date +%s%3N) + 1200000))
# as the issue runs it: make -C the example's directory, its work files here
M() { make -s -C "$ex" WORK="$w/celery-migration" AS_OF_MS=$as_of "$@"; }

t0=$(date +%s%N)
/usr/bin/python3 "$ex/demo-data.py" "$REDIS_URL" "$CACHE_URL" "$TASKS" "$KEYS" 25 1 >sent.json
check "Celery's client filled the broker" "0" "$?"
# the source as the server itself digests it (every key, value and expiry of
# every database), before anything runs
snapshot() { redis-cli -p "$port" debug digest; }
before=$(snapshot)
pgstate() { sql "select (select count(*) from pg_extension where extname in ('pgmq', 'pg_cron')), to_regclass('public.cache') is null, to_regnamespace('celery_migration') is null"; }

# dry runs change nothing, and say what would move
run M dry-run
check "dry-run: status" "0" "$status"
check "dry-run: the queues it would create" "queue to create: {\"queue\":\"background_jobs\"}
queue to create: {\"queue\":\"email_notifications\"}" "$(echo "$out" | grep '^queue to create')"
check "dry-run: every message counted" "$TASKS" "$(echo "$out" | awk '/{"queue":"pgmq.q_/ {n += $1} END {print n}')"
check "dry-run: the schedules it would make" "3" "$(echo "$out" | grep -c '^SELECT cron.schedule')"
check "dry-run: nothing in PostgreSQL" "0|t|t" "$(pgstate)"
check "dry-run: nothing in Redis" "$before" "$(snapshot)"

# every phase, then every check
run M all
[ "$status" = 0 ] || echo "$errout" | tail -5
check "all: status" "0" "$status"
run M validate
[ "$status" = 0 ] || echo "$errout" | tail -5
check "validate: status" "0" "$status"
check "validate: pg-verify finds each queue the same" "2" \
	"$(echo "$errout" | grep -c '^pg-verify: pgmq.q_[a-z_]*: \([0-9]*\) source rows, \1 table rows: 0 missing, 0 extra, 0 changed, 0 duplicate, 0 invalid$')"
check "the broker is left as it was" "$before" "$(snapshot)"
t1=$(date +%s%N)

# the queues, by psycopg2, against what Celery's client sent and what the
# broker held (read with redis-py and json, decoded with base64)
check "queues: every task once, as sent" "ok" "$(/usr/bin/python3 - "$port" "$as_of" <<'PY'
import base64, datetime, json, psycopg2, redis, sys
from decimal import Decimal
port, as_of = int(sys.argv[1]), int(sys.argv[2])
sent = json.load(open("sent.json"), parse_float=lambda t: Decimal(repr(float(t))))
# the broker: each message's queue, priority step and eta, by kombu's format
b = redis.Redis(port=port, db=0)
broker = {}
for k in b.scan_iter(_type="list"):
    q = k.split(b"\x06\x16")[0].decode()
    for raw in b.lrange(k, 0, -1):
        m = json.loads(raw, parse_float=Decimal)
        broker[m["headers"]["id"]] = (q, m, False)
for tag, raw in b.hgetall("unacked").items():
    m, exchange, rk = json.loads(raw, parse_float=Decimal)
    broker[m["headers"]["id"]] = (rk.decode() if isinstance(rk, bytes) else rk, m, True)
bad = []
if set(broker) != set(sent):
    bad.append("the broker holds %d tasks, %d were sent" % (len(broker), len(sent)))
c = psycopg2.connect("")
cur = c.cursor()
rows = {}
for q in ("background_jobs", "email_notifications"):
    # JSON as text, numbers read exactly (a double's value is its shortest text)
    cur.execute("select msg_id, read_ct, vt, message::text, headers::text from pgmq.q_%s" % q)
    for msg_id, read_ct, vt, message, headers in cur.fetchall():
        message, headers = json.loads(message, parse_float=Decimal), json.loads(headers, parse_float=Decimal)
        cid = message["celery_id"]
        if cid in rows:
            bad.append("%s twice" % cid)
        rows[cid] = (q, msg_id, read_ct, vt, message, headers)
if set(rows) != set(sent):
    bad.append("%d rows for %d tasks" % (len(rows), len(sent)))
as_of_t = datetime.datetime.fromtimestamp(as_of // 1000, datetime.timezone.utc)
taken_ids, waiting_ids = [], []
for cid, s in sent.items():
    if cid not in rows or cid not in broker:
        continue
    q, msg_id, read_ct, vt, message, headers = rows[cid]
    bq, m, taken = broker[cid]
    args, kwargs, embed = json.loads(base64.b64decode(m["body"]), parse_float=lambda t: Decimal(repr(float(t))))
    if q != s["queue"] or bq != s["queue"]:
        bad.append("%s: queue %s, sent to %s" % (cid, q, s["queue"]))
    want = {"job_type": s["task"], "args": s["args"], "kwargs": s["kwargs"], "celery_id": cid,
            "priority": m["properties"]["priority"], "embed": embed}
    if message != want or args != s["args"] or kwargs != s["kwargs"]:
        bad.append("%s: message %r" % (cid, message))
    if headers != m["headers"]:
        bad.append("%s: headers" % cid)
    eta = m["headers"]["eta"]
    want_vt = datetime.datetime.fromisoformat(eta) if eta else as_of_t
    if vt != want_vt:
        bad.append("%s: vt %s, eta %s" % (cid, vt, eta))
    if read_ct != 0:
        bad.append("%s: read_ct" % cid)
    (taken_ids if taken else waiting_ids).append(msg_id)
if len(taken_ids) != 25 or max(taken_ids) >= min(waiting_ids):
    bad.append("the taken messages are not first in line")
print("ok" if not bad else "; ".join(bad[:4]))
PY
)"
# pgmq itself: metrics count them, read hands out each visible one once
check "pgmq.metrics counts every task" "$TASKS" "$(sql "select sum(queue_length) from pgmq.metrics_all()")"
visible=$(sql "select (select count(*) from pgmq.q_background_jobs where vt <= now()) + (select count(*) from pgmq.q_email_notifications where vt <= now())")
sql "select message->>'celery_id' from pgmq.read('background_jobs', 600, 100000)" >read.txt
sql "select message->>'celery_id' from pgmq.read('email_notifications', 600, 100000)" >>read.txt
check "pgmq.read: every visible task, once" "$visible|$visible" "$(wc -l <read.txt)|$(sort -u read.txt | wc -l)"
check "pgmq.read: a second read gets none of them" "0" "$(sql "select count(*) from pgmq.read('background_jobs', 600, 100000)")"
check "pgmq.send continues after the loaded ids" "t" \
	"$(sql "select pgmq.send('background_jobs', '{\"job_type\":\"later\"}') > (select max(msg_id) from pgmq.q_background_jobs where message->>'job_type' <> 'later')")"

# the cache, by psycopg2, against redis-py's view of each key
check "cache: every key, exactly, or skipped as expired" "ok" "$(/usr/bin/python3 - "$port" "$as_of" <<'PY'
import base64, datetime, json, psycopg2, redis, sys
from decimal import Decimal
port, as_of = int(sys.argv[1]), int(sys.argv[2])
r = redis.Redis(port=port, db=1)
c = psycopg2.connect("")
cur = c.cursor()
cur.execute("select cache_key, cache_value::text, (extract(epoch from expires_at) * 1000)::bigint from cache")
rows = {k: (v, e) for k, v, e in cur.fetchall()}
cur.execute("select cache_key, (extract(epoch from expired_at) * 1000)::bigint from celery_migration.cache_expired")
expired = dict(cur.fetchall())
bad, n, nexp = [], 0, 0
keys = list(r.scan_iter(count=1000))
p = r.pipeline(transaction=False)
for k in keys:
    p.get(k)
    p.pexpiretime(k)  # absolute ms, or -1
got_all = p.execute()
for i, k in enumerate(keys):
    n += 1
    key = k.decode()
    v, at = got_all[2 * i], got_all[2 * i + 1]
    # expire_at_ms is PEXPIRETIME, exact; but a key expiring within a
    # second after the moment may be gone before the dump reads it, and
    # is judged where it went
    near = at != -1 and abs(at - as_of) <= 1000
    if at != -1 and (at <= as_of if not near else key not in rows):
        nexp += 1
        if key in rows or (key in expired and expired[key] != at):
            bad.append("%s: expired at %d, not skipped" % (key, at))
        continue
    if key not in rows:
        bad.append("%s: missing" % key); continue
    got, exp = rows.pop(key)
    try:
        want = json.loads(v.decode(), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError):
        try:
            want = v.decode()
        except UnicodeDecodeError:
            want = {"$binary": {"base64": base64.b64encode(v).decode(), "subType": "00"}}
    if json.loads(got, parse_float=Decimal) != want:
        bad.append("%s: %r for %r" % (key, got, v))
    want_exp = as_of + 86400000 if at == -1 else at
    if exp != want_exp:
        bad.append("%s: expires %d, want %d" % (key, exp, want_exp))
if rows:
    bad.append("%d rows of no key" % len(rows))
if len(expired) != nexp or nexp == 0:
    bad.append("%d expired rows for %d expired keys" % (len(expired), nexp))
print("ok" if not bad else "; ".join(bad[:4]))
PY
)"
check "cache: an UNLOGGED table" "u" "$(sql "select relpersistence from pg_class where oid = 'cache'::regclass")"

# the schedules: the seed's three entries in cron.job, the functions enqueue
check "schedules: cron.job holds the beat entries" "beat:daily-oee-report|0 6 * * *|SELECT calculate_daily_oee()
beat:inventory-alerts|*/5 * * * *|SELECT check_inventory_thresholds()
beat:pm-work-orders|0 6 * * *|SELECT pgmq.send('background_jobs', jsonb_build_object('job_type', 'maintenance.tasks.generate_pm_work_orders', 'args', '[]'::jsonb, 'kwargs', '{}'::jsonb))" \
	"$(sql "select jobname, schedule, command from cron.job order by jobname")"
sql 'select calculate_daily_oee(), check_inventory_thresholds()' >/dev/null
check "schedules: the functions enqueue their tasks" "reports.tasks.calculate_daily_oee|inventory.tasks.check_inventory_alerts" \
	"$(sql "select (select message->>'job_type' from pgmq.q_background_jobs where message->>'job_type' like 'reports%' and message->>'celery_id' is null), (select message->>'job_type' from pgmq.q_email_notifications where message->>'celery_id' is null)")"
sql "select pgmq.delete('background_jobs', msg_id) from pgmq.q_background_jobs where message->>'celery_id' is null" >/dev/null
sql "select pgmq.delete('email_notifications', msg_id) from pgmq.q_email_notifications where message->>'celery_id' is null" >/dev/null

# a second run: the same rows, nothing twice
sum_before=$(sql "select count(*), sum(hashtext(message::text)) from pgmq.q_background_jobs")
run M all
check "run again: status" "0" "$status"
run M validate
check "run again: validate" "0" "$status"
check "run again: the same queue rows, none twice" "$sum_before" "$(sql "select count(*), sum(hashtext(message::text)) from pgmq.q_background_jobs")"
check "run again: three jobs" "3" "$(sql "select count(*) from cron.job")"

# a difference is found: validate fails when a row changed
sql "update pgmq.q_email_notifications set message = message || '{\"args\":[0]}' where msg_id = (select max(msg_id) from pgmq.q_email_notifications)"
run M validate-queues
check "validate: a changed message fails" "2|1" "$status|$(echo "$errout" | grep -c ' 0 missing, 0 extra, 1 changed')"
sql "delete from cache where cache_key = (select min(cache_key) from cache)"
run M validate-cache
check "validate: a missing cache key fails" "2" "$status"

# rollback: exactly what the migration made is gone
run M rollback
check "rollback: status" "0" "$status"
check "rollback: no extension, no cache, no migration schema" "0|t|t" "$(pgstate)"
run M rollback
check "rollback: again, nothing to do" "0" "$status"

# a message that is not JSON (a pickle serializer's: its body decodes to bytes,
# not text) fails the phase, by line
M extensions >/dev/null 2>&1
redis-cli -p "$port" lpush background_jobs '{"body": "gASVCAAAAAAAAACMBHRhc2uULg==", "content-type": "application/x-python-serialize", "headers": {"task": "t", "id": "p1"}, "properties": {"priority": 0}}' >/dev/null
run M queues
check "queues: a pickled message fails the phase, named" "2|1" \
	"$status|$(echo "$errout" | grep -c '^ndjson-map: .*/celery-migration/lists.ndjson:[0-9]*: column message: not a string: {"$binary":{"base64":"gASV')"
check "queues: and nothing of it is loaded" "0" "$(sql 'select count(*) from pgmq.q_background_jobs')"
M rollback >/dev/null 2>&1

# workflows and protocol 1, sent by Celery's own client: chains, link and
# link_error callbacks, a chord; task_protocol = 1 (args, callbacks and meta
# in the body, empty headers).  Each message carried whole: its embed (the
# rest of the workflow), or protocol 1's whole body, as kombu stored it.
# And a queue that held messages of its own keeps them through a run, a run
# again and rollback-queues.
redis-cli -p "$port" -n 0 flushdb >/dev/null
/usr/bin/python3 - "$REDIS_URL" "redis://127.0.0.1:$port/2" <<'PY' || exit 3
import sys
from celery import Celery, chain, chord
for proto in (2, 1):
    app = Celery("wf", broker=sys.argv[1], backend=sys.argv[2])
    app.conf.task_protocol = proto
    app.conf.task_default_queue = "background_jobs"
    @app.task(name="wf.add")
    def add(x, y=0):
        return x + y
    @app.task(name="wf.total")
    def total(xs):
        return sum(xs)
    add.apply_async((1, 2), link=add.s(10), link_error=add.s(99))
    chain(add.s(1, 2), add.s(3), add.s(4)).apply_async()
    if proto == 2:
        chord([add.s(i, i) for i in range(3)])(total.s())
    add.apply_async((2**70,), {"y": {"$type": "\u00e9\u4e2d"}}, countdown=3600)
PY
M extensions >/dev/null 2>&1
sql "select pgmq.send('background_jobs', '{\"own\": 1}'), pgmq.send('background_jobs', '{\"own\": 2}')" >/dev/null
own=$(sql "select msg_id, message from pgmq.q_background_jobs order by msg_id")
run M queues
check "workflows and protocol 1: queues, status" "0" "$status"
[ "$status" = 0 ] || echo "$errout" | tail -5
workflows() {
	/usr/bin/python3 - "$port" <<'PY'
import base64, json, psycopg2, redis, sys
from decimal import Decimal
b = redis.Redis(port=int(sys.argv[1]), db=0)
want = {}
for k in b.scan_iter(_type="list"):
    for raw in b.lrange(k, 0, -1):
        m = json.loads(raw, parse_float=Decimal)
        body = json.loads(base64.b64decode(m["body"]), parse_float=Decimal)
        h = m["headers"]
        if h.get("task"):  # protocol 2: [args, kwargs, embed]
            want[h["id"]] = {"job_type": h["task"], "args": body[0], "kwargs": body[1], "embed": body[2],
                             "celery_id": h["id"], "priority": m["properties"]["priority"]}
        else:  # protocol 1: the body is the task
            want[body["id"]] = {"job_type": body["task"], "args": body["args"], "kwargs": body["kwargs"],
                                "embed": body, "celery_id": body["id"], "priority": m["properties"]["priority"]}
cur = psycopg2.connect("").cursor()
cur.execute("select message::text from pgmq.q_background_jobs where message ? 'celery_id'")
got = {}
for (t,) in cur.fetchall():
    m = json.loads(t, parse_float=Decimal)
    got[m["celery_id"]] = m
bad = [k for k in set(want) | set(got) if want.get(k) != got.get(k)]
p1 = sum(1 for v in want.values() if "task" in v["embed"])
flows = sum(1 for v in want.values() if json.dumps(v["embed"], default=str).count('"task"') > (1 if "task" in v["embed"] else 0))
print("%d tasks, %d of protocol 1, %d with a workflow: %s" % (len(want), p1, flows,
      "ok" if not bad else "%d differ, e.g. %r: %r" % (len(bad), want.get(bad[0]), got.get(bad[0]))))
PY
}
mine() { sql "select msg_id, message from pgmq.q_background_jobs where not message ? 'celery_id' order by msg_id"; }
check "workflows and protocol 1: every message whole (embed, v1 body)" "9 tasks, 3 of protocol 1, 7 with a workflow: ok" "$(workflows)"
check "a queue's own messages stay" "$own" "$(mine)"
run M queues
check "a run again: status, the same messages, the queue's own kept" "0|9 tasks, 3 of protocol 1, 7 with a workflow: ok|$own" \
	"$status|$(workflows)|$(mine)"
run M rollback-queues
check "rollback-queues: exactly what was loaded goes" "0|$own" \
	"$status|$(sql "select msg_id, message from pgmq.q_background_jobs order by msg_id")"
# an app still sending during `queues`: the phase fails, loudly, before it
# loads anything (the broker read at one point in time, then again); once
# the producer stops, a run loads every message once
producer() { # SECONDS: Celery's client sends tasks for that long
	/usr/bin/python3 - "$REDIS_URL" "$1" <<'PY' &
import sys, time
from celery import Celery
app = Celery("p", broker=sys.argv[1])
app.conf.task_default_queue = "background_jobs"
end = time.time() + float(sys.argv[2])
i = 0
while time.time() < end:
    app.send_task("wf.add", (i, i))
    i += 1
PY
	prod=$!
	n0=$(redis-cli -p "$port" llen background_jobs)
	for _ in $(seq 200); do
		[ "$(redis-cli -p "$port" llen background_jobs)" -gt "$((n0 + 50))" ] && break
		sleep 0.05
	done
}
loaded() { sql "select count(*), count(distinct message->>'celery_id') from pgmq.q_background_jobs where message ? 'celery_id'"; }
for mode in yes no; do
	producer 8
	run M queues SNAPSHOT=$mode
	wait "$prod"
	check "a producer running, SNAPSHOT=$mode: queues fails, loudly, nothing loaded" "2|1|0|0" \
		"$status|$(echo "$errout" | grep -c '^queues: the broker changed while it was read ([0-9]* messages, then [0-9]*): a worker, beat or producer still runs; stop them all and run again; nothing loaded$')|$(loaded)"
	run M queues SNAPSHOT=$mode
	n=$(/usr/bin/python3 -c "import redis; r = redis.Redis(port=$port); print(sum(r.llen(k) for k in r.scan_iter(_type='list')) + r.hlen('unacked'))")
	check "the producer stopped, SNAPSHOT=$mode: every message once" "0|$n|$n" "$status|$(loaded)"
	M rollback-queues >/dev/null 2>&1
done
# a body that is neither protocol: the phase fails, naming it
redis-cli -p "$port" lpush background_jobs "{\"body\": \"$(printf '{"hello": 1}' | base64)\", \"content-type\": \"application/json\", \"headers\": {}, \"properties\": {\"priority\": 0}}" >/dev/null
run M queues
check "queues: a message of neither protocol fails the phase, named" "2|1|1" \
	"$status|$(echo "$errout" | grep -c '^queues: 1 messages are not Celery tasks (protocol 1 or 2); nothing loaded:$')|$(echo "$errout" | grep -c '^{"queue":"pgmq.q_background_jobs","msg_id":[0-9]*,"message":{"embed":{"hello":1},"priority":0},"headers":{}}$')"
check "... and nothing of it loaded" "$own" "$(sql "select msg_id, message from pgmq.q_background_jobs order by msg_id")"
M rollback >/dev/null 2>&1
t2=$(date +%s%N)
echo "celery-redis-to-pg-native: data $(( (t1 - t0) / 1000000 )) ms to migrated and validated; whole test $(( (t2 - t0) / 1000000 )) ms"
finish
