# cron-convert against a real pg_cron (Debian's postgresql-15-cron, preloaded
# in the test cluster): the SQL runs, cron.job holds the jobs, a second run
# changes nothing, --rollback leaves none.  Fire times: for many generated
# Celery crontabs, Celery's own crontab (python3-celery) against croniter
# (python3-croniter) reading what we emit, over a year; crontab lines
# against croniter reading both.  The refusals, exactly.
# SEEDS=N (default 4) for a longer campaign.
. "$(dirname "$0")/lib.sh"
PG_EXTRA_CONF="shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'" pg_start || exit 3
w=${KEEP:-$PG_DIR/work}
mkdir -p "$w"
cd "$w" || exit 3
sql 'create extension pg_cron'

# ---- the seed's beat schedule, into pg_cron
cat >beat.py <<'EOF'
from celery import Celery
from celery.schedules import crontab
from datetime import timedelta

app = Celery('factory', broker='redis://localhost:6379/0')
app.conf.timezone = 'UTC'

app.conf.beat_schedule = {
    'daily-oee-report': {
        'task': 'reports.tasks.daily_oee',
        'schedule': crontab(hour=6, minute=0),
        'args': ('line-1', 42, "Zoë \u2713"),
    },
    'inventory-alerts': {
        'task': 'inventory.tasks.check_alerts',
        'schedule': timedelta(minutes=5),
        'options': {'queue': 'email_notifications'},
    },
    'pm-work-orders': {
        'task': 'maintenance.tasks.generate_pm_work_orders',
        'schedule': crontab(0, 6),  # positional: minute, hour
        'kwargs': {'horizon_days': 7, 'big': 12345678901234567890},
    },
}
EOF
run cron-convert beat.py
check "seed beat: status" "0" "$status"
check "seed beat: the interval warned" "cron-convert: beat.py:14: inventory-alerts: every 300 seconds from when beat started becomes a clock schedule" "$errout"
echo "$out" >jobs.sql
run psql -X -q -v ON_ERROR_STOP=1 -f jobs.sql
check "seed beat: pg_cron takes the SQL" "0|" "$status|$errout"
check "seed beat: cron.job" 'daily-oee-report|0 6 * * *|t
inventory-alerts|*/5 * * * *|t
pm-work-orders|0 6 * * *|t' "$(sql "select jobname, schedule, active from cron.job order by jobname")"
check "seed beat: the commands" "SELECT pgmq.send('celery', jsonb_build_object('job_type', 'reports.tasks.daily_oee', 'args', '[\"line-1\",42,\"Zoë ✓\"]'::jsonb, 'kwargs', '{}'::jsonb))" \
	"$(sql "select command from cron.job where jobname = 'daily-oee-report'")"
check "seed beat: a big integer kept" '{"big": 12345678901234567890, "horizon_days": 7}' \
	"$(sql "select substring(command from '''(\{.*\})''') ::jsonb::text from cron.job where jobname = 'pm-work-orders'")"
# each job's command run as pg_cron would, into a recorder standing in for
# PGMQ (issue 13 brings the real one): what arrives is what the file says
sql "create schema pgmq; create table pgmq.sent (queue text, msg jsonb);
	create function pgmq.send(q text, m jsonb) returns bigint language sql
	as 'insert into pgmq.sent values (q, m) returning 1::bigint'"
sql "do \$\$declare c text; begin for c in select command from cron.job order by jobname loop execute c; end loop; end\$\$"
cat >sent.py <<'PY'
import json, sys
def canon(q, m):
    return "%s %s" % (q, json.dumps(m, sort_keys=True, ensure_ascii=False))
if sys.argv[1] == "file":  # what beat.py says each job sends
    ns = {}
    exec(open("beat.py").read(), ns)
    beat = ns["app"].conf.beat_schedule
    for name in sorted(beat):
        e = beat[name]
        print(canon(e.get("options", {}).get("queue", "celery"),
                    {"job_type": e["task"], "args": list(e.get("args", [])),
                     "kwargs": e.get("kwargs", {})}))
else:  # what arrived: "queue msg" lines from psql
    for line in sys.stdin:
        q, m = line.rstrip("\n").split(" ", 1)
        print(canon(q, json.loads(m)))
PY
check "seed beat: the messages the jobs send, as Python reads the file" "$(/usr/bin/python3 sent.py file | sort)" \
	"$(psql -X -A -t -F ' ' -c "select queue, msg from pgmq.sent" | /usr/bin/python3 sent.py sent | sort)"
ids=$(sql "select string_agg(jobid::text || jobname || schedule || command, ',' order by jobid) from cron.job")
psql -X -q -v ON_ERROR_STOP=1 -f jobs.sql >/dev/null
check "seed beat: a second run changes nothing" "$ids" \
	"$(sql "select string_agg(jobid::text || jobname || schedule || command, ',' order by jobid) from cron.job")"
sql "select cron.schedule('someone-else', '0 1 * * *', 'select 1')" >/dev/null
cron-convert --rollback beat.py 2>/dev/null >rollback.sql
run psql -X -q -v ON_ERROR_STOP=1 -f rollback.sql
check "rollback: runs" "0" "$status"
check "rollback: exactly those jobs gone" "someone-else" "$(sql "select string_agg(jobname, ',') from cron.job")"
run psql -X -q -v ON_ERROR_STOP=1 -f rollback.sql
check "rollback: again, nothing to remove, no error" "0|someone-else" "$status|$(sql "select string_agg(jobname, ',') from cron.job")"
# the live app, exported by Celery itself, converts to the same SQL
cp beat.py factory_app.py
run "$top/scripts/celery-beat-export" factory_app
check "celery-beat-export: three records" "0|3" "$status|$(echo "$out" | wc -l)"
echo "$out" >beat.ndjson
check "celery-beat-export: the same jobs as the file read as literals" \
	"$(cron-convert beat.py 2>/dev/null | grep -v '^-- source')" "$(cron-convert beat.ndjson 2>/dev/null | grep -v '^-- source')"
run cron-convert --name-prefix=factory: --command='SELECT run_task(%(task)s, %(args)s::jsonb, %(kwargs)s::jsonb)' beat.py
check "--name-prefix, --command" "SELECT cron.schedule('factory:pm-work-orders', '0 6 * * *', \$cron\$SELECT run_task('maintenance.tasks.generate_pm_work_orders', '[]'::jsonb, '{\"horizon_days\":7,\"big\":12345678901234567890}'::jsonb)\$cron\$);" \
	"$(echo "$out" | grep pm-work-orders | tail -1)"

# ---- generated Celery crontabs: Celery's own fire times against croniter
# reading the schedule we emit, hour by hour over a year.  croniter parses
# (its .expanded sets, '*' kept) and Vixie's rule joins the day fields:
# croniter 1.3.5's own iteration skips days (from 2026-02-20, '0 6 1,31 *
# *' gives 03-31, not 03-01), its parser does not.
cat >year.py <<'PY'
import re, sys
from datetime import datetime, timedelta
from croniter import croniter
start = datetime(2026, 1, 1)

def vixie(expr):
    """The hours of a year a schedule fires in, and its minutes, as
    Vixie cron (and pg_cron) read croniter's parse of it."""
    e = croniter(expr).expanded
    star = lambda f: f == ["*"]
    def ok(f, v): return star(f) or v in f
    out = set()
    t = start
    while t < start + timedelta(days=365):
        dom, dow = ok(e[2], t.day), ok(e[4], t.isoweekday() % 7) or (7 in e[4] and t.isoweekday() == 7)
        day = dom and dow if star(e[2]) or star(e[4]) else dom or dow
        if day and ok(e[3], t.month) and ok(e[1], t.hour):
            for m in (range(60) if star(e[0]) else e[0]):
                out.add(t.replace(minute=m))
        t += timedelta(hours=1)
    return out

def celery(c):
    out = set()
    t = start
    while t < start + timedelta(days=365):
        if (t.month in c.month_of_year and t.day in c.day_of_month and
                t.isoweekday() % 7 in c.day_of_week and t.hour in c.hour):
            for m in c.minute:
                out.add(t.replace(minute=m))
        t += timedelta(hours=1)
    return out

