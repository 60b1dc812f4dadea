# ndjson-map's numbers and casts against Python models of ndjson-map(1):
# comparisons and nullif of random numbers of up to 200 digits and
# exponents of up to 31 digits against a model in Python's integers;
# bigint(),
# int() and + of integers written every way; and each cast of random
# strings (numbers, padded, PostgreSQL's boolean spellings, NaN, garbage)
# given three ways, as a string literal, a field and a field whose every
# character is a \u escape: the three agree and match the model.
# SEEDS=N for more records.
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w" || exit 3
n=${SEEDS:-4}

# the integer a number's text is, for both models
cat >model.py <<'PY'
from decimal import Decimal
def exact_int(t):
    """the integer t is exactly, None when not whole (or past 10^20)"""
    sign, ds, e = Decimal(t).as_tuple()
    ds = list(ds)
    while ds and ds[-1] == 0:
        ds.pop()
        e += 1
    if not ds:
        return 0
    if e < 0 or len(ds) + e > 21:
        return None
    v = int("".join(map(str, ds))) * 10**e
    return -v if sign else v
PY

# -- numbers ---------------------------------------------------------------
/usr/bin/python3 - "$n" <<'PY'
import json, random, re, sys
sys.path.insert(0, ".")
from model import exact_int
seed = int(sys.argv[1])
r = random.Random(seed)

def digits(k, lead=True):
    s = "".join(r.choice("0123456789") for _ in range(k))
    return s

def num():
    """a random JSON number text"""
    neg = r.random() < 0.4
    k = r.choice([1, 1, 2, 5, 19, 20, 64, 65, 70, 120, 200])
    ip = "0" if r.random() < 0.25 else r.choice("123456789") + digits(k - 1)
    fp = ""
    if r.random() < 0.5:
        fp = "." + digits(r.choice([1, 3, 40, 70, 150])) + "0" * r.choice([0, 0, 3, 70])
    ex = ""
    if r.random() < 0.5:
        e = r.choice([0, 1, 7, 8, 9, 10**8, 10**8 + 1, 200000000, 10**17, 10**18 - 1,
                      10**18, 10**18 + 1, 2**63, 10**30, r.randint(0, 10**18),
                      r.randint(0, 10**25), r.randint(0, 300)])
        ex = r.choice("eE") + r.choice(["", "+", "-"]) + "0" * r.choice([0, 0, 2]) + str(e)
    return ("-" if neg else "") + ip + fp + ex

def parse(t):
    """(sign, mantissa, exponent) as Python integers: t = -1^sign m 10^e"""
    m = re.fullmatch(r"(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?", t)
    fp = m.group(3) or ""
    return (m.group(1) == "-", int(m.group(2) + fp), int(m.group(4) or 0) - len(fp))

def cmp(a, b):
    """exact order of two number texts, by integers only: no decimal
    context, no exponent limit"""
    (sa, ma, ea), (sb, mb, eb) = parse(a), parse(b)
    if ma == 0 or mb == 0:
        va = 0 if ma == 0 else (-1 if sa else 1)
        vb = 0 if mb == 0 else (-1 if sb else 1)
        return (va > vb) - (va < vb)
    if sa != sb:
        return -1 if sa else 1
    la, lb = len(str(ma)) + ea, len(str(mb)) + eb   # magnitude
    if la != lb:
        c = 1 if la > lb else -1
    else:   # the same magnitude: shifts are bounded by the digits
        if ea >= eb:
            ma *= 10 ** (ea - eb)
        else:
            mb *= 10 ** (eb - ea)
        c = (ma > mb) - (ma < mb)
    return -c if sa else c

def same_value(t):
    """another spelling of t's value: point moved, exponent adjusted"""
    sign, m, e = parse(t)
    ds = str(m)
    k = r.randint(0, 3)
    ds += "0" * k
    e -= k
    shift = r.randint(0, len(ds) - 1)
    # ds[:len-shift] . ds[len-shift:] times 10^(e+shift)
    ip, fp = ds[:len(ds) - shift], ds[len(ds) - shift:]
    ip = ip.lstrip("0") or "0"
    s = ("-" if sign else "") + ip + ("." + fp if fp else "")
    return s + "e" + str(e + shift)

def near(t):
    """t with its last digit one up or down"""
    sign, m, e = parse(t)
    return ("-" if sign else "") + str(abs(m + r.choice([-1, 1]))) + "e" + str(e)

recs = []
for i in range(150 * seed):
    a = num()
    c = r.random()
    b = same_value(a) if c < 0.3 else near(a) if c < 0.6 else num()
    if r.random() < 0.05:
        b = r.choice(["0", "-0", "0.0", "0e99999999999999999999", "-0.000e-5"])
    recs.append((a, b))
with open("cmp.ndjson", "w") as f:
    for a, b in recs:
        f.write('{"a":%s,"b":%s}\n' % (a, b))
