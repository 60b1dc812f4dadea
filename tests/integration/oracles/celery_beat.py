"""celery_beat MODULE KIND DAYS START [PGZONE]: the truth about a beat
configuration from Celery itself, compared with cron-convert's SQL on
stdin.  MODULE is imported and loaded as KIND says (celery: its `app`;
settings: a Celery app's config_from_object(MODULE); django: the same
with namespace='CELERY'), so the zone, the schedule and the routing are
the app's real configuration object's.  Each entry is run by beat's own
ScheduleEntry.is_due on a fake clock (app.now patched), waking when
is_due says, from START (ISO, UTC) for DAYS days; each job by pg_cron's
matcher (pgcron.py) minute by minute, in UTC (1.4) or PGZONE (1.5+).
Prints "compared N", "bad N", a line per difference first."""
import datetime, importlib, json, os, re, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.getcwd())
import pgcron
from zoneinfo import ZoneInfo

modname, kind, days, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
pgzone = ZoneInfo(sys.argv[5]) if len(sys.argv) > 5 else None
UTC = datetime.timezone.utc
start = datetime.datetime.fromisoformat(start).replace(tzinfo=UTC)
end = start + datetime.timedelta(days=days)
mod = importlib.import_module(modname)
if kind == "celery":
    app = mod.app
else:
    from celery import Celery
    app = Celery("oracle")
    app.config_from_object(mod, namespace="CELERY" if kind == "django" else None)
conf = app.conf

from celery.beat import ScheduleEntry

clock = [start]
app.now = lambda: clock[0].astimezone(app.timezone)


def beat_times(name, e):
    entry = ScheduleEntry(name=name, task=e["task"], schedule=e["schedule"],
                          args=e.get("args", ()), kwargs=e.get("kwargs", {}),
                          options=e.get("options", {}), app=app,
                          last_run_at=start.astimezone(app.timezone))
    out = []
    clock[0] = start
    while clock[0] < end:
        due, nxt = entry.is_due()
        if due:
            out.append(clock[0].replace(second=0, microsecond=0))
            entry = next(entry)
            due, nxt = entry.is_due()
        # beat sleeps until the next is due, at most max_interval
        clock[0] += datetime.timedelta(seconds=min(max(nxt, 1), app.conf.beat_max_loop_interval or 300))
    return out


jobs = {}
for line in sys.stdin:
    m = re.match(r"SELECT cron.schedule\('([^']*)', '([^']*)', \$cron\$SELECT pgmq.send\('([^']*)'", line)
    if m:
        jobs[m.group(1)] = (m.group(2), m.group(3))
n = bad = 0
for name, e in (conf.beat_schedule or {}).items():
    if name not in jobs:
        continue
    n += 1
    sched, queue = jobs[name]
    want_q = app.amqp.router.route(dict(e.get("options", {})), e["task"])["queue"].name
    if queue != want_q:
        bad += 1
        print("%s: queue %s, Celery routes it to %s" % (name, queue, want_q))
        continue
    if sched.endswith("seconds"):
        continue
    # the first run: beat runs at start what is due at start; skip it
    want = [t for t in beat_times(name, e) if t > start]
    got = [t for t in pgcron.fire_times(pgcron.parse(sched), start, days, pgzone) if t > start]
    if want != got:
        bad += 1
        diff = sorted(set(want) ^ set(got))[:3]
        print("%s: %s: beat (zone %s) and pg_cron differ at %s (beat %d runs, pg_cron %d)" % (
            name, sched, conf.timezone, [str(t) for t in diff], len(want), len(got)))
print("compared", n)
print("bad", bad)