def celery_tz(c, offset):
    """Celery's fire times, in its zone offset minutes east of UTC, as UTC."""
    out = set()
    t = start
    while t < start + timedelta(days=365):
        local = t + timedelta(minutes=offset)
        if (local.month in c.month_of_year and local.day in c.day_of_month and
                local.isoweekday() % 7 in c.day_of_week and local.hour in c.hour and
                local.minute in c.minute):
            out.add(t)
        t += timedelta(minutes=1)
    return out

kind, src = sys.argv[1], sys.argv[2]
bad = n = 0
if kind == "celery-tz":
    ns = {}
    exec(open(src).read(), ns)
    off = int(sys.argv[3])
    want = lambda name: celery_tz(ns["beat_schedule"][name]["schedule"], off)
elif kind == "celery":
    ns = {}
    exec(open(src).read(), ns)
    want = lambda name: celery(ns["beat_schedule"][name]["schedule"])
else:
    lines = {}
    for line in open(src):
        f = line.split()
        lines[f[5]] = " ".join(f[:5])
    want = lambda name: vixie(lines[name])
job = None
for line in sys.stdin:
    m = re.match(r"-- source: \S+:\d+: .* -> (\S+)", line)
    if m:
        job = m.group(1)
        continue
    m = re.match(r"SELECT cron.schedule\('([^']+)', '([^']+)'", line)
    if not m:
        continue
    name = m.group(1) if kind.startswith("celery") else job
    n += 1
    if vixie(m.group(2)) != want(name):
        bad += 1
        print(name, m.group(2))
print("compared", n)
print("bad", bad)
PY
seeds=${SEEDS:-4}
cat >litcmp.py <<'PY'
# the args and kwargs of each job against Python's own reading of lit.py
import json, re, sys
ns = {}
exec(open("lit.py").read(), ns)
def same(a, b):
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) != type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and a == 0:
        return str(a) == str(b)
    return a == b
def literal(e, t):
    t = t.replace("''", "'")
    return t.replace("\\\\", "\\") if e else t
pat = re.compile(r"SELECT cron\.schedule\('(e\d+)'.*'args', (E?)'(.*)'::jsonb, 'kwargs', (E?)'(.*)'::jsonb\)\)")
bad = n = 0
if sys.argv[1:] == ["sent"]:  # jsonb messages, one a line, from PostgreSQL
    for line in sys.stdin:
        m = json.loads(line)
        e = ns["beat_schedule"]["e" + m["job_type"][1:]]
        n += 1
        if not (same(m["args"], e["args"]) and same(m["kwargs"], e["kwargs"])):
            bad += 1
            print(m, e["args"], e["kwargs"])
    print("compared", n)
    print("bad", bad)
    sys.exit(0)
for line in sys.stdin:
    m = pat.match(line)
    if not m:
        continue
    e = ns["beat_schedule"][m.group(1)]
    n += 1
    if not (same(json.loads(literal(m.group(2), m.group(3))), e["args"]) and
            same(json.loads(literal(m.group(4), m.group(5))), e["kwargs"])):
        bad += 1
        print(m.group(1), m.group(3), e["args"], m.group(5), e["kwargs"])
print("compared", n)
print("bad", bad)
PY
for seed in $(seq 1 "$seeds"); do
	/usr/bin/python3 - "$seed" >gen.py <<'PY'
