# examples/redis-to-postgres end to end against a real redis-server: the
# threadr app's keys (2,000 users: emails, premium hashes with and without a
# TTL, usage counters, preferences with a '$' field, cached threads), the
# audit, a dry run, the migration a priority at a time, validation, a re-run
# after keys changed (only those rows rewritten), continue-on-error, and a
# rollback that leaves the rows the app had written itself.  What arrived is
# read by psycopg2 and compared with redis-py's view of each key.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
port=${REDIS_PORT_TEST:-$((28000 + $$ % 1000))}
redis_start app --port "$port" --bind 127.0.0.1 || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
ex=$top/examples/redis-to-postgres
export REDIS_URL=redis://127.0.0.1:$port/0
M() { make -s -f "$ex/Makefile" "$@"; }

t0=$(date +%s%N)
/usr/bin/python3 "$ex/demo-data.py" "$REDIS_URL" 2000 3 || exit 3
M schema
# rows the app wrote before the migration: a rollback must leave them
sql "insert into users values ('old@example.com', 1, 'app'); insert into usage values (1, '2026-01-01', 5, null);
	insert into subscriptions values ('old@example.com', 'legacy', null, null, 'app')"
app_rows="1|1|1"
counts() { sql "select (select count(*) from users), (select count(*) from usage), (select count(*) from subscriptions)"; }

run M audit
check "audit: every key counted" "0|$(redis-cli -p "$port" dbsize)" \
	"$status|$(echo "$out" | sed -n 's/^{"what":"(all)","keys":\([0-9]*\),.*/\1/p')"
check "audit: keys per pattern" "5" "$(echo "$out" | grep -c '"what":"threadr:')"
run M migrate-dry-run PRIORITY=critical
check "migrate-dry-run: status, and nothing written" "0|$app_rows" "$status|$(counts)"
check "migrate-dry-run: the counts it would load" "2" "$(echo "$errout" | grep -c '^pg-copy-load: public\.\(users\|subscriptions\): [0-9]* read, [0-9]* loaded, 0 rejected.*dry run')"
check_run "a priority that is not one" 2 "$ex/Makefile:38: *** PRIORITY must be one of: critical high medium low.  Stop." M migrate PRIORITY=urgent

run M all
[ "$status" = 0 ] || echo "$errout" | tail -5
check "all: audit, every priority, validate" "0" "$status"
check "validate: pg-verify per table, the migration's rows" "5" \
	"$(echo "$errout" | grep -c '^pg-verify: public\.[a-z_]*: \([0-9]*\) source rows, \1 table rows: 0 missing, 0 extra, 0 changed, 0 duplicate, 0 invalid$')"
check "validate: active premium subscriptions equal, at one moment" "1" "$(echo "$out" | grep -c '^active premium subscriptions at [0-9]* ms: Redis dump \([0-9]*\), PostgreSQL \1$')"
t1=$(date +%s%N)

compare() { # every table against redis-py's view of the keys
	/usr/bin/python3 - "$port" <<'PY'
import datetime, json, psycopg2, re, redis, sys
r = redis.Redis(port=int(sys.argv[1]), decode_responses=True)
c = psycopg2.connect("")
cur = c.cursor()
def rows(q):
    cur.execute(q)
    return {t[0]: t[1:] for t in cur.fetchall()}
def ts(ms):
    return None if ms is None else datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
want = {"users": {}, "subscriptions": {}, "usage": {}, "user_prefs": {}, "cached_threads": {}}
exp = {}
for k in r.scan_iter(count=1000):
    t = r.type(k)
    if m := re.fullmatch(r"threadr:email:([^:]+)", k):
        want["users"][m[1].lower()] = (int(r.get(k)), "redis_email")
    elif m := re.fullmatch(r"threadr:premium:email:(.+)", k):
        h = r.hgetall(k)
        at = r.pexpiretime(k)
        exp[m[1].lower()] = None if at == -1 else at
        want["subscriptions"][m[1].lower()] = (h["plan"], ts(int(h["started_at"]) * 1000), "redis_email_premium")
    elif m := re.fullmatch(r"threadr:usage:([0-9]+):([0-9-]+)", k):
        want["usage"][(int(m[1]), datetime.date.fromisoformat(m[2]))] = (int(r.get(k)), "redis_usage")
    elif m := re.fullmatch(r"threadr:prefs:([0-9]+)", k):
        want["user_prefs"][int(m[1])] = (r.hgetall(k), "redis_prefs")
    elif m := re.fullmatch(r"threadr:thread:([0-9]+)", k):
        want["cached_threads"][int(m[1])] = (json.loads(r.get(k)), "redis_thread")
got = {
    "users": rows("select email, user_id, source from users where source like 'redis%'"),
    "subscriptions": rows("select email, plan, started_at, source from subscriptions where source like 'redis%'"),
    "usage": {(a, b): (n, src) for a, b, n, src in
              (cur.execute("select user_id, day, requests, source from usage where source like 'redis%'") or cur.fetchall())},
    "user_prefs": rows("select user_id, prefs, source from user_prefs where source like 'redis%'"),
    "cached_threads": rows("select thread_id, body, source from cached_threads where source like 'redis%'"),
}
bad = []
for t in want:
    if got[t] != want[t]:
        d = [k for k in set(want[t]) | set(got[t]) if want[t].get(k) != got[t].get(k)]
        bad.append("%s: %d differ, e.g. %r: %r vs %r" % (t, len(d), d[0], want[t].get(d[0]), got[t].get(d[0])))
cur.execute("select email, (extract(epoch from expires_at) * 1000)::bigint from subscriptions where source like 'redis%'")
for email, e in cur.fetchall():
    w = exp.get(email)
    if w != e:
        bad.append("%s: expires %r, want %r" % (email, e, w))
print("ok" if not bad else "; ".join(bad[:4]))
PY
}
check "every table, row by row, as redis-py reads the keys" "ok" "$(compare)"
check "the app's own rows are untouched" "$app_rows" "$(sql "select (select count(*) from users where source = 'app'), (select count(*) from usage where source is null), (select count(*) from subscriptions where source = 'app')")"