want = []
for a, b in recs:
    c = cmp(a, b)
    want.append({"lt": c < 0, "le": c <= 0, "eq": c == 0, "ne": c != 0,
                 "gt": c > 0, "ge": c >= 0, "n": None if c == 0 else a})
json.dump(want, open("cmp.want", "w"))

# integers written every way, bigint()/int() and +
ints = []
for i in range(150 * seed):
    v = r.choice([0, 1, -1, 2**31 - 1, -2**31, 2**31, -2**31 - 1, 2**63 - 1, -2**63,
                  2**63, -2**63 - 1, r.randint(-2**64, 2**64), r.randint(-1000, 1000),
                  r.randint(-2**62, 2**62)])
    t = str(v)
    form = r.random()
    if form < 0.3:
        t = same_value(t)
    elif form < 0.4:
        t = t + "." + "0" * r.choice([1, 70, 150])
    elif form < 0.5:
        t = t + ".5"   # not whole
    ints.append(t)
with open("int.ndjson", "w") as f:
    for i in range(0, len(ints) - 1, 2):
        f.write('{"i":%s,"j":%s}\n' % (ints[i], ints[i + 1]))
def whole(t, bits):
    v = exact_int(t)
    return str(v) if v is not None and -2**(bits - 1) <= v < 2**(bits - 1) else None
want = []
for i in range(0, len(ints) - 1, 2):
    a, b = whole(ints[i], 64), whole(ints[i + 1], 64)
    s = None
    if a is not None and b is not None and -2**63 <= int(a) + int(b) < 2**63:
        s = str(int(a) + int(b))
    want.append({"big": a, "int": whole(ints[i], 32), "sum": s})
json.dump(want, open("int.want", "w"))
PY
ndjson-map -e 'lt = (.a < .b); le = (.a <= .b); eq = (.a == .b); ne = (.a != .b)' \
	-e 'gt = (.a > .b); ge = (.a >= .b); n = nullif(.a, .b)' cmp.ndjson >cmp.out 2>cmp.err
check "comparisons: no record rejected" "" "$(head -3 cmp.err)"
# differ NAME: NAME.out against NAME.want, record for record (numbers as
# their text); the count of records that differ, after up to 3 of them
differ() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
n = sys.argv[1]
want = json.load(open(n + ".want"))
got = [json.loads(l, parse_float=str, parse_int=str) for l in open(n + ".out")]
recs = open(n + ".ndjson").read().splitlines()
bad = 0
for w, g, rec in zip(want, got, recs):
    if w != g:
        bad += 1
        if bad <= 3:
            print("differs:", rec[:150], "want", w, "got", g)
print(bad + abs(len(want) - len(got)))
PY
}
bad=$(differ cmp)
check "comparisons and nullif of $(wc -l <cmp.ndjson) pairs agree with an exact model" "0" "$(echo "$bad" | tail -1)"
[ "$(echo "$bad" | tail -1)" = 0 ] || echo "$bad" | head -3
ndjson-map -e 'big = bigint(.i) else null; int = int(.i) else null; sum = (.i + .j) else null' \
	int.ndjson >int.out 2>int.err
bad=$(differ int)
check "bigint(), int() and + of $(wc -l <int.ndjson) pairs agree with Python's integers" "0" "$(echo "$bad" | tail -1)"
[ "$(echo "$bad" | tail -1)" = 0 ] || echo "$bad" | head -3
check "0 with any exponent is 0" '{"z":true}' \
	"$(echo '{"a":0e1000000000000000000}' | ndjson-map -e 'z = (.a == 0)')"

# -- casts of strings --------------------------------------------------------
/usr/bin/python3 - "$n" <<'PY'
import json, math, random, re, sys
from decimal import Decimal
sys.path.insert(0, ".")
from model import exact_int
seed = int(sys.argv[1])
r = random.Random(seed * 31)
NUM = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
YES = {"t", "true", "y", "yes", "on", "1"}
NO = {"f", "false", "n", "no", "off", "0"}
WS = " \t\n\v\f\r"
def rcase(s):
    return "".join(c.upper() if r.random() < 0.5 else c for c in s)
def pad(s):
    return r.choice(["", "", " ", "\t", "\n", "\v", "\u00a0"]) + s + r.choice(["", "", " ", "\r", "\f"])
