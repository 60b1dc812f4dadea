"""pgcron: pg_cron's schedule parser and matcher in Python, ported from its
C source (citusdata/pg_cron src/entry.c parse_cron_entry, get_list,
get_range, get_number, set_range; src/pg_cron.c ShouldRunTask,
StartPendingRuns), not from cron-convert, so tests can ask what pg_cron
runs.

    e = parse("0 3 */2 * 1-5")        # None where pg_cron refuses it
    runs(e, t_utc, zone=None)         # pg_cron 1.4: gmtime(); 1.5+: the
                                      # minute in cron.timezone
"""
from datetime import timedelta, timezone

FIRST = {"min": 0, "hour": 0, "dom": 1, "month": 1, "dow": 0}
LAST = {"min": 59, "hour": 23, "dom": 31, "month": 12, "dow": 7}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec"]
DOWS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
DOM_STAR, DOW_STAR, MIN_STAR, HR_STAR, DOM_LAST = 1, 2, 8, 16, 32


class Bad(Exception):
    pass


class Reader:
    def __init__(self, s):
        self.s, self.i = s, 0

    def get(self):  # get_char (src/misc.c): '\0' at the end, then EOF
        if self.i == len(self.s):
            self.i += 1
            return "\0"
        if self.i > len(self.s):
            return None
        c = self.s[self.i]
        self.i += 1
        return c


def blank(c):
    return c in (" ", "\t")


def get_number(low, names, ch, r):
    temp = ""
    while ch is not None and ch.isascii() and ch.isalnum():
        temp += ch
        ch = r.get()
    if not temp:
        raise Bad("number")
    if names:
        for i, n in enumerate(names):
            if n.lower() == temp.lower():
                return i + low, ch
    if temp.isdigit():
        return int(temp), ch  # atoi
    raise Bad("number")


def get_range(bits, low, high, names, ch, r):
    if ch == "*":
        n1, n2 = low, high
        ch = r.get()
        if ch is None:
            raise Bad("eof")
    else:
        n1, ch = get_number(low, names, ch, r)
        if ch != "-":
            if ch == "/":
                raise Bad("step without range")
            if n1 < low or n1 > high:
                raise Bad("range")
            bits.add(n1)
            return ch
        ch = r.get()
        if ch is None:
            raise Bad("eof")
        n2, ch = get_number(low, names, ch, r)
    if ch == "/":
        ch = r.get()
        if ch is None:
            raise Bad("eof")
        n3, ch = get_number(0, None, ch, r)
        if n3 <= 0:
            raise Bad("step")
    else:
        n3 = 1
    if n1 < low or n1 > high or n2 < low or n2 > high or n3 < 0 or n3 > high:
        raise Bad("range")
    bits.update(range(n1, n2 + 1, n3))  # set_range: nothing when n2 < n1
    return ch


def get_list(field, names, ch, r):
    bits = set()
    while True:
        ch = get_range(bits, FIRST[field], LAST[field], names, ch, r)
        if ch == ",":
            ch = r.get()
        else:
            break
    while ch not in (None, " ", "\t", "\n", "\0"):  # Skip_Nonblanks
        ch = r.get()
    while ch is not None and blank(ch):  # Skip_Blanks
        ch = r.get()
    return bits, ch


def parse(schedule):
    """pg_cron's entry for a five-field schedule, or None when it refuses
    it (macros and '$' left out: cron-convert writes neither)."""
    r = Reader(schedule)
    ch = r.get()
    while ch is not None and blank(ch):
        ch = r.get()
    e = {"flags": 0}
    try:
        for field, names, flag in (("min", None, MIN_STAR), ("hour", None, HR_STAR),
                                   ("dom", None, DOM_STAR), ("month", MONTHS, 0),
                                   ("dow", DOWS, DOW_STAR)):
            if ch is None:
                raise Bad("eof")
            if ch == "*" and flag:
                e["flags"] |= flag
            e[field], ch = get_list(field, names, ch, r)
            if ch is None:
                raise Bad("eof")
    except Bad:
        return None
    if 0 in e["dow"] or 7 in e["dow"]:
        e["dow"] |= {0, 7}
    return e


def matches(e, minute, hour, dom, month, dow):
    """ShouldRunTask's test on a broken-down time (dow 0 = Sunday)."""
    days = ((dow in e["dow"] and dom in e["dom"])
            if e["flags"] & (DOM_STAR | DOW_STAR)
            else (dow in e["dow"] or dom in e["dom"]))
    return (minute in e["min"] and hour in e["hour"] and month in e["month"]
            and days)


def runs(e, t, zone=None):
    """Does pg_cron start e in the UTC minute t (aware datetime)?  It steps
    through UTC minutes one by one (StartPendingRuns, CLOCK_PROGRESSED) and
    reads each with gmtime() (1.4) or pg_localtime(cron.timezone) (1.5+)."""
    lt = t.astimezone(zone) if zone else t.astimezone(timezone.utc)
    return matches(e, lt.minute, lt.hour, lt.day, lt.month,
                   lt.isoweekday() % 7)


def fire_times(e, start, days, zone=None):
    """The UTC minutes pg_cron runs e in, from start for days."""
    out = []
    t = start
    end = start + timedelta(days=days)
    while t < end:
        if runs(e, t, zone):
            out.append(t)
        t += timedelta(minutes=1)
    return out


def same_days(e, day_ok, start, days):
    """The first date in [start, start + days) where pg_cron's day rule
    for e and day_ok(date) disagree, else None."""
    for i in range(days):
        d = start + timedelta(days=i)
        ours = matches(e, min(e["min"] or {0}), min(e["hour"] or {0}),
                       d.day, d.month, d.isoweekday() % 7) if e["min"] and e["hour"] else False
        if ours != day_ok(d):
            return d
    return None