# new and changed keys: a re-run of the priority rewrites exactly those rows
sql "create table before as select user_id, day, xmin::text::bigint as x from usage"
redis-cli -p "$port" --scan --pattern 'threadr:usage:*' | sort | head -7 >changed.txt
while read -r k; do redis-cli -p "$port" incr "$k" >/dev/null; done <changed.txt
redis-cli -p "$port" set threadr:usage:1000000000001:2026-12-01 42 >/dev/null
redis-cli -p "$port" set threadr:usage:1000000000002:2026-12-01 43 >/dev/null
run M migrate PRIORITY=high
check "re-run: status" "0" "$status"
check "re-run: only the new and changed rows written" "9|2" \
	"$(sql "select count(*) from usage u left join before b using (user_id, day) where b.x is null or b.x <> u.xmin::text::bigint")|$(sql "select count(*) from usage u left join before b using (user_id, day) where b.x is null")"
check "re-run: the tables equal the keys again" "ok" "$(compare)"
run M validate
check "re-run: validate" "0" "$status"

# validate counts every table's verdict, not the last one's only
sql "update users set user_id = user_id + 1 where email in (select email from users where source = 'redis_email' order by email limit 10);
	delete from usage where (user_id, day) in (select user_id, day from usage where source = 'redis_usage' order by 1, 2 limit 5);
	update user_prefs set prefs = '{}' where user_id in (select user_id from user_prefs order by 1 limit 3)"
run M validate
check "validate: 10 changed users, 5 missing usage rows, 3 changed preferences" "2|3" \
	"$status|$(echo "$errout" | grep -c '^pg-verify: public\.\(users\|usage\|user_prefs\): .*\(10 changed\|5 missing\|3 changed\)')"
{ M migrate PRIORITY=critical && M migrate PRIORITY=high && M migrate PRIORITY=medium; } >/dev/null 2>&1
run M validate
check "validate: after the re-runs" "0" "$status"
# validate never passes having checked nothing: run from elsewhere (WORK is
# relative), or after a migrate that failed on a wrong REDIS_URL
run make -s -C / -f "$ex/Makefile" validate
check "validate from another directory: an error, named" "2|5" \
	"$status|$(echo "$errout" | grep -c '^validate: redis-migration/[a-z]*/[a-z_]*\.ndjson: no such file (priority [a-z]* not migrated, or WORK=redis-migration is not found from /)$')"
run M migrate PRIORITY=low REDIS_URL=redis://127.0.0.1:1/0
check "migrate with a wrong REDIS_URL fails" "2" "$status"
run M validate
check "... and validate still checks what the last good migrate wrote" "0|5" \
	"$status|$(echo "$errout" | grep -c '^pg-verify: public\.[a-z_]*: \([0-9]*\) source rows, \1 table rows: 0 missing, 0 extra, 0 changed, 0 duplicate, 0 invalid$')"