def rstr():
    c = r.random()
    if c < 0.35:
        v = r.choice([0, 1, -1, 12, 2**31 - 1, 2**31, -2**31, -2**31 - 1, 2**63 - 1, 2**63,
                      -2**63, -2**63 - 1, r.randint(-10**30, 10**30)])
        s = str(v)
        s += r.choice(["", "", ".0", ".000", "." + "0" * 70, ".5", "e0", "e2", "E-1", "e+00"])
        return pad(s) if r.random() < 0.2 else s
    if c < 0.45:
        return r.choice(["1" + "0" * r.randint(60, 120), "0." + "3" * r.randint(60, 120),
                         "1e400", "-1e400", "1e-400", "4.9e-324", "2.5e-324", "1.7976931348623157e308",
                         "1.7976931348623159e308", "-0", "-0.0", "0e99999999999999999999",
                         "9007199254740993", "16777217", "1e-999999999999999999"])
    if c < 0.65:
        return pad(rcase(r.choice(sorted(YES | NO))))
    if c < 0.75:
        return r.choice(["NaN", "nan", "Infinity", "-Infinity", "+Infinity", "inf", "-inf",
                         " NaN", "NaN "])
    return r.choice(["", " ", "01", "+1", "1.", ".5", "0x10", "1e", "--1", "1_000", "١٢",
                     "tru", "yess", "2024-05-01", "2024-05-01T12:00:00", "2024-05-01T12:00:00+05:00",
                     "2024-05-01T12:00:00.1234567", "2024-13-01", "12:00", "\u00e9t\u00e9",
                     "\u0000", "1\u00001", "\U0001F600"])
strs = [rstr() for _ in range(60 * seed)]
def esc(s):
    out = ""
    for ch in s:
        o = ord(ch)
        if o > 0xFFFF:
            o -= 0x10000
            out += "\\u%04x\\u%04x" % (0xD800 + (o >> 10), 0xDC00 + (o & 0x3FF))
        else:
            out += "\\u%04x" % o
    return out
with open("str.ndjson", "w") as f:
    for s in strs:
        f.write('{"p":%s,"e":"%s"}\n' % (json.dumps(s), esc(s)))
with open("str.lits", "w") as f:
    for s in strs:
        f.write(json.dumps(s) + "\n")
def mant_zero(s):
    return set(re.split("[eE]", s)[0]) <= set("-0.")
def num_ok(s):
    return NUM.fullmatch(s) is not None
def whole(s, bits):
    if not num_ok(s):
        return None
    m = re.search(r"[eE][+-]?0*([0-9]+)$", s)
    if mant_zero(s):
        return "0"
    if m and len(m.group(1)) > 18:
        return None
    v = exact_int(s)
    return str(v) if v is not None and -2**(bits - 1) <= v < 2**(bits - 1) else None
def flt(s):
    if s in ("NaN", "Infinity", "-Infinity"):
        return ["str", s]
    if not num_ok(s):
        return None
    f = float(s)
    if math.isinf(f) or (f == 0 and not mant_zero(s)):
        return None
    return ["float", f.hex()]
def boolean(s):
    t = s.strip(WS)
    t = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in t)
    return True if t in YES else False if t in NO else None
def numeric(s):
    if s in ("NaN", "Infinity", "-Infinity"):
        return ["str", s]
    return ["num", s] if num_ok(s) else None
want = []
for s in strs:
    b = whole(s, 64)
    want.append({"bigint": b, "int": whole(s, 32), "numeric": numeric(s), "float": flt(s),
                 "bool": boolean(s),
                 "times2": str(int(b) * 2) if b is not None and -2**63 <= int(b) * 2 < 2**63 else None})
json.dump(want, open("str.want", "w"))
PY
# each cast of each string: the field, the escaped field, the literal
casts='bigint int numeric float bool timestamp'
prog() { # SRC: the directives for one source
	for c in $casts; do printf '%s = %s(%s) else null\n' "$c" "$c" "$1"; done
	printf 'times2 = (%s * 2) else null\n' "$1"
}
prog .p >p.map
prog .e >e.map
ndjson-map -f p.map str.ndjson >p.out 2>&1
ndjson-map -f e.map str.ndjson >e.out 2>&1
check "casts of an escaped string are those of the string" "" "$(diff p.out e.out | head -5)"
i=0
: >l.out
while IFS= read -r lit; do
	i=$((i + 1))
	prog "$lit" >l.map
	echo '{}' | ndjson-map -f l.map >>l.out 2>&1
done <str.lits
check "casts of a string literal are those of the string" "" "$(diff p.out l.out | head -5)"
str_bad=$(/usr/bin/python3 - <<'PY'
import json
want = json.load(open("str.want"))
lits = open("str.lits").read().splitlines()
bad = 0
for w, l, lit in zip(want, open("p.out"), lits):
    g = json.loads(l, parse_float=str, parse_int=str)
    got = {}
    for k in ("bigint", "int", "times2"):
        got[k] = g.get(k)
    v = g.get("numeric")
    got["numeric"] = None if v is None else ["str", v] if v in ("NaN", "Infinity", "-Infinity") and json.loads(l)["numeric"] == v else ["num", v]
    v = g.get("float")
    got["float"] = None if v is None else ["str", v] if isinstance(json.loads(l)["float"], str) else ["float", float(v).hex()]
    got["bool"] = g.get("bool")
    if got != w:
        bad += 1
        if bad <= 3:
            print("differs for", lit, "want", w, "got", got)
print(bad)
PY
)
check "casts of $(wc -l <str.lits) strings agree with the model of ndjson-map(1)" "0" "$(echo "$str_bad" | tail -1)"
[ "$(echo "$str_bad" | tail -1)" = 0 ] || echo "$str_bad" | head -3
finish
