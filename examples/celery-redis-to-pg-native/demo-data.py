#!/usr/bin/python3
# A factory app's Redis, to try the migration on: Celery tasks enqueued by
# Celery's own client (apply_async; no worker runs) into two queues, some of
# them taken by a worker that died before acknowledging them, and cache keys
# with mixed TTLs.  Needs Debian's python3-celery and python3-redis.
#
#   demo-data.py BROKER_URL CACHE_URL [TASKS [CACHE_KEYS [TAKEN [SEED]]]] >sent.json
#
# Writes what it sent as JSON on stdout (task id -> queue, task, args, kwargs,
# eta), for a check that does not trust the tools.
import datetime
import json
import os
import random
import sys

import redis
from celery import Celery

broker, cache_url = sys.argv[1], sys.argv[2]
ntasks = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
nkeys = int(sys.argv[4]) if len(sys.argv) > 4 else 50000
ntaken = int(sys.argv[5]) if len(sys.argv) > 5 else 25
r = random.Random(int(sys.argv[6]) if len(sys.argv) > 6 else 0)

app = Celery("factory", broker=broker)
app.conf.update(enable_utc=True, timezone="UTC", task_serializer="json",
                accept_content=["json"])
TASKS = ["reports.tasks.calculate_daily_oee", "inventory.tasks.check_inventory_alerts",
         "maintenance.tasks.generate_pm_work_orders", "notifications.tasks.send_email"]
WORDS = ["Zoë", "Łódź", "東京", "emoji😀", "tab\there", 'quote"', "back\\slash", "", "$dollar"]


def value(depth=0):
    k = r.randrange(9 if depth < 2 else 6)
    if k == 0:
        return r.choice([0, -1, 2**63 - 1, -2**63, 2**70, -(2**100), r.randrange(10**9)])
    if k == 1:
        return r.choice([0.1, -2.5e-300, 1.7976931348623157e308, r.random()])
    if k in (2, 3):
        return r.choice(WORDS) + str(r.randrange(100))
    if k == 4:
        return r.choice([True, False, None])
    if k == 5:
        return "line %d" % r.randrange(10)
    if k in (6, 7):
        return [value(depth + 1) for _ in range(r.randrange(4))]
    return {r.choice(["a", "machine", "Zoë", "$type", "$binary"]): value(depth + 1)
            for _ in range(r.randrange(3))}


sent = {}
now = datetime.datetime.now(datetime.timezone.utc)
with app.producer_or_acquire() as producer:
    for i in range(ntasks):
        name = r.choice(TASKS)
        queue = "email_notifications" if name.startswith(("notif", "inventory")) else "background_jobs"
        args = [i] + [value() for _ in range(r.randrange(3))]
        kwargs = {"line": r.choice(WORDS), "n": value()} if r.random() < 0.7 else {}
        opts = {"queue": queue, "producer": producer}
        eta = None
        if r.random() < 0.1:
            opts["countdown"] = r.randrange(60, 7200)
        elif r.random() < 0.1:
            eta = now + datetime.timedelta(days=r.randrange(1, 400), microseconds=r.randrange(10**6))
            opts["eta"] = eta
        if r.random() < 0.3:
            opts["priority"] = r.randrange(10)
        res = app.signature(name, args=args, kwargs=kwargs).apply_async(**opts)
        sent[res.id] = {"queue": queue, "task": name, "args": args, "kwargs": kwargs}

# a worker takes some and dies before acknowledging them: kombu's unacked
# hash and index hold them (what a restarted worker would restore)
pid = os.fork()
if pid == 0:
    conn = app.connection()
    ch = conn.default_channel
    for q in ["background_jobs", "email_notifications"] * (ntaken // 2) + ["background_jobs"] * (ntaken % 2):
        ch.basic_get(queue=q, no_ack=False)
    os._exit(0)
os.waitpid(pid, 0)

# the cache: JSON, text, numbers, bytes; no TTL, TTLs of minutes and of days
c = redis.Redis.from_url(cache_url)
p = c.pipeline(transaction=False)
for i in range(nkeys):
    k = r.randrange(5)
    if k == 0:
        v = json.dumps({"user": i, "name": r.choice(WORDS), "tags": [value() for _ in range(2)]},
                       ensure_ascii=r.random() < 0.5)
    elif k == 1:
        v = r.choice(WORDS) + " plain text %d" % i
    elif k == 2:
        v = str(r.choice([i, -i, 2**70, 0.5]))
    elif k == 3:
        v = bytes([0xff, 0xfe]) + os.urandom(r.randrange(20))
    else:
        v = json.dumps(r.choice(WORDS))
    key = "cache:%s:%d" % (r.choice(["user", "oee", "inventory", "session"]), i)
    t = r.random()
    if t < 0.3:
        p.set(key, v)
    elif t < 0.5:
        p.set(key, v, px=r.randrange(660000, 1740000))  # 11 to 29 minutes
    else:
        p.set(key, v, px=r.randrange(3600000, 86400000 * 7))
    if i % 1000 == 999:
        p.execute()
p.execute()
json.dump(sent, sys.stdout, ensure_ascii=False)
