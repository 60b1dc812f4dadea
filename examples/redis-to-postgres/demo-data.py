#!/usr/bin/python3
# The threadr app's Redis, to try the migration on (Debian's python3-redis):
#   demo-data.py REDIS_URL [USERS [SEED]]
# users by email, premium subscriptions (hashes, with and without a TTL),
# usage counters a user and day, preferences (hashes), cached threads (JSON
# with a TTL).
import json
import random
import sys

import redis

c = redis.Redis.from_url(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
r = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
names = ["ann", "Bob", "zoë", "li.wei", "o'neil", "x+tag"]
p = c.pipeline(transaction=False)
for i in range(1, n + 1):
    email = "%s%d@Example.com" % (r.choice(names), i)
    p.set("threadr:email:" + email, str(10**12 + i))
    if r.random() < 0.3:
        k = "threadr:premium:email:" + email
        p.hset(k, mapping={"plan": r.choice(["premium", "team"]), "started_at": str(1700000000 + i)})
        if r.random() < 0.7:
            p.pexpire(k, r.randrange(86400000, 86400000 * 365))
    for d in r.sample(range(1, 29), r.randrange(0, 4)):
        p.set("threadr:usage:%d:2026-11-%02d" % (10**12 + i, d), str(r.randrange(0, 10**6)))
    if r.random() < 0.5:
        p.hset("threadr:prefs:%d" % (10**12 + i), mapping={"theme": r.choice(["dark", "light"]),
               "lang": r.choice(["en", "fr", "東京"]), "$flag": "1"})
    if r.random() < 0.3:
        p.set("threadr:thread:%d" % i, json.dumps({"title": "thread %d" % i, "posts": [r.randrange(10**15) for _ in range(3)],
              "by": email}, ensure_ascii=False), px=r.randrange(3600000, 86400000))
    if i % 500 == 0:
        p.execute()
p.execute()