import random, sys
r = random.Random(int(sys.argv[1]))
days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
def field(lo, hi, names=None):
    k = r.randint(0, 6)
    if k == 0: return "*"
    if k == 1: return str(r.randint(lo, hi))
    if k == 2: return "*/%d" % r.randint(1, (hi - lo) // 2 + 1)
    a, b = r.randint(lo, hi), r.randint(lo, hi)
    if k == 3 and names: return "%s-%s" % (names[a], names[b])
    if k == 4: return "%d-%d/%d" % (min(a, b), max(a, b), r.randint(1, 4))
    if k == 5: return "%d-%d" % (a, b)  # may wrap
    return ",".join(str(r.randint(lo, hi)) for _ in range(r.randint(1, 4)))
print("from celery.schedules import crontab")
print("beat_schedule = {")
for i in range(40):
    dom, dow = field(1, 28), field(0, 6, days)
    if r.random() < 0.5: dom = "*"
    elif dow != "*": dow = "*"
    print("  'e%d': {'task': 't%d', 'schedule': crontab(minute=%r, hour=%r, day_of_week=%r, day_of_month=%r, month_of_year=%r)}," %
          (i, i, field(0, 59), field(0, 23), dow, dom, field(1, 12)))
print("}")
PY
	run cron-convert --check gen.py
	check "seed $seed: generated crontabs convert and --check" "0|" "$status|$errout"
	printf 'from celery import Celery\nfrom gen import beat_schedule\napp = Celery("gen")\napp.conf.beat_schedule = beat_schedule\n' >genapp.py
	rm -rf __pycache__
	"$top/scripts/celery-beat-export" genapp >gen.ndjson
	check "seed $seed: Celery's own expansion (celery-beat-export) converts alike" \
		"$(cron-convert gen.py 2>/dev/null | grep -v '^-- source')" "$(cron-convert gen.ndjson 2>/dev/null | grep -v '^-- source')"
	cron-convert gen.py 2>/dev/null | /usr/bin/python3 year.py celery gen.py >diff.txt
	check "seed $seed: Celery's fire times = croniter's on the emitted schedule, a year" "compared 40 bad 0" "$(tail -2 diff.txt | tr '\n' ' ' | sed 's/ $//')"
done

# ---- the same in a fixed-offset zone: Celery's local fire times, as UTC
# instants, against croniter's reading of what pg_cron gets (in GMT)
for zone in Asia/Kathmandu:345 Etc/GMT+3:-180; do
	/usr/bin/python3 - "$seed" "${zone%:*}" >gentz.py <<'PY'
import random, sys
r = random.Random(int(sys.argv[1]))
print("from celery.schedules import crontab")
print("timezone = %r" % sys.argv[2])
print("beat_schedule = {")
for i in range(12):
    m = r.choice(["0", "15", "*/20", "10,50", "*"])
    h = r.choice(["6", "23", "0-3", "*/6", "*"])
    dow = r.choice(["*", "mon", "sat,sun", "1-5"])
    print("  'z%d': {'task': 't', 'schedule': crontab(minute=%r, hour=%r, day_of_week=%r)}," % (i, m, h, dow))
print("}")
PY
	run cron-convert --check gentz.py
	check "${zone%:*}: --check finds no difference in what converts" "" "$(echo "$errout" | grep -- '--check')"
	echo "$out" | /usr/bin/python3 year.py celery-tz gentz.py "${zone#*:}" >diff.txt
	check "${zone%:*}: Celery's fire times in its zone = croniter's on the emitted schedule in GMT" "bad 0" "$(tail -1 diff.txt)"
	# (refusals are right where a schedule's moved times fall on two days)
	check "${zone%:*}: something converts, so the comparison is not empty" "ok" \
		"$([ "$(sed -n 's/compared //p' diff.txt)" -ge 1 ] && echo ok)"
done

# ---- args and kwargs: random Python literals, read by Python itself, are
# the JSON in the job (types kept: 2.0 stays a float, big ints exact)
for seed in $(seq 1 "$seeds"); do
	/usr/bin/python3 - "$seed" >lit.py <<'PY'
import random, sys
r = random.Random(int(sys.argv[1]))
TEXTS = [r"'plain'", r'"dq"', r"'Zo\u00eb'", r"'tab\there'", r"u'\U0001F600'", r"r'raw\n'",
         r"'a' 'b'", "'''tri\\nple'''", r"'\x41\101'", r"'quote\''", r"''", "'€ ✓'", r"'back\\slash'"]
def num():
    return r.choice(["0", "-0", "7", "-12", "1_000", "0x1F", "0o17", "0b101", "123456789012345678901234567890",
                     "1.5", "-0.0", "2.", ".25", "1e3", "-2.5E-3", "1_0.5", "6.02e23"])
def text():
    return r.choice(TEXTS)
def val(d=0):
    k = r.randint(0, 8 if d < 3 else 4)
    if k <= 1: return num()
    if k <= 3: return text()
    if k == 4: return r.choice(["None", "True", "False"])
    if k == 5: return "[" + ", ".join(val(d + 1) for _ in range(r.randint(0, 3))) + "]"
    if k == 6: return "(" + "".join(val(d + 1) + ", " for _ in range(r.randint(0, 3))) + ")"
    return "{" + ", ".join("%s: %s" % (text(), val(d + 1)) for _ in range(r.randint(0, 3))) + "}"
print("beat_schedule = {")
for i in range(30):
    print("  'e%d': {'task': 't%d', 'schedule': 3600, 'args': [%s], 'kwargs': {%s}}," % (i,
        i, ", ".join(val() for _ in range(r.randint(0, 3))),
        ", ".join("%s: %s" % (text(), val()) for _ in range(r.randint(0, 3)))))
print("}")
PY
	cron-convert lit.py 2>lit.err >lit.sql
	conv=$(grep -c '^SELECT cron.schedule' lit.sql)
	# read = converted + refused (only -0.0, which jsonb cannot keep)
	check "seed $seed: 30 entries, each converted or refused for -0.0" "30|" \
		"$((conv + $(grep -c 'refused:' lit.err)))|$(grep 'refused:' lit.err | grep -v "holds -0.0, which jsonb makes 0")"
	/usr/bin/python3 "$w/litcmp.py" <lit.sql >diff.txt
	check "seed $seed: args and kwargs as Python reads them" "compared $conv bad 0" "$(tail -2 diff.txt | tr '\n' ' ' | sed 's/ $//')"
	# and as they reach PostgreSQL: each job scheduled, its command run into
	# the pgmq recorder; 30 entries read = 30 jobs + 0 refused
	sql "truncate pgmq.sent; select cron.unschedule(jobid) from cron.job" >/dev/null
	psql -X -q -v ON_ERROR_STOP=1 -f lit.sql >/dev/null
	sql "do \$\$declare c text; begin for c in select command from cron.job order by jobname loop execute c; end loop; end\$\$"
	psql -X -A -t -c "select msg from pgmq.sent" | /usr/bin/python3 "$w/litcmp.py" sent >diff.txt
	check "seed $seed: every converted entry a job in cron.job, its message in PostgreSQL as Python reads the file" \
		"$conv|compared $conv bad 0" "$(sql "select count(*) from cron.job")|$(tail -2 diff.txt | tr '\n' ' ' | sed 's/ $//')"
done

# ---- every form of Python literal (prefixes, quotes, escapes, joined
# strings, parentheses, numbers; CRLF files on even seeds): each entry's
# args and kwargs are what kombu's JSON sends for Python's own value, or the
# entry is refused for a reason Python's value really has (oracles/
# pyliteral.py: ast.literal_eval, kombu)
for seed in $(seq 1 "$seeds"); do
	crlf=$([ $((seed % 2)) = 0 ] && echo crlf)
	/usr/bin/python3 "$top/tests/integration/oracles/pyliteral.py" gen "$seed" 60 $crlf >pylit.py
	cron-convert pylit.py 2>pylit.err >pylit.sql
	/usr/bin/python3 "$top/tests/integration/oracles/pyliteral.py" check pylit.py pylit.err <pylit.sql >diff.txt
	check "seed $seed: Python literals: sent as Python and kombu send them, or refused for what they hold" "bad 0" "$(tail -1 diff.txt)"
	conv=$(grep -c '^SELECT cron.schedule' pylit.sql)
	sql "select cron.unschedule(jobid) from cron.job" >/dev/null
	run psql -X -q -v ON_ERROR_STOP=1 -f pylit.sql
	check "seed $seed: Python literals: pg_cron takes every job" "0|$conv" "$status|$(sql "select count(*) from cron.job")"
done
sql "select cron.unschedule(jobid) from cron.job" >/dev/null
cat >pystr.py <<'EOF'
from celery.schedules import crontab
beat_schedule = {
    'bullet': {'task': 't', 'schedule': 60, 'args': ['\N{BULLET} daily digest']},
    'one-string': {'task': 't', 'schedule': 60, 'args': ('hello')},
    'one-tuple': {'task': 't', 'schedule': 60, 'args': ('hello',), 'kwargs': {'n': (7)}},
    'zeros': {'task': 't', 'schedule': 60, 'args': [00, 0_0, 000, -0]},
    'big': {'task': 't', 'schedule': 60, 'args': [0xFFFFFFFFFFFFFFFFFF, 0o7_7, 0b1_1]},
    'floats': {'task': 't', 'schedule': 60, 'args': [1e-400, 1_0.5e1, 4.9e-324]},
    'inf': {'task': 't', 'schedule': 60, 'args': [1e400]},
    'huge-interval': {'task': 't', 'schedule': 1e400},
    'complex': {'task': 't', 'schedule': 60, 'kwargs': {'z': 2j}},
    'bytes': {'task': 't', 'schedule': 60, 'args': [b'x']},
    'f-string': {'task': f't', 'schedule': 60},
    'surrogate': {'task': 't', 'schedule': 60, 'args': ['\ud800']},
    'nul-key': {'task': 't', 'schedule': 60, 'kwargs': {'a\0': 1}},
    'twice': {'task': 't', 'schedule': 60, 'kwargs': {'a': -0.0, 'a': 1}},
    'bytes-field': {'task': 't', 'schedule': crontab(minute=b'5')},
    'escapes': {'task': 't', 'schedule': 60, 'args': ['\x41\101\777\q' r'\n' """tri
ple""" u'\U0001F600']},
}
EOF
run cron-convert pystr.py
check "Python's strings and numbers: status" 1 "$status"
check "Python's strings and numbers: refused by name" "cron-convert: pystr.py:3: bullet: refused: 'args' holds a \\N{...} escape, not decoded here (write the character or \\u)
cron-convert: pystr.py:4: one-string: refused: 'args' is not a list or tuple
cron-convert: pystr.py:9: inf: refused: 'args' holds a float that is not finite (inf), which JSON has no form of
cron-convert: pystr.py:10: huge-interval: refused: an interval of inf seconds: Celery raises OverflowError
cron-convert: pystr.py:11: complex: refused: 'kwargs' holds a complex number, which JSON has no form of
cron-convert: pystr.py:12: bytes: refused: 'args' holds a bytes literal (no JSON form, no crontab field)
cron-convert: pystr.py:13: f-string: refused: its 'task' is an f-string, computed when the file runs
cron-convert: pystr.py:14: surrogate: refused: 'args' holds a surrogate, which JSON text cannot hold alone
cron-convert: pystr.py:15: nul-key: refused: 'kwargs' holds a value JSON cannot hold
cron-convert: pystr.py:17: bytes-field: refused: crontab(minute=...): a bytes literal (no JSON form, no crontab field)
cron-convert: 10 of 16 entries refused" "$(echo "$errout" | grep -v 'becomes a clock schedule')"
echo "$out" | grep -o "'args', .*'::jsonb, 'kwargs', '[^']*'" >pystr.got
/usr/bin/python3 - >pystr.want <<'PY'
import json
ns = {}
exec(open("pystr.py").read(), ns)
for k in ("one-tuple", "zeros", "big", "floats", "twice", "escapes"):
    e = ns["beat_schedule"][k]
    print(list(e.get("args", [])), e.get("kwargs", {}))
PY
check "Python's strings and numbers: the payloads, as Python reads them" "$(cat pystr.want)" \
	"$(sed "s/'args', '\(.*\)'::jsonb, 'kwargs', '\(.*\)'/\1\t\2/" pystr.got | /usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    a, k = l.rstrip("\n").split("\t")
    print(json.loads(a), json.loads(k))')"

# ---- crontab lines: croniter reads the source and what we emit alike
/usr/bin/python3 - >gen.tab <<'PY'
import random
r = random.Random(7)
def field(lo, hi):
    k = r.randint(0, 4)
    if k == 0: return "*"
    if k == 1: return str(r.randint(lo, hi))
    a, b = sorted((r.randint(lo, hi), r.randint(lo, hi)))
    if k == 2: return "%d-%d" % (a, b)
    if k == 3: return "%d-%d/%d" % (a, b, r.randint(1, 5))
    return ",".join(str(r.randint(lo, hi)) for _ in range(r.randint(1, 3)))
for i in range(60):
    print("%s %s %s %s %s job-%d" % (field(0, 59), field(0, 23), field(1, 28), field(1, 12), field(0, 6), i))
PY
run cron-convert --from=crontab --timezone=GMT --check gen.tab
check "crontab: generated lines convert and --check" "0|" "$status|$errout"
echo "$out" | /usr/bin/python3 year.py crontab gen.tab >diff.txt
check "crontab: croniter's fire times, source and emitted, a year" "compared 60 bad 0" "$(tail -2 diff.txt | tr '\n' ' ' | sed 's/ $//')"

# ---- django-celery-beat: its tables made by Django's own migrations in the
# test cluster, rows made by its ORM, exported by the README's query
sql 'create database dj'
cat >djsettings.py <<'EOF'
import os
SECRET_KEY = "test"
USE_TZ = True
INSTALLED_APPS = ["django_celery_beat"]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "dj",
                         "HOST": os.environ["PGHOST"], "PORT": os.environ["PGPORT"],
                         "USER": os.environ.get("PGUSER", "")}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