# a dry run after a migrate predicts what the migrate does (an upsert), and
# leaves the files validate compares against as they are
sum=$(cat redis-migration/critical/*.ndjson | md5sum)
redis-cli -p "$port" set threadr:email:dryrun@example.com 77 >/dev/null
run M migrate-dry-run PRIORITY=critical
check "migrate-dry-run after a migrate: status, counts, nothing written" "0|2|$(counts)" \
	"$status|$(echo "$errout" | grep -c '^pg-copy-load: public\.\(users\|subscriptions\): [0-9]* read, [0-9]* loaded, 0 rejected.*dry run')|$(counts)"
check "migrate-dry-run: validate's files untouched" "$sum" "$(cat redis-migration/critical/*.ndjson | md5sum)"
redis-cli -p "$port" del threadr:email:dryrun@example.com >/dev/null
# MAX_REJECTS: a row PostgreSQL refuses in the first table of a priority is
# set aside and the next tables go in too (pg-copy-load's exit 1 within
# the allowance is the load going on)
sql "alter table users add constraint small_ids check (user_id <> 424242)"
redis-cli -p "$port" set threadr:email:big@example.com 424242 >/dev/null
redis-cli -p "$port" hset threadr:premium:email:late@example.com plan pro started_at 1700000000 >/dev/null
run M migrate PRIORITY=critical MAX_REJECTS=10
check "MAX_REJECTS=10, a reject in the first table: the rest go in" "0|critical: users: 1 records set aside (MAX_REJECTS=10): redis-migration/critical.users.rejects.ndjson|0|1" \
	"$status|$(echo "$errout" | grep '^critical: ')|$(sql "select count(*) from users where email = 'big@example.com'")|$(sql "select count(*) from subscriptions where email = 'late@example.com'")"
run M migrate PRIORITY=critical
check "MAX_REJECTS=0: the reject stops the priority" "2" "$status"
redis-cli -p "$port" del threadr:email:big@example.com threadr:premium:email:late@example.com >/dev/null
sql "alter table users drop constraint small_ids"
M migrate PRIORITY=critical >/dev/null 2>&1

# continue-on-error: a bad counter stops the priority, unless MAX_REJECTS lets it aside
redis-cli -p "$port" set threadr:usage:1000000000003:2026-12-02 lots >/dev/null
run M migrate PRIORITY=high
check "a bad record stops the priority" "2|1" "$status|$(echo "$errout" | grep -c '^high: 1 records rejected by the mapping (MAX_REJECTS=0)')"
run M migrate PRIORITY=high MAX_REJECTS=5
check "MAX_REJECTS sets it aside and goes on" "0|1|lots" \
	"$status|$(wc -l <redis-migration/high.map-rejects.ndjson)|$(sed -n 's/.*requests: not an int: \\"\([a-z]*\)\\".*/\1/p' redis-migration/high.map-rejects.ndjson)"

# migrate never takes over a row the app wrote with the same key, and so
# rollback never deletes it
redis-cli -p "$port" set threadr:email:old@example.com 99 >/dev/null
run M migrate PRIORITY=critical
check "a key of a row the app wrote: the priority stops, naming it" "2|1|app" \
	"$status|$(echo "$errout" | grep -c '^pg-copy-load: redis-migration/critical/users\.ndjson:[0-9]*: row written by app, not by this migration (redis_email): not overwritten$')|$(sql "select source from users where email = 'old@example.com'")"
run M migrate PRIORITY=critical MAX_REJECTS=1
check "... or, with MAX_REJECTS, is set aside and the rest go in" "0|1|app" \
	"$status|$(wc -l <redis-migration/critical.users.rejects.ndjson)|$(sql "select source from users where email = 'old@example.com' and user_id = 1")"
run M rollback PRIORITY=critical
check "... and rollback leaves the app's row" "0|1" "$status|$(sql "select count(*) from users where email = 'old@example.com'")"
redis-cli -p "$port" del threadr:email:old@example.com >/dev/null
M migrate PRIORITY=critical >/dev/null 2>&1

# validate's subscription check counts both sides at one moment: a
# subscription that ends while validate runs (its psql slowed by 2.5 s)
redis-cli -p "$port" hset threadr:premium:email:ending@example.com plan pro started_at 1700000000 >/dev/null
redis-cli -p "$port" pexpireat threadr:premium:email:ending@example.com "$(($(date +%s%3N) + 2000))" >/dev/null
M migrate PRIORITY=critical >/dev/null 2>&1
mkdir -p slow
printf '#!/bin/sh\nsleep 2.5\nexec %s "$@"\n' "$(command -v psql)" >slow/psql
chmod +x slow/psql
PATH=$PWD/slow:$PATH run M validate VALIDATE=critical
check "validate: a subscription ending while it runs, one moment for both sides" "0|1" \
	"$status|$(echo "$out" | grep -c '^active premium subscriptions at [0-9]* ms: Redis dump \([0-9]*\), PostgreSQL \1$')"

# two keys that map to one row (emails that differ only in case) are an
# error, never one row for two records
redis-cli -p "$port" set threadr:email:Case@Example.com 5 >/dev/null
redis-cli -p "$port" set threadr:email:case@example.com 6 >/dev/null
before=$(counts)
run M migrate PRIORITY=critical
check "two keys, one row: the priority stops, naming the key" "2|critical: users: 1 keys twice in the mapped records (two Redis keys, one row; the first: {\"email\":\"case@example.com\"}): nothing loaded|$before" \
	"$status|$(echo "$errout" | grep '^critical: ')|$(counts)"
redis-cli -p "$port" del threadr:email:Case@Example.com threadr:email:case@example.com >/dev/null

# rollback: a priority, then all; what the app wrote stays
run M rollback PRIORITY=high
check "rollback high: the usage rows it wrote are gone, the app's stays" "0|1|1" \
	"$status|$(sql 'select count(*) from usage')|$(sql "select count(*) from usage where source is null")"
check "rollback high: the other priorities stay" "t" "$(sql "select count(*) > 1000 from users")"
run M rollback-all
check "rollback-all: only the app's rows are left" "0|$app_rows|0|0" \
	"$status|$(counts)|$(sql 'select count(*) from user_prefs')|$(sql 'select count(*) from cached_threads')"
echo "redis-to-postgres: audit to validated in $(( (t1 - t0) / 1000000 )) ms"
finish
