# A Redis-shaped dump (records as redis-dump-ndjson writes them) routed by
# ndjson-map into three tables by key patterns with named captures, loaded
# into PostgreSQL by pg-copy-load in one stream, then checked in SQL.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
ex=$top/examples/redis-routing
sql "$(cat "$ex/schema.sql")"

run bash -o pipefail -c "ndjson-map -f '$ex/threadr.map' --rejects='$PG_DIR/rej.ndjson' '$ex/keys.ndjson' | pg-copy-load"
check "routed and loaded; the session key matched no table" "1" "$status"
check "the one record no table took" '"line":8,"error":"no table matched"' "$(cut -d, -f2,3 "$PG_DIR/rej.ndjson")"
check "summary per table" "pg-copy-load: public.subscriptions: 2 read, 2 loaded, 0 rejected
pg-copy-load: public.emails: 2 read, 2 loaded, 0 rejected
pg-copy-load: public.usage: 3 read, 3 loaded, 0 rejected
pg-copy-load: total: 7 read, 7 loaded, 0 rejected" "$(echo "$errout" | sed 's/, [0-9.]* s, .*//')"
check "subscriptions" "ann@example.com|premium|2030-01-01 00:00:00+00
bob@example.com|premium|" "$(PGTZ=UTC sql 'select email, plan, expires from subscriptions order by 1')"
check "emails, lower-cased" "ann@example.com|1001
bob@example.com|1002" "$(sql 'select * from emails order by 1')"
check "usage" "1001|2024-05-01|17
1001|2024-05-02|3
1002|2024-05-01|250" "$(sql 'select * from usage order by 1, 2')"
check "usage joined to emails" "ann@example.com|20" \
	"$(sql 'select e.email, sum(u.requests) from usage u join emails e using (user_id) group by 1 order by 2 limit 1')"

# unmatched drop and pass
check "unmatched drop" "7" "$( (cat "$ex/threadr.map"; echo 'unmatched drop') >"$PG_DIR/drop.map"; ndjson-map -f "$PG_DIR/drop.map" "$ex/keys.ndjson" | wc -l)"
check "unmatched pass: the record as it was" '{"db":0,"key":"threadr:session:xyz","type":"hash","expire_at_ms":1700000000000,"value":{"user":"1001"}}' \
	"$( (cat "$ex/threadr.map"; echo 'unmatched pass') >"$PG_DIR/pass.map"; ndjson-map -f "$PG_DIR/pass.map" "$ex/keys.ndjson" | tail -1)"
# --split files a record by its "$table" wherever it is and however its
# key is spelled, with no table directive too: random records against a
# grouping in Python.
/usr/bin/python3 - "$PG_DIR" <<'PY'
import json, os, random, sys
d = sys.argv[1]
r = random.Random(3)
want = {}
with open(d + "/sp.ndjson", "w") as f:
    for i in range(400):
        kv = ['"i":%d' % i, '"v":%s' % json.dumps("x" * r.randint(0, 3))]
        t = r.choice([None, "t1", "t2", "s.t3", "é"])
        if r.random() < 0.1:
            kv.append('"$$table":"data"')
        if t:
            kv.insert(r.randint(0, len(kv)), r.choice(['"$table"', '"\\u0024table"']) + ":" + json.dumps(t, ensure_ascii=r.random() < 0.5))
        line = "{" + ",".join(kv) + "}"
        f.write(line + "\n")
        want.setdefault(t + ".ndjson" if t else "-", []).append(line)
with open(d + "/sp.want", "w") as f:
    for k in sorted(want):
        f.write("== %s\n%s\n" % (k, "\n".join(want[k])))
PY
mkdir "$PG_DIR/sp"
ndjson-map --split="$PG_DIR/sp" "$PG_DIR/sp.ndjson" >"$PG_DIR/sp/-"
check "--split by the records' own \$table: files as Python groups them" "$(cat "$PG_DIR/sp.want")" \
	"$(cd "$PG_DIR/sp" && for f in $(ls | LC_ALL=C sort); do echo "== $f"; cat "./$f"; done)"
finish