EOF
DJANGO_SETTINGS_MODULE=djsettings /usr/bin/python3 -c '
import datetime, json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django_celery_beat.models import (PeriodicTask, CrontabSchedule, IntervalSchedule,
                                       SolarSchedule, ClockedSchedule)
six = CrontabSchedule.objects.create(minute="0", hour="6", timezone="UTC")
ist = CrontabSchedule.objects.create(minute="30", hour="6", day_of_week="mon-fri", timezone="Asia/Kolkata")
five = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
sun = SolarSchedule.objects.create(event="sunset", latitude=-37.81, longitude=144.96)
once = ClockedSchedule.objects.create(clocked_time=datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc))
T = PeriodicTask.objects.create
T(name="daily-oee-report", task="reports.tasks.daily_oee", crontab=six, args=json.dumps(["line-1", 42, "Zoë"]))
T(name="inventory-alerts", task="inventory.tasks.check_alerts", interval=five, queue="email_notifications")
T(name="ist-weekdays", task="t.ist", crontab=ist, kwargs=json.dumps({"big": 12345678901234567890}))
T(name="sunset", task="t.sun", solar=sun)
T(name="new-year", task="t.once", clocked=once, one_off=True)
T(name="paused", task="t.paused", crontab=six, enabled=False)
T(name="starts-later", task="t.later", crontab=six, start_time=datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc))
T(name="expiring", task="t.expiring", crontab=six, expires=datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc))
'
cat >export.sql <<'EOF'
SELECT row_to_json(r) FROM (
  SELECT t.name, t.task, t.args, t.kwargs, t.queue, t.enabled, t.one_off,
         t.start_time, t.expires,
         c.minute, c.hour, c.day_of_week, c.day_of_month, c.month_of_year,
         c.timezone, i.every, i.period, s.event AS solar_event,
         k.clocked_time
  FROM django_celery_beat_periodictask t
  LEFT JOIN django_celery_beat_crontabschedule c ON c.id = t.crontab_id
  LEFT JOIN django_celery_beat_intervalschedule i ON i.id = t.interval_id
  LEFT JOIN django_celery_beat_solarschedule s ON s.id = t.solar_id
  LEFT JOIN django_celery_beat_clockedschedule k ON k.id = t.clocked_id
  ORDER BY t.id) r;
