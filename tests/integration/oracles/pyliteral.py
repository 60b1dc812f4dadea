# Python's literals as Python reads them: the oracle for cron-convert's
# reading of 'args' and 'kwargs' (issue 25, points 11 and 12).
#   pyliteral.py gen SEED N [crlf]  a beat file of N entries, their args and
#       kwargs random literals in every form Python's tokenizer takes
#       (prefixes, quotes, escapes, concatenation, parentheses, numbers)
#   pyliteral.py check FILE ERR <SQL  each entry converted with the JSON
#       kombu would send, or refused for a reason its value really has
# Python itself (ast, literal_eval, kombu's json) says what each value is;
# nothing here knows how cron-convert reads it.
import ast, json, math, random, re, sys

QUOTES = ["'", '"', "'''", '"""']
PREFIXES = ["", "", "", "", "u", "U", "r", "R"]
ODD_PREFIXES = ["b", "B", "f", "F", "rb", "bR", "Rb", "fr", "Rf"]  # refused
STR_BITS = ["a", "Zoë", " ", "✓", "😀", "\\n", "\\t", "\\\\", "\\'", '\\"', "\\a", "\\b", "\\f",
            "\\v", "\\r", "\\7", "\\101", "\\377", "\\777", "\\x41", "\\xff",
            "\\u00e9", "\\u2713", "\\U0001F600", "\\U0010FFFF", "\\q", "\\d", "\\\n",
            "{{", "}}", "{1}", "%s", "$cron$", "''"]
ODD_BITS = ["\\0", "\\x00", "\\ud800", "\\udfff", "\\N{BULLET}",
            "\\N{LATIN SMALL LETTER E WITH ACUTE}"]  # refused: NUL, surrogates, names
NUMS = ["0", "00", "0_0", "000", "-0", "7", "+7", "-12", "1_000", "0x1F", "0X_ff", "0o17",
        "0b1_01", "0xFFFFFFFFFFFFFFFFFF", "-0o777777777777777777777777", "123456789012345678901234567890",
        "1.5", "2.", ".25", "1e3", "1E+3", "2.5e-3", "1_0.5e1_0", "1e400", "-1e400", "1e-400",
        "-1e-400", "1e308", "4.9e-324", "0e0", "-0.0", "1j", "2.5J", "0_1.5", "00.5"]


def gen_string(r):
    while True:
        prefix = r.choice(ODD_PREFIXES if r.random() < 0.1 else PREFIXES)
        q = r.choice(QUOTES)
        body = ""
        for _ in range(r.randint(0, 4)):
            bit = r.choice(ODD_BITS if r.random() < 0.05 else STR_BITS + ["\n"] * (len(q) == 3))
            body += bit
        if "b" in prefix.lower():
            body = body.encode("ascii", "ignore").decode()
        if "f" not in prefix.lower():
            body = body.replace("{1}", "{")
        lit = prefix + q + body + q
        try:
            eval(lit, {})
        except (SyntaxError, NameError):
            continue
        return lit


def gen_value(r, d=0):
    """one value Python compiles (a piece it refuses, such as bytes joined
    to a str, is drawn again)"""
    while True:
        v = draw_value(r, d)
        try:
            eval(v, {})  # rf"\N{BULLET}" names a variable
            return v
        except (SyntaxError, NameError):
            pass


def draw_value(r, d):
    k = r.randint(0, 9 if d < 3 else 4)
    if k <= 1:
        if r.random() < 0.8:
            return r.choice(NUMS)
        return "0x" + "_".join("".join(r.choice("0123456789abcdefF") for _ in range(r.randint(1, 6)))
                               for _ in range(r.randint(1, 5)))
    if k <= 3:
        parts = [gen_string(r) for _ in range(r.choice([1, 1, 1, 2, 3]))]
        return r.choice([" ", "\n  ", ""]).join(parts) if d else " ".join(parts)
    if k == 4:
        return r.choice(["None", "True", "False"])
    if k == 5:
        return "[" + ", ".join(gen_value(r, d + 1) for _ in range(r.randint(0, 3))) + "]"
    if k == 6:
        return "(" + "".join(gen_value(r, d + 1) + ", " for _ in range(r.randint(0, 3))) + ")"
    if k == 7:
        return "(" + gen_value(r, d + 1) + ")"
    if k == 8:
        return "((" + gen_value(r, d + 1) + "),)"
    return "{" + ", ".join("%s: %s" % (gen_string(r), gen_value(r, d + 1))
                           for _ in range(r.randint(0, 3))) + "}"


def gen(seed, n, crlf):
    r = random.Random(seed)
    out = ["beat_schedule = {"]
    for i in range(n):
        form = r.choice(["[%s]", "(%s)", "(%s,)", "%s"])
        if form == "%s" or form == "(%s,)" or (form == "(%s)" and r.random() < 0.5):
            a = form % gen_value(r)  # one value, in parentheses or not: no tuple
        else:
            a = form % ", ".join(gen_value(r) for _ in range(r.randint(0, 3)))
        kw = "{%s}" % ", ".join("%s: %s" % (gen_string(r), gen_value(r)) for _ in range(r.randint(0, 2)))
        out.append("  'e%d': {'task': 't%d', 'schedule': 3600,\n    'args': %s,\n    'kwargs': %s}," % (i, i, a, kw))
    out.append("}")
    text = "\n".join(out) + "\n"
    ast.parse(text)
    sys.stdout.buffer.write(text.replace("\n", "\r\n").encode() if crlf else text.encode())


