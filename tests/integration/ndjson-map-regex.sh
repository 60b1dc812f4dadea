# ndjson-map's regex shortcut (a literal prefix that says no before PCRE2
# runs) against PCRE2 itself: random patterns of ASCII and multibyte
# literals, classes, quantifiers and anchors, each run as written and
# wrapped in (?:...), which has no literal prefix, over the same random
# subjects; the records kept must be the same.  SEEDS=N for more patterns.
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w" || exit 3

n=${SEEDS:-8}
/usr/bin/python3 - "$((n * 40))" <<'PY'
import json, random, sys
r = random.Random(11)
lits = ["a", "b", "x", "é", "ü", "日", "😀", "\\.", "-"]
atoms = lits * 3 + [".", "\\d", "[aé]", "[^x]", "\\w"]
quants = ["", "", "", "?", "*", "+", "{0,2}", "{2}", "??", "*?"]
chars = ["a", "b", "x", "é", "ü", "日", "😀", ".", "-", "1", "e", "\u00c3"]
pats = []
for i in range(int(sys.argv[1])):
    p = "^" if r.random() < 0.3 else ""
    for j in range(r.randint(1, 5)):
        p += r.choice(atoms) + r.choice(quants)
    if r.random() < 0.1:
        p += "|" + r.choice(lits)
    if r.random() < 0.2:
        p += "$"
    pats.append(p)
with open("pats", "w") as f:
    for p in pats:
        f.write(json.dumps(p, ensure_ascii=False) + "\n")
with open("in.ndjson", "w") as f:
    for i in range(400):
        s = "".join(r.choice(chars) for _ in range(r.randint(0, 6)))
        f.write(json.dumps({"k": s}, ensure_ascii=False) + "\n")
