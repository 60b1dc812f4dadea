# pgmq 1.5.1 (from ../shared/vendor, installed by scripts/install-deps) in the
# test cluster: the extension is created, pg-copy-load fills a queue table
# (vt given, msg_id left to its identity), pgmq.read hands every message out
# once with its JSON intact, and pgmq.send afterwards does not collide.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3

run sql 'create extension pgmq'
check "create extension pgmq" "0|" "$status|$errout"
sql "select pgmq.create('background_jobs')" >/dev/null
/usr/bin/python3 - >msgs.ndjson <<'PY'
import json
for i in range(1, 1001):
    print(json.dumps({"message": {"job_type": "t%d" % (i % 7), "args": [i, "Zoë", 2**70],
                      "kwargs": {"n": i}}, "vt": "2000-01-01T00:00:00Z",
                      "headers": {"celery_id": "id-%d" % i}}, ensure_ascii=False))
PY
run pg-copy-load -t pgmq.q_background_jobs msgs.ndjson
check "pg-copy-load into a pgmq queue table" "0" "$status"
check "pgmq.metrics counts them" "1000" "$(sql "select queue_length from pgmq.metrics('background_jobs')")"
sql "select msg_id, message from pgmq.read('background_jobs', 600, 2000)" >read.txt
check "pgmq.read: each message once, JSON intact" "1000|1000|0" \
	"$(wc -l <read.txt)|$(cut -d'|' -f1 read.txt | sort -u | wc -l)|$(/usr/bin/python3 -c '
import json
want = {}
for line in open("msgs.ndjson"):
    m = json.loads(line)["message"]
    want[m["kwargs"]["n"]] = m
bad = 0
for line in open("read.txt"):
    m = json.loads(line.split("|", 1)[1])
    bad += want.pop(m["kwargs"]["n"]) != m
print(bad + len(want))')"
check "pgmq.send after the load: the next id" "1001" "$(sql "select * from pgmq.send('background_jobs', '{\"job_type\":\"later\"}')")"
finish