def walk(v):
    yield v
    if isinstance(v, (list, tuple, set)):
        for x in v:
            yield from walk(x)
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from walk(x)


def kombu_json(v):
    from kombu.utils import json as kj
    return json.loads(kj.dumps(v))


def value_of(node, src):
    """(the value, or None when literal_eval refuses, and whether that is
    because it holds an f-string)"""
    seg = ast.get_source_segment(src, node)
    try:
        return ast.literal_eval(seg), False
    except ValueError:
        # an f-string: what Python computes when the file runs (the
        # generator's hold only {1} and doubled braces)
        assert any(isinstance(n, ast.JoinedStr) for n in ast.walk(node))
        return eval(seg, {}), True


def justified(reason, v, fstring, seg):
    """is reason (the tool's words) true of the value Python reads?"""
    vals = list(walk(v)) if v is not None else []
    strs = [x for x in vals if isinstance(x, str)]
    if "f-string" in reason:
        return fstring
    if "bytes literal" in reason:
        return any(isinstance(x, bytes) for x in vals)
    if "\\N{...}" in reason:
        return "\\N{" in seg
    if "surrogate" in reason:
        return any(0xD800 <= ord(c) <= 0xDFFF for s in strs for c in s)
    if "not finite" in reason:
        return any(isinstance(x, float) and not math.isfinite(x) for x in vals)
    if "complex number" in reason:
        return any(isinstance(x, complex) for x in vals)
    if "-0.0" in reason:
        return any(isinstance(x, float) and x == 0 and math.copysign(1, x) < 0 for x in vals)
    if "not a list or tuple" in reason:
        return not isinstance(v, (list, tuple))
    if "not a dict" in reason:
        return not isinstance(v, dict)
    if "a value JSON cannot hold" in reason:  # jsonb: no NUL; sets, non-str keys
        try:
            kombu_json(v)
        except (TypeError, ValueError):
            return True
        return any("\0" in s for s in strs) or any(isinstance(x, (set, frozenset)) for x in vals) or \
            any(isinstance(x, dict) and any(not isinstance(k, str) for k in x) for x in vals)
    return False


def same(a, b):
    if type(a) != type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and a == 0:
        return str(a) == str(b)
    return a == b


def check(path, errpath):
    src = open(path, encoding="utf-8").read()  # newlines as import reads them
    tree = ast.parse(src)
    entries = {}
    top = tree.body[0].value
    for k, e in zip(top.keys, top.values):
        fields = {kk.value: vv for kk, vv in zip(e.keys, e.values)}
        entries[k.value] = fields
    refused = {}
    for line in open(errpath, encoding="utf-8", errors="replace"):
        m = re.match(r"cron-convert: [^:]*:\d+: (e\d+): refused: (.*)$", line.rstrip("\n"))
        if m:
            refused[m.group(1)] = m.group(2)
    converted = {}
    pat = re.compile(r"SELECT cron\.schedule\('(e\d+)'.*'args', (E?)'(.*)'::jsonb, 'kwargs', (E?)'(.*)'::jsonb\)\)")
    def literal(e, t):
        t = t.replace("''", "'")
        return t.replace("\\\\", "\\") if e else t
    for line in sys.stdin:
        m = pat.match(line)
        if m:
            converted[m.group(1)] = (json.loads(literal(m.group(2), m.group(3))),
                                     json.loads(literal(m.group(4), m.group(5))))
    bad = n = nconv = 0
    for name, f in entries.items():
        n += 1
        args, afs = value_of(f["args"], src)
        kwargs, kfs = value_of(f["kwargs"], src)
        if name in refused:
            why = refused[name]
            what = "args" if why.startswith("'args'") else "kwargs"
            node, v, fs = (f["args"], args, afs) if what == "args" else (f["kwargs"], kwargs, kfs)
            if not justified(why, v, fs, ast.get_source_segment(src, node)):
                bad += 1
                print("unjustified:", name, why, repr(v))
            continue
        if name not in converted:
            bad += 1
            print("neither converted nor refused:", name)
            continue
        nconv += 1
        ok = isinstance(args, (list, tuple)) and isinstance(kwargs, dict)
        if ok:
            try:
                ok = same(converted[name][0], kombu_json(list(args))) and \
                    same(converted[name][1], kombu_json(kwargs))
            except (TypeError, ValueError):
                ok = False
        if not ok:
            bad += 1
            print("differs:", name, converted[name], repr(args), repr(kwargs))
    print("read", n, "converted", nconv, "refused", len(refused))
    print("bad", bad)


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:] == ["crlf"])
    else:
        check(sys.argv[2], sys.argv[3])