PY
bad=0 total=0
while IFS= read -r p; do
	total=$((total + 1))
	inner=${p#\"}
	inner=${inner%\"}
	a=$(ndjson-map -e "where .k ~ $p" in.ndjson 2>&1)
	b=$(ndjson-map -e "where .k ~ \"(?:$inner)\"" in.ndjson 2>&1)
	if [ "$a" != "$b" ]; then
		bad=$((bad + 1))
		[ $bad -le 5 ] && echo "differs for $p: $(diff <(echo "$a") <(echo "$b") | head -4)"
	fi
done <pats
check "regex shortcut agrees with PCRE2 on $total patterns" "0" "$bad"
check "some patterns keep some records, and not all" "yes" \
	"$([ "$(ndjson-map -e 'where .k ~ "é"' in.ndjson | wc -l)" -gt 0 ] && echo yes)"
# A match that runs into PCRE2's limits is an error for that record, never
# "no match": random subjects under patterns that backtrack a lot, against
# Python's re (no limits); each record is kept as re says or rejected
# naming the limit.  JIT's small stack is not a limit: the interpreter goes on.
/usr/bin/python3 - "$n" <<'PY'
import json, random, re, sys
r = random.Random(int(sys.argv[1]) * 7 + 1)
pats = ["^(a|b)*$", "^(?:.)*$", "^(a|b)*c$", "^((a)|(b))*c?$", "^(?:(?:a|b)(?:b|a))*$"]
with open("lim.pats", "w") as f:
    for p in pats:
        f.write(p + "\n")
with open("lim.ndjson", "w") as f, open("lim.want", "w") as w:
    recs = []
    for i in range(20 * int(sys.argv[1])):
        s = "".join(r.choice("ab") for _ in range(r.choice([0, 5, 50, 1200, 5000, 30000])))
        if r.random() < 0.3:
            s += "c"
        recs.append(s)
        f.write(json.dumps({"k": s}) + "\n")
    for p in pats:
        w.write(p + " " + "".join("1" if re.search(p, s) else "0" for s in recs) + "\n")
PY
bad=0 lim=0
while IFS= read -r p; do
	got=$(ndjson-map --rejects=rej -e "keep; m = (.k ~ \"$p\")" lim.ndjson |
		/usr/bin/python3 -c 'import json,sys; print("".join("1" if json.loads(l)["m"] else "0" for l in sys.stdin))')
	# a rejected record: none of the answers, so its place is a "-"
	got=$(/usr/bin/python3 - "$got" rej lim.ndjson <<'PY'
import json, sys
got = list(sys.argv[1])
rej = {json.loads(l)["line"]: json.loads(l)["error"] for l in open(sys.argv[2])}
n = sum(1 for _ in open(sys.argv[3]))
out = []
for i in range(1, n + 1):
    if i in rej:
        out.append("L" if "limit" in rej[i] else "?")
    else:
        out.append(got.pop(0))
print("".join(out))
PY
)
	want=$(grep -F "$p " lim.want | cut -d' ' -f2)
	w2=$(/usr/bin/python3 -c 'import sys; a,b=sys.argv[1:]; print(sum(1 for x,y in zip(a,b) if x!=y and x!="L") + abs(len(a)-len(b)), a.count("L"))' "$got" "$want")
	bad=$((bad + ${w2% *}))
	lim=$((lim + ${w2#* }))
done <lim.pats
check "regex limits: answers as Python's re, or the record rejected" "0" "$bad"
echo "regex limits: $lim records rejected at a limit"
printf '{"k":"%s"}\n' "$(printf 'a%.0s' $(seq 28))y" >exp.ndjson
check_run "a match limit rejects the record, naming the regex" 1 \
	'ndjson-map: exp.ndjson:1: where: ~ "^(?:(a+)+x|a+y)": match limit exceeded' \
	ndjson-map -e 'where .k ~ "^(?:(a+)+x|a+y)"' exp.ndjson
check_run "in a table's when: the table is named" 1 \
	'ndjson-map: exp.ndjson:1: table t: when: ~ "^(?:(a+)+x|a+y)": match limit exceeded' \
	ndjson-map -e 'table t when .k ~ "^(?:(a+)+x|a+y)"; unmatched pass' exp.ndjson
# a^n y (n >= 1) under a pattern that backtracks exponentially: each matches (a+y),
# so every record is kept or rejected at the limit, none filtered
/usr/bin/python3 -c '
import json, random, sys
r = random.Random(int(sys.argv[1]))
for i in range(10 * int(sys.argv[1])):
    print(json.dumps({"k": "a" * r.randint(1, 40) + "y"}))' "$n" >expn.ndjson
ndjson-map --stats -e 'where .k ~ "^(?:(a+)+x|a+y)"' expn.ndjson 2>expn.err >/dev/null
check "exponential backtracking: nothing filtered" "0 filtered" \
	"$(grep -o '[0-9]* filtered' expn.err)"
echo "exponential backtracking: $(grep -c 'match limit exceeded' expn.err) of $((10 * n)) at the match limit"
printf '{"k":"%s"}\n' "$(printf 'ab%.0s' $(seq 600))" >long.ndjson
check "a JIT stack limit is not no match" "1" \
	"$(ndjson-map -e 'where .k ~ "^(a|b)*$"' long.ndjson | wc -l)"

# Captures: each match sets every group of its regex, an unset one absent,
# whatever an earlier match, element or record took.
check "a group the last match left unset is absent" \
	'{"$table":"t","a":"x","b":"y"}
{"$table":"t","a":"x"}' \
	"$(printf '{"k":"xy"}\n{"k":"x"}\n' | ndjson-map -e 'table t when .k ~ "^(?<a>x)?(?<b>y)?"' -e 'a = $a; b = $b')"
check "an exploded element does not see the previous element's groups" \
	'{"$table":"t","a":"x","b":"y","w":"q"}
{"$table":"t","a":"x","w":"q"}
{"$table":"t","w":"q"}' \
	"$(printf '{"w":"q","l":["xy","x","z"]}\n' | ndjson-map -e 'table t when .w ~ "(?<w>q)"' -e 'explode .l' -e 'where @ ~ "^(?<a>x)?(?<b>y)?"' -e 'a = $a; b = $b; w = $w')"
check "a failed match leaves its groups absent" '{"x":null}' \
	"$(printf '{"a":"1","b":"2"}\n' | ndjson-map -e 'x = $x ?? null; where (.a ~ "(?<x>1)" and false) or not (.b ~ "(?<x>9)")')"
finish
