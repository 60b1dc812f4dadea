"""celery_fields SEED N: N random crontab() entries whose fields are
strings as people write them (blanks, names, wrapping ranges, steps,
junk after a match) or lists, ints and ranges; written as beat.py.
Then, reading cron-convert's SQL on stdin (`check`): every entry Celery
itself accepts is converted unless refused for the day rule, every entry
Celery raises for is refused, and what is converted fires, by pg_cron's
matcher (pgcron.py), on the minutes, hours and days (three years) Celery
fires on."""
import datetime, os, random, re, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgcron

FIELDS = [("minute", 0, 59), ("hour", 0, 23), ("day_of_week", 0, 6),
          ("day_of_month", 1, 31), ("month_of_year", 1, 12)]
NAMES = ["sun", "Mon", "tuesday", "WED", "thu", "fri", "sat", "jan", "xyz"]


def part(r, lo, hi):
    n = lambda: str(r.randint(lo, hi + (1 if r.random() < 0.1 else 0)))
    k = r.randint(0, 9)
    if k == 0: return "*"
    if k == 1: return "*/%d" % r.randint(1, 40)
    if k == 2: return "%s-%s" % (n(), n())
    if k == 3: return "%s-%s/%d" % (n(), n(), r.randint(0, 9))
    if k == 4: return r.choice(NAMES)
    if k == 5: return r.choice([" ", "", "  "]) + n() + r.choice([" ", "", "\t"])
    if k == 6: return n() + "-" + n() + r.choice(["x", " ", "-3", "/", "/2x", ""])
    if k == 7: return r.choice(["-1", "1_0", "+2", "0x1", "*x", " */2", "1/5"])
    return n()


def field(r, lo, hi):
    k = r.random()
    if k < 0.55:
        return repr(",".join(part(r, lo, hi) for _ in range(r.randint(1, 3))))
    if k < 0.65:
        return str(r.randint(lo, hi + 1))
    if k < 0.75:
        return "range(%d, %d)" % (r.randint(lo, hi), r.randint(lo, hi + 2))
    if k < 0.85:
        return "[%s]" % ", ".join(str(r.randint(lo, hi)) for _ in range(r.randint(1, 3)))
    if k < 0.9:
        return "[%r]" % str(r.randint(lo, hi))
    return repr("*")


def gen(seed, n):
    r = random.Random(seed)
    print("from celery.schedules import crontab")
    print("beat_schedule = {")
    for i in range(n):
        args = []
        for name, lo, hi in FIELDS:
            if r.random() < 0.6:
                args.append("%s=%s" % (name, field(r, lo, hi)))
        print("    'e%d': {'task': 't', 'schedule': crontab(%s)}," % (i, ", ".join(args)))
    print("}")


def check(path):
    src = open(path).read()
    entries = {}
    for m in re.finditer(r"'(e\d+)': \{'task': 't', 'schedule': (crontab\(.*\))\},\n", src):
        entries[m.group(1)] = m.group(2)
    from celery.schedules import crontab
    emitted = {}
    for line in sys.stdin:
        m = re.match(r"SELECT cron.schedule\('(e\d+)', '([^']*)'", line)
        if m:
            emitted[m.group(1)] = m.group(2)
    refused = {}
    for line in open(sys.argv[3]):
        m = re.match(r"cron-convert: \S+:\d+: (e\d+): refused: (.*)", line)
        if m:
            refused[m.group(1)] = m.group(2)
    bad = ok = 0
    start = datetime.date(2026, 1, 1)
    for name, expr in entries.items():
        try:
            c = eval(expr, {"crontab": crontab})
        except Exception as ex:
            if name in emitted:
                bad += 1
                print("%s: Celery raises %s, converted to %s: %s" % (name, type(ex).__name__, emitted[name], expr))
            continue
        if name not in emitted:
            never = not all((c.minute, c.hour, c.day_of_week,
                              c.day_of_month, c.month_of_year))
            why = refused.get(name, "")
            if not ("pg_cron runs on either" in why or
                    (never and why.endswith("Celery never runs it"))):
                bad += 1
                print("%s: Celery takes it, refused: %s: %s" % (name, refused.get(name), expr))
            continue
        e = pgcron.parse(emitted[name])
        day = lambda d: (d.month in c.month_of_year and d.day in c.day_of_month
                         and d.isoweekday() % 7 in c.day_of_week)
        if (e is None or e["min"] != set(c.minute) or e["hour"] != set(c.hour)
                or pgcron.same_days(e, day, start, 3 * 366)):
            bad += 1
            print("%s: %s fires otherwise than %s" % (name, emitted[name], expr))
        else:
            ok += 1
    print("converted and equal", ok)
    print("bad", bad)


if sys.argv[1] == "check":
    check(sys.argv[2])
else:
    gen(int(sys.argv[1]), int(sys.argv[2]))