EOF
check "the README's export query is the one tested" "$(sed -n 's/^    //; /^SELECT row_to_json(r)/,/ORDER BY t.id) r;/p' "$top/README.md")" "$(cat export.sql)"
psql -X -A -t -d dj -f export.sql >rows.ndjson
run cron-convert --from=django --check rows.ndjson
check "django: the schedules" "SELECT cron.schedule('daily-oee-report', '0 6 * * *',
SELECT cron.schedule('inventory-alerts', '*/5 * * * *',
SELECT cron.schedule('ist-weekdays', '0 1 * * 1-5'," "$(echo "$out" | grep -o "SELECT cron.schedule('[a-z-]*', '[^']*',")"
check "django: args and kwargs from their JSON text (Django's escapes kept)" "'args', '[\"line-1\",42,\"Zo\\u00eb\"]'::jsonb|'kwargs', '{\"big\":12345678901234567890}'::jsonb" \
	"$(echo "$out" | grep -o "'args', '\[\"line.*\"\]'::jsonb")|$(echo "$out" | grep -o "'kwargs', '{\"big\":[0-9]*}'::jsonb")"
check "django: refusals, a disabled task skipped" "1|cron-convert: rows.ndjson:6: paused: disabled: not scheduled
cron-convert: rows.ndjson:2: inventory-alerts: every 300 seconds from when beat started becomes a clock schedule
cron-convert: rows.ndjson:4: sunset: refused: solar(...) follows the sun: no cron schedule gives its times
cron-convert: rows.ndjson:5: new-year: refused: one_off: it runs once, not on a schedule
cron-convert: rows.ndjson:7: starts-later: refused: start_time: beat does not run it before then, and a pg_cron job has no start
cron-convert: rows.ndjson:8: expiring: refused: expires: workers drop its messages from then on, and a pg_cron job has no end
cron-convert: 4 of 7 entries refused" "$status|$errout"
echo "$out" >dj.sql
run psql -X -q -v ON_ERROR_STOP=1 -f dj.sql
check "django: pg_cron takes the SQL" "0|3" "$status|$(sql "select count(*) from cron.job where jobname in ('daily-oee-report', 'inventory-alerts', 'ist-weekdays')")"

# ---- examples/celery-beat-to-pg-cron: each phase, as its README runs it
ex="make -s -f $top/examples/celery-beat-to-pg-cron/Makefile"
run $ex dry-run
check "example: dry-run writes the SQL, changes nothing" "0|0" "$status|$(sql "select count(*) from cron.job where jobname like 'beat:%'")"
run $ex schedule
check "example: schedule" "0|3" "$status|$(sql "select count(*) from cron.job where jobname like 'beat:%'")"
run $ex schedule verify
check "example: again, and verify" "0|3" "$status|$(sql "select count(*) from cron.job where jobname like 'beat:%'")"
run $ex rollback
check "example: rollback" "0|0" "$status|$(sql "select count(*) from cron.job where jobname like 'beat:%'")"
run $ex verify
check "example: verify finds them gone" "2" "$status"

# ---- time zones
cat >tz.py <<'EOF'
from celery.schedules import crontab
timezone = 'Asia/Kolkata'
beat_schedule = {
    'ist-morning': {'task': 'a', 'schedule': crontab(minute=30, hour=6)},
    'ist-early': {'task': 'b', 'schedule': crontab(minute=0, hour=2, day_of_week='mon')},
    'ist-month': {'task': 'c', 'schedule': crontab(minute=0, hour=2, day_of_month=1)},
}
EOF
run cron-convert --check tz.py
check "a fixed offset: times move, a day crossing moves the weekday" "1|SELECT cron.schedule('ist-morning', '0 1 * * *',
SELECT cron.schedule('ist-early', '30 20 * * 0'," "$status|$(echo "$out" | grep -o "SELECT cron.schedule('[a-z-]*', '[^']*',")"
check "a fixed offset: a day of the month cannot cross midnight" "cron-convert: tz.py:6: ist-month: refused: in GMT its times cross midnight, and the days of the month or months cannot follow
cron-convert: 1 of 3 entries refused" "$errout"
sed -i 's/Asia\/Kolkata/Europe\/Berlin/' tz.py
run cron-convert tz.py
check "a zone with daylight saving: refused" "1|cron-convert: tz.py:4: ist-morning: refused: Europe/Berlin has daylight saving time and pg_cron runs in GMT (--timezone)" \
	"$status|$(echo "$errout" | head -1)"
check_run "--timezone needs pg_cron 1.5" 2 "cron-convert: --timezone: pg_cron before 1.5 runs jobs in GMT (--pg-cron-version)" \
	cron-convert --timezone=Europe/Berlin tz.py
run cron-convert --pg-cron-version=1.6 --timezone=Europe/Berlin --check tz.py
check "the same zone as cron.timezone: converted as written (02:00 on Monday is a time DST changes skip or repeat)" "1|SELECT cron.schedule('ist-morning', '30 6 * * *'," \
	"$status|$(echo "$out" | grep -o "SELECT cron.schedule('ist-morning', '[^']*',")"

# ---- refusals, exactly
cat >refuse.py <<'EOF'
from celery.schedules import crontab, solar
beat_schedule = {
    'both-days': {'task': 'x', 'schedule': crontab(minute=0, hour=0, day_of_month='2-8', day_of_week='mon')},
    'sunset': {'task': 'x', 'schedule': solar('sunset', -37.81, 144.96)},
    'seconds': {'task': 'x', 'schedule': 30.0},
    'seven-minutes': {'task': 'x', 'schedule': 420},
    'bad-day': {'task': 'x', 'schedule': crontab(day_of_week='7')},
    'relative': {'task': 'x', 'schedule': 3600, 'relative': True},
    'no-task': {'schedule': 60},
}
EOF
check_run "celery refusals" 1 "cron-convert: refuse.py:3: both-days: refused: day of month and day of week must both hold; pg_cron runs on either unless one holds day 1 or Sunday (--and-guard)
cron-convert: refuse.py:4: sunset: refused: solar(...) follows the sun: no cron schedule gives its times
cron-convert: refuse.py:5: seconds: refused: every 30 seconds needs pg_cron 1.5 or later (--pg-cron-version)
cron-convert: refuse.py:6: seven-minutes: refused: every 420 seconds is not a clock time: minutes dividing an hour, hours dividing a day, a day or a week are
cron-convert: refuse.py:7: bad-day: refused: day of week: 7 is not in 0-6
cron-convert: refuse.py:8: relative: refused: relative=True rounds to when beat started
cron-convert: refuse.py:9: no-task: refused: an entry needs a dict with 'task' (a string) and 'schedule'
cron-convert: 7 of 7 entries refused" cron-convert refuse.py
run cron-convert --pg-cron-version=1.5 refuse.py
check "pg_cron 1.5: seconds" "SELECT cron.schedule('seconds', '30 seconds'," "$(echo "$out" | grep -o "SELECT cron.schedule('seconds', '[^']*',")"
run cron-convert --and-guard --check refuse.py
check "--and-guard: the days of the month scheduled, the weekday tested" "SELECT cron.schedule('both-days', '0 0 2-8 * *', \$cron\$DO \$guard\$BEGIN IF extract(dow FROM now() AT TIME ZONE 'GMT') IN (1) THEN EXECUTE" \
	"$(echo "$out" | grep -o "SELECT cron.schedule('both-days'.*EXECUTE")"
echo "$out" | grep both-days >guard.sql
run psql -X -q -v ON_ERROR_STOP=1 -f guard.sql
check "--and-guard: pg_cron takes it" "0" "$status"
cat >refuse2.py <<'EOF'
from celery.schedules import crontab
from datetime import timedelta
beat_schedule = {
    'half-second': {'task': 'x', 'schedule': timedelta(milliseconds=500)},
    'nul-arg': {'task': 'x', 'schedule': 60, 'args': ['a\x00b']},
    'bad-field': {'task': 'x', 'schedule': crontab(minute={'a': 1})},
    'no-zone': {'task': 'x', 'schedule': crontab(minute=0)},
    'unknown': {'task': 'x', 'schedule': clocked(1)},
    'split': {'task': 'x', 'schedule': crontab(minute='0,45', hour=5)},
}
timezone = 'Asia/Kolkata'
EOF
check_run "more refusals" 1 "cron-convert: refuse2.py:4: half-second: refused: every 0.5 seconds: pg_cron counts whole seconds
cron-convert: refuse2.py:5: nul-arg: refused: 'args' holds a value JSON cannot hold
cron-convert: refuse2.py:6: bad-field: refused: crontab(minute=...) is not a string, a number or a list
cron-convert: refuse2.py:8: unknown: refused: clocked(...) is not a schedule cron-convert knows
cron-convert: refuse2.py:9: split: refused: in GMT its times are not a set of minutes of a set of hours
cron-convert: 5 of 6 entries refused" cron-convert refuse2.py
sed -i "s/timezone = 'Asia\/Kolkata'/timezone = 'Mars\/Olympus'/" refuse2.py
run cron-convert refuse2.py
check "an unknown zone: refused by name" "cron-convert: refuse2.py:7: no-zone: refused: no such time zone: Mars/Olympus" "$(echo "$errout" | grep no-zone)"
check_run "--timezone: no such zone" 2 "cron-convert: --timezone: no such time zone: Mars/Olympus" cron-convert --timezone=Mars/Olympus beat.py
check_run "--command: an unknown placeholder" 2 "cron-convert: --command: a %(...)s other than task, args, kwargs, queue" cron-convert --command='SELECT %(nope)s' beat.py
printf 'reports.tasks.daily_oee SELECT reports.daily_oee(%%(args)s::jsonb)\n# a comment\nmaintenance.tasks.generate_pm_work_orders SELECT $cron$ || %%(task)s\n' >tasks.map
run cron-convert --task-map=tasks.map beat.py
check "--task-map: a template per task, the rest refused" "1|SELECT cron.schedule('daily-oee-report', '0 6 * * *', \$cron\$SELECT reports.daily_oee('[\"line-1\",42,\"Zoë ✓\"]'::jsonb)\$cron\$);
SELECT cron.schedule('pm-work-orders', '0 6 * * *', \$cron1\$SELECT \$cron\$ || 'maintenance.tasks.generate_pm_work_orders'\$cron1\$);|cron-convert: beat.py:14: inventory-alerts: refused: task inventory.tasks.check_alerts is not in --task-map" \
	"$status|$(echo "$out" | grep '^SELECT')|$(echo "$errout" | grep refused:)"
echo "$out" >map.sql
run psql -X -q -v ON_ERROR_STOP=1 -f map.sql
check "--task-map: a command holding \$cron\$ quoted by another tag, taken" "0|SELECT \$cron\$ || 'maintenance.tasks.generate_pm_work_orders'" \
	"$status|$(sql "select command from cron.job where jobname = 'pm-work-orders'")"
sql "select cron.unschedule(jobid) from cron.job" >/dev/null

printf '@reboot start\n0 0 * * * echo 50%%off\n0 0 5-1 * * backwards\n0 0 * * * *\n' >refuse.tab
check_run "crontab refusals" 1 "cron-convert: refuse.tab:1: crontab-$(printf '@reboot\tstart' | md5sum | cut -c1-12): refused: @reboot runs when cron starts: pg_cron has no such time
cron-convert: refuse.tab:2: crontab-$(printf '0 0 * * *\techo 50' | md5sum | cut -c1-12): refused: the command gives standard input after %: a job has none
cron-convert: refuse.tab:3: crontab-$(printf '0 0 5-1 * *\tbackwards' | md5sum | cut -c1-12): refused: day of month: the range 5-1 runs backwards
cron-convert: 3 of 4 entries refused" cron-convert --from=crontab --timezone=GMT refuse.tab
printf "beat_schedule = {\n  'x: 1}\n" >broken.py
# ---- the other refusals, each once, exactly
cat >refuse3.py <<'EOF'
from celery.schedules import crontab, schedule
beat_schedule = {
    'run-every': {'task': 'x', 'schedule': schedule(run_every='5m')},
    'a-name': {'task': 'x', 'schedule': every_five},
    'args-str': {'task': 'x', 'schedule': 60, 'args': 'abc'},
    'kwargs-list': {'task': 'x', 'schedule': 60, 'kwargs': [1]},
    'kwargs-set': {'task': 'x', 'schedule': 60, 'kwargs': {'a': {1, 2}}},
    'mon-early': {'task': 'x', 'schedule': crontab(minute='0,45', hour=5, day_of_week='mon')},
}
enable_utc = False
timezone = 'Asia/Kolkata'
EOF
check_run "more refusals (Python)" 1 "cron-convert: refuse3.py:3: run-every: refused: schedule(run_every=...) is not a number or a timedelta
cron-convert: refuse3.py:4: a-name: refused: the schedule is not a literal
cron-convert: refuse3.py:5: args-str: refused: 'args' is not a list or tuple
cron-convert: refuse3.py:6: kwargs-list: refused: 'kwargs' is not a dict
cron-convert: refuse3.py:7: kwargs-set: refused: 'kwargs' holds a value JSON cannot hold
cron-convert: refuse3.py:8: mon-early: refused: in GMT some times fall on another day than others
cron-convert: 6 of 6 entries refused" cron-convert refuse3.py
sed -i '/^timezone/d' refuse3.py
run cron-convert refuse3.py
check "enable_utc = False without a timezone" "cron-convert: refuse3.py:8: mon-early: refused: enable_utc is False and no timezone: the workers' local time is not known here" "$(echo "$errout" | grep mon-early)"
printf 'from celery.schedules import crontab\nbeat_schedule = {"a": {"task": "x", "schedule": crontab(minute=0)}}\n' >utc.py
check_run "pg_cron in a daylight-saving zone, the source in UTC" 1 "cron-convert: utc.py:2: a: refused: pg_cron's Europe/Berlin has daylight saving time and the source does not
cron-convert: 1 of 1 entries refused" cron-convert --pg-cron-version=1.6 --timezone=Europe/Berlin utc.py
printf 'x SELECT %%(when)s\n' >bad.map
check_run "--task-map: an unknown placeholder" 1 "cron-convert: utc.py:2: a: refused: --task-map: a %(...)s other than task, args, kwargs, queue
cron-convert: 1 of 1 entries refused" cron-convert --task-map=bad.map utc.py
# --task-map: a task with blanks (a crontab command and its arguments) in
# double quotes, \" and \\ inside; unquoted, a task ends at its first blank
printf 'CRON_TZ=UTC\n0 3 * * * /usr/local/bin/backup --full\n0 4 * * * /usr/local/bin/backup\n0 5 * * * say "hi" \\ there\n' >backup.tab
printf '# tasks\n"/usr/local/bin/backup --full" SELECT ops.backup(true)\n/usr/local/bin/backup SELECT ops.backup(false)\n"say \\"hi\\" \\\\ there"\tSELECT 1\n' >backup.map
run cron-convert --from=crontab --task-map=backup.map backup.tab
check "--task-map: quoted tasks with blanks, quotes and backslashes" "0|SELECT ops.backup(true)
SELECT ops.backup(false)
SELECT 1|" "$status|$(echo "$out" | sed -n 's/^SELECT cron.schedule(.*\$cron\$\(.*\)\$cron\$);$/\1/p')|$errout"
printf '"a b SELECT 1\n' >open.map
check_run "--task-map: a quoted task that does not end" 2 "cron-convert: open.map:1: a quoted task does not end" \
	cron-convert --from=crontab --task-map=open.map backup.tab
printf '"a b"SELECT 1\n' >glued.map
check_run "--task-map: a quoted task glued to its template" 2 "cron-convert: glued.map:1: a blank and a SQL template expected after the quoted task" \
	cron-convert --from=crontab --task-map=glued.map backup.tab
printf '%s\n' '{"task":"x","minute":"0"}' '{"name":"a","task":"x","args":"{}","minute":"0"}' \
	'{"name":"b","task":"x","every":3,"period":"fortnights"}' '{"name":"c","task":"x","clocked_time":"2027-01-01T00:00:00Z"}' \
	'{"name":"d","task":"x"}' '{"name":"e","task":"x","error":"why not"}' >rows.ndjson
check_run "more refusals (rows)" 1 "cron-convert: rows.ndjson:1: ?: refused: a record needs \"name\" and \"task\" (strings)
cron-convert: rows.ndjson:2: a: refused: \"args\" is not a JSON list or \"kwargs\" not an object
cron-convert: rows.ndjson:3: b: refused: an interval of fortnights
cron-convert: rows.ndjson:4: c: refused: clocked: it runs once, at a set time, not on a schedule
cron-convert: rows.ndjson:5: d: refused: no crontab, interval, solar or clocked schedule in the record
cron-convert: rows.ndjson:6: e: refused: why not
cron-convert: 6 of 6 entries refused" cron-convert --from=django rows.ndjson
printf 'not json\n' >notjson.ndjson
check_run "--from=django: a line that is not JSON: 2" 2 "cron-convert: notjson.ndjson:1: invalid literal" cron-convert --from=django notjson.ndjson
printf '0 0 * *\n' >short.tab
check_run "crontab: a line too short" 1 "cron-convert: short.tab:1: ?: refused: a schedule and a command expected
cron-convert: 1 of 1 entries refused" cron-convert --from=crontab short.tab
printf '0 0 * * * \n0 0 * * *\t \n' >blank.tab
check_run "crontab: five fields and blanks, no command" 1 "cron-convert: blank.tab:1: ?: refused: a schedule and a command expected
cron-convert: blank.tab:2: ?: refused: a schedule and a command expected
cron-convert: 2 of 2 entries refused" cron-convert --from=crontab --timezone=GMT blank.tab

printf "beat_schedule = {'a': {'task': 't', 'schedule': 60, 'args': [6.02e23, 2., 1e-7, -0]}, 'b': {'task': 't', 'schedule': 60, 'kwargs': {'z': -0.0}}}\n" >floats.py
run cron-convert floats.py
check "floats jsonb would make integers keep a point; -0.0 refused" "1|'args', '[602000000000000000000000.0,2.0,0.0000001,0]'|cron-convert: floats.py:1: b: refused: 'kwargs' holds -0.0, which jsonb makes 0" \
	"$status|$(echo "$out" | grep -o "'args', '[^']*'")|$(echo "$errout" | grep refused:)"

# cron's own rule, and pg_cron's (entry.c DOM_STAR/DOW_STAR): a day field
# written with '*' makes the two ANDed; 0-7 is every day (LAST_DOW 7)
printf '0 0 */2 * 1 half-mondays\n0 0 1-31 * 1 every-day\n0 3 */2 * 1-5 odd-weekdays\n0 0 * * 0-7 all\n0 0 * * 0-7/2 even\n0 0 * * 5-7 weekend\n0 0 * * 6-7 satsun\n0 0 * * 1-7 seven\n0 0 1,15 * 0,3 either\n0 0 4-9 * 6 either2\n' >vixie.tab
run cron-convert --from=crontab --timezone=GMT --check vixie.tab
check "crontab: '*' in a day field ANDs them in cron and pg_cron alike; 0-7 is every day" \
	"0|0 0 */2 * 1|0 0 * * *|0 3 */2 * 1-5|0 0 * * *|0 0 * * 0,2,4,6|0 0 * * 0,5,6|0 0 * * 0,6|0 0 * * *|0 0 1,15 * 0,3|0 0 4-9 * 6|" \
	"$status|$(echo "$out" | sed -n "s/^SELECT cron.schedule('[^']*', '\([^']*\)',.*/\1/p" | tr '\n' '|')$errout"
# the oracle: pg_cron's own parser and matcher (oracles/pgcron.py, ported
# from its C source) on the source line and on what we emit, three years
cat >vixiecmp.py <<'PY'
import datetime, re, sys
sys.path.insert(0, sys.argv[2])
import pgcron
src = {}
for line in open(sys.argv[1]):
    f = line.split()
    src[f[5]] = " ".join(f[:5])
bad = n = 0
job = None
start = datetime.date(2026, 1, 1)
for line in sys.stdin:
    m = re.match(r"-- source: .* -> (\S+)$", line)
    if m:
        job = m.group(1)
    m = re.match(r"SELECT cron.schedule\('[^']*', '([^']*)'", line)
    if m:
        n += 1
        a, b = pgcron.parse(src[job]), pgcron.parse(m.group(1))
        day = lambda d: pgcron.matches(a, min(a["min"]), min(a["hour"]), d.day, d.month, d.isoweekday() % 7)
        if b is None or a["min"] != b["min"] or a["hour"] != b["hour"] or pgcron.same_days(b, day, start, 3 * 366):
            bad += 1
            print(job, src[job], m.group(1))
print("compared", n)
print("bad", bad)
PY
echo "$out" | /usr/bin/python3 vixiecmp.py vixie.tab "$top/tests/integration/oracles" >diff.txt
check "crontab: pg_cron's matcher, source line and emitted, three years" "compared 10 bad 0" "$(tail -2 diff.txt | tr '\n' ' ' | sed 's/ $//')"
echo "$out" | grep '^SELECT' >vixie.sql
run psql -X -q -v ON_ERROR_STOP=1 -f vixie.sql
check "crontab: pg_cron takes every schedule" "0|10" "$status|$(sql "select count(*) from cron.job where jobname like 'crontab-%'")"
sql "select cron.unschedule(jobid) from cron.job" >/dev/null
# Celery's ANDed day fields: pg_cron ANDs them too when one is written
# from '*' (day 1 or Sunday in it); pg_cron's matcher against Celery's own
printf "from celery.schedules import crontab\nbeat_schedule = {'first-monday': {'task': 'x', 'schedule': crontab(minute=0, hour=0, day_of_month='1-7', day_of_week='mon')},\n 'sunday-13': {'task': 'x', 'schedule': crontab(minute=0, hour=9, day_of_month='13', day_of_week='sun,fri')}}\n" >anded.py
run cron-convert --check anded.py
check "Celery: ANDed days converted when one field holds day 1 or Sunday" "0|SELECT cron.schedule('first-monday', '0 0 */31,2-7 * 1',
SELECT cron.schedule('sunday-13', '0 9 13 * */5',|" \
	"$status|$(echo "$out" | grep -o "SELECT cron.schedule('[a-z0-9-]*', '[^']*',")|$errout"

# ---- crontab() fields as Celery's crontab_parser reads them (blanks,
# weekday names in any field, junk after a match, ranges, lists of ints):
# what Celery raises on is refused, what it takes fires, by pg_cron's
# matcher, when Celery's expanded sets do
for seed in $(seq 1 "$seeds"); do
	/usr/bin/python3 "$top/tests/integration/oracles/celery_fields.py" "$seed" 80 >fields.py
	cron-convert fields.py 2>fields.err >fields.sql
	/usr/bin/python3 "$top/tests/integration/oracles/celery_fields.py" check fields.py fields.err <fields.sql >diff.txt
	check "seed $seed: crontab() fields: refused where Celery raises, else equal to Celery's sets" "bad 0" "$(tail -1 diff.txt)"
	check "seed $seed: crontab() fields: some convert" "ok" "$([ "$(sed -n 's/converted and equal //p' diff.txt)" -ge 20 ] && echo ok)"
	grep '^SELECT' fields.sql >fields1.sql
	run psql -X -q -v ON_ERROR_STOP=1 -f fields1.sql
	check "seed $seed: crontab() fields: pg_cron takes them all" "0|$(grep -c '^SELECT' fields1.sql)" "$status|$(sql "select count(*) from cron.job")"
	sql "select cron.unschedule(jobid) from cron.job" >/dev/null
done
cat >args.py <<'EOF'
from celery.schedules import crontab
beat_schedule = {
    'minutes': {'task': 'x', 'schedule': crontab(minutes=30, hour=4)},
    'nowfun': {'task': 'x', 'schedule': crontab(minute=0, nowfun=berlin_now)},
    'sixth': {'task': 'x', 'schedule': crontab(0, 4, '*', '*', '*', '*')},
    'twice': {'task': 'x', 'schedule': crontab(0, minute=5)},
    'jan': {'task': 'x', 'schedule': crontab(minute=0, month_of_year='jan')},
    'strlist': {'task': 'x', 'schedule': crontab(minute=['0', '30'])},
    'td': {'task': 'x', 'schedule': timedelta(minutes=5, secs=3)},
    'neg': {'task': 'x', 'schedule': -60},
    'zero': {'task': 'x', 'schedule': 0},
    'huge': {'task': 'x', 'schedule': 1e20},
    'blanks': {'task': 'x', 'schedule': crontab(minute='0, 30', hour=' 9', day_of_week='0-30 ')},
    'range': {'task': 'x', 'schedule': crontab(minute=0, hour=range(9, 18))},
}
EOF
check_run "crontab() and intervals as Python binds their arguments" 1 "cron-convert: args.py:3: minutes: refused: crontab() got an unexpected keyword argument 'minutes': Celery raises TypeError
cron-convert: args.py:4: nowfun: refused: crontab(nowfun=...) runs on another clock
cron-convert: args.py:5: sixth: refused: crontab() takes at most 5 positional arguments: Celery raises TypeError
cron-convert: args.py:6: twice: refused: crontab() got multiple values for 'minute': Celery raises TypeError
cron-convert: args.py:7: jan: refused: month: \"jan\" is not a number
cron-convert: args.py:8: strlist: refused: crontab(minute=...): a list holding other than ints: Celery raises TypeError
cron-convert: args.py:9: td: refused: timedelta() got an unexpected keyword argument 'secs': Celery raises TypeError
cron-convert: args.py:10: neg: refused: an interval of -60 seconds: beat runs it at every tick
cron-convert: args.py:11: zero: refused: an interval of 0 seconds: beat runs it at every tick
cron-convert: args.py:12: huge: refused: an interval of 1e+20 seconds: Celery raises OverflowError
cron-convert: args.py:13: blanks: refused: day of week: 30 is not in 0-6
cron-convert: 11 of 12 entries refused" cron-convert args.py
sed -i "s/day_of_week='0-30 '/day_of_week='0-3 '/" args.py
run cron-convert args.py
check "Celery's blanks and range() read as Celery reads them" "*/30 9 * * 0-3|0 9-17 * * *" \
	"$(echo "$out" | sed -n "s/^SELECT cron.schedule('\(blanks\|range\)', '\([^']*\)',.*/\2/p" | tr '\n' '|' | sed 's/|$//')"

printf 'SHELL=/bin/sh\n30 2 * * 0 postgres vacuumdb --all\n' >system.tab
run cron-convert --from=crontab --timezone=GMT --system system.tab
check "crontab --system: the user field is not the command; SHELL= reported" "0|-- source: system.tab:2: 30 2 * * 0 (GMT) -> vacuumdb --all|cron-convert: system.tab:1: SHELL is not carried over: a job runs SQL, not a shell" \
	"$status|$(echo "$out" | grep -- '-- source')|$errout"

# ---- a crontab's zone is the host's unless CRON_TZ says: --timezone names
# it, else refused; the zone and the user tell jobs apart
printf '0 7 * * * report\nCRON_TZ=Asia/Kolkata\n0 7 * * * report\n' >host.tab
check_run "crontab: no CRON_TZ and no --timezone: the host's zone is not known" 1 "cron-convert: host.tab:1: crontab-$(printf '0 7 * * *\treport' | md5sum | cut -c1-12): refused: no CRON_TZ: cron runs it in the host's time zone, which --timezone must name
cron-convert: 1 of 2 entries refused" cron-convert --from=crontab host.tab
run cron-convert --from=crontab --timezone=UTC host.tab
check "crontab: --timezone is the host's zone; both zones in the source lines, two jobs" "0|-- source: host.tab:1: 0 7 * * * (UTC) -> report
-- source: host.tab:3: 0 7 * * * (Asia/Kolkata) -> report|2" \
	"$status|$(echo "$out" | grep -- '-- source')|$(echo "$out" | grep -o "SELECT cron.schedule('[^']*'" | sort -u | wc -l)"
printf '0 7 * * * alice backup\n0 7 * * * bob backup\n' >users.tab
run cron-convert --from=crontab --system --timezone=UTC users.tab
check "crontab --system: one line for two users is two jobs" "0|2" "$status|$(echo "$out" | grep -o "SELECT cron.schedule('[^']*'" | sort -u | wc -l)"
# ---- job names: pg_cron's jobname keeps 63 bytes and one job per name
long=$(printf 'x%.0s' $(seq 1 63))
printf "beat_schedule = {'${long}1': {'task': 'a', 'schedule': 60}, '${long}2': {'task': 'b', 'schedule': 60}, 'same': {'task': 'c', 'schedule': 60}}\n" >long.py
printf "beat_schedule = {'same': {'task': 'd', 'schedule': 120}}\n" >same.py
run cron-convert long.py same.py
check "names: longer than 63 bytes, or one name twice: refused, never one job for two" "1|cron-convert: long.py:1: ${long}1: refused: the job name is 64 bytes: pg_cron's jobname keeps 63
cron-convert: long.py:1: ${long}2: refused: the job name is 64 bytes: pg_cron's jobname keeps 63
cron-convert: same.py:1: same: refused: long.py:1 has the same job name: pg_cron keeps one job of a name
cron-convert: 3 of 4 entries refused" "$status|$(echo "$errout" | grep -v 'becomes a clock')"
echo "$out" >names.sql
run psql -X -q -v ON_ERROR_STOP=1 -f names.sql
check "names: each job written is one in cron.job" "0|1" "$status|$(sql "select count(*) from cron.job")"
sql "select cron.unschedule(jobid) from cron.job" >/dev/null
# ---- dollar quotes chosen against the whole text they enclose
printf "from celery.schedules import crontab\nbeat_schedule = {'g': {'task': 'x', 'schedule': crontab(minute=0, hour=0, day_of_month='2-8', day_of_week='mon'), 'kwargs': {'s': 'a\$guard\$b'}}}\n" >tags.py
run cron-convert --and-guard tags.py
echo "$out" >tags.sql
run psql -X -q -v ON_ERROR_STOP=1 -f tags.sql
check "--and-guard: a kwarg holding \$guard\$ is quoted by another tag; the job's command runs" "0|1" \
	"$status|$(sql "select count(*) from cron.job where command like 'DO \$guard1\$%'")"
sql "create or replace function pg_temp.f() returns void language plpgsql as \$f\$begin execute (select command from cron.job where jobname = 'g'); end\$f\$; select pg_temp.f()" >/dev/null 2>tags.err
check "--and-guard: the DO block runs" "" "$(cat tags.err)"
run cron-convert --command='SELECT 1 --$cron' --name-prefix=t- beat.py
echo "$out" >tags2.sql
run psql -X -q -v ON_ERROR_STOP=1 -f tags2.sql
check "a command ending in \$cron: quoted whole, taken as written" "0|SELECT 1 --\$cron" \
	"$status|$(sql "select command from cron.job where jobname = 't-daily-oee-report'")"
sql "select cron.unschedule(jobid) from cron.job" >/dev/null
# ---- a file name with a line break cannot end the comment
nl='x
SELECT nope();--.py'
cp beat.py "$nl"
run cron-convert "$nl"
echo "$out" >nl.sql
run psql -X -q -v ON_ERROR_STOP=1 -f nl.sql
check "a file name with a newline stays in its comment" "0|" "$status|$errout"
sql "select cron.unschedule(jobid) from cron.job" >/dev/null

# ---- the app's configuration as Celery itself reads it: zone, schedule
# and routing from every form Celery documents; beat's own is_due on a
# fake clock (oracles/celery_beat.py) against pg_cron's matcher
cat >conf_update.py <<'EOF'
from celery import Celery
from celery.schedules import crontab
app = Celery('p', broker='memory://')
app.conf.update(timezone='Asia/Kolkata', task_default_queue='default',
                task_routes={'reports.*': {'queue': 'reports'}, 'mail.send': 'mail'})
app.conf.beat_schedule = {
    'a': {'task': 'reports.daily', 'schedule': crontab(hour=7, minute=0)},
}
app.conf.beat_schedule['b'] = {'task': 'mail.send', 'schedule': crontab(minute=0, hour='9-17', day_of_week='mon-fri')}
app.conf.beat_schedule.update({'c': {'task': 'other', 'schedule': crontab(minute=5), 'options': {'queue': 'q'}},
                               'd': {'task': 'other', 'schedule': crontab(minute=15, hour=23, day_of_week='sun')}})
EOF
cat >django_settings.py <<'EOF'
from celery.schedules import crontab
TIME_ZONE = 'Asia/Kathmandu'
USE_TZ = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = 'default'
CELERY_TASK_ROUTES = {'reports.*': {'queue': 'reports'}}
CELERY_BEAT_SCHEDULE = {
    'x': {'task': 'reports.x', 'schedule': crontab(minute=45)},
    'y': {'task': 'y', 'schedule': crontab(minute=0, hour=8)},
}
EOF
cat >kwargs_app.py <<'EOF'
from celery import Celery
from celery.schedules import crontab
app = Celery('p', broker='memory://', timezone='Etc/GMT+3')
app.conf.beat_schedule = {'z': {'task': 'z', 'schedule': crontab(minute=0, hour='*/4')},
                          'w': {'task': 'w', 'schedule': crontab(minute=30, hour=22, day_of_week='fri')}}
EOF
for m in conf_update:celery:Asia/Kolkata:4 django_settings:django:Asia/Kathmandu:2 kwargs_app:celery:Etc/GMT+3:2; do
	z=${m#*:*:} kind=${m#*:} kind=${kind%%:*} m=${m%%:*}
	rm -rf __pycache__
	run cron-convert "$m.py"
	check "$m: every entry converted in the app's zone (${z%:*})" "0|${z#*:}|${z#*:}" \
		"$status|$(echo "$out" | grep -c '^SELECT cron.schedule')|$(echo "$out" | grep -c "^-- source: .* (${z%:*}) -> ")"
	m=$m:$kind
	echo "$out" | /usr/bin/python3 "$top/tests/integration/oracles/celery_beat.py" "${m%:*}" "${m#*:}" 30 2026-03-01 >diff.txt
	check "${m%:*}: beat's is_due with the app's configuration = pg_cron, queues as Celery routes them" "bad 0" "$(tail -1 diff.txt)"
done
# statements that may or may not change the schedule: the file refused
printf "import os\nCELERY_BEAT_SCHEDULE = {'a': {'task': 'a', 'schedule': 60}}\nif os.environ.get('CI'): CELERY_BEAT_SCHEDULE = {}\n" >cond.py
check_run "a conditional schedule: the file refused at its line" 1 "cron-convert: cond.py:3: refused: a statement about the schedule, its zone or its queues that may or may not run: no entry of the file is converted" cron-convert cond.py
printf "from celery import Celery\napp = Celery('p')\napp.conf.beat_schedule = {}\n@app.on_after_configure.connect\ndef setup(sender, **kw):\n    sender.add_periodic_task(10.0, test.s('hello'), name='add every 10')\n" >periodic.py
check_run "add_periodic_task: the file refused at its line" 1 "cron-convert: periodic.py:4: refused: a statement about the schedule, its zone or its queues that may or may not run: no entry of the file is converted" cron-convert periodic.py
printf "beat_schedule = {'a': {'task': 'a', 'schedule': 60, 'options': {'expires': 30, 'priority': 5}}}\n" >opts.py
check_run "options other than queue: refused by name" 1 "cron-convert: opts.py:1: a: refused: options['expires'] is not carried over: a pg_cron job sends the task and nothing else
cron-convert: 1 of 1 entries refused" cron-convert opts.py
for z in Europe Europe/ . localtime Factory; do
	printf "timezone = '%s'\nbeat_schedule = {'a': {'task': 'a', 'schedule': 3600}}\n" "$z" >zone.py
	run cron-convert zone.py
	check "timezone '$z': no such zone for Celery, refused" "1|cron-convert: zone.py:2: a: refused: no such time zone: $z" "$status|$(echo "$errout" | grep refused:)"
done
# ---- daylight saving in pg_cron's own zone (1.5+): beat's is_due and
# pg_cron's matcher on both change days of several zones; the times a
# change skips or repeats are refused
cat >dst.py <<'EOF'
from celery import Celery
from celery.schedules import crontab
app = Celery('p', broker='memory://')
app.conf.timezone = 'Europe/Berlin'
app.conf.beat_schedule = {
    'two-thirty': {'task': 't', 'schedule': crontab(hour=2, minute=30)},
    'hourly': {'task': 't', 'schedule': crontab(minute=0)},
    'six': {'task': 't', 'schedule': crontab(hour=6, minute=0)},
    'one-thirty': {'task': 't', 'schedule': crontab(hour=1, minute=30)},
    'three': {'task': 't', 'schedule': crontab(hour=3, minute='0,45', day_of_week='sun')},
}
EOF
run cron-convert --pg-cron-version=1.6 --timezone=Europe/Berlin dst.py
check "DST: the skipped and repeated times refused" "cron-convert: dst.py:6: two-thirty: refused: Europe/Berlin skips or repeats 02:30 when daylight saving time changes: pg_cron runs it never or twice, Celery once
cron-convert: dst.py:7: hourly: refused: Europe/Berlin skips or repeats 02:00 when daylight saving time changes: pg_cron runs it never or twice, Celery once" "$(echo "$errout" | grep refused:)"
for zw in Europe/Berlin:2026-03-27:2026-10-23 America/New_York:2026-03-06:2026-10-30 Australia/Lord_Howe:2026-04-03:2026-10-02 America/Santiago:2026-04-03:2026-09-04; do
	z=${zw%%:*} r=${zw#*:}
	sed "s|Europe/Berlin|$z|" dst.py >dstz.py
	rm -rf __pycache__
	cron-convert --pg-cron-version=1.6 --timezone="$z" dstz.py 2>/dev/null >dstz.sql
	for day in "${r%:*}" "${r#*:}"; do
		/usr/bin/python3 "$top/tests/integration/oracles/celery_beat.py" dstz celery 4 "$day" "$z" <dstz.sql >diff.txt
		check "DST $z around $day: beat's is_due = pg_cron 1.5's matcher in cron.timezone" "bad 0" "$(tail -1 diff.txt)"
	done
done
check_run "a file that cannot be parsed: 2" 2 "cron-convert: broken.py:2: a string does not end" cron-convert broken.py
finish
