# pg-copy-load: values a column's type modifier would round or cut
# (numeric(p,s) with a negative scale or one above p, time(p) and the
# other times, intervals with fields or a precision, varchar(n); as
# elements of arrays and ranges, through domains of domains) are
# rejected naming the column, in every format and mode; the rest load
# exactly.  Random awkward values, SEEDS of them (default 6), each judged
# by PostgreSQL (tests/integration/typmod-property), not by our code.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
prop=$top/tests/integration/typmod-property
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
"$prop" setup >/dev/null || exit 3

# one rejection of each kind: the exact message
sql "create table one (id int, n numeric(5,-2), ts timestamp(0), tz timetz(1),
	iv interval day to second(0), ym interval year to month, v varchar(3),
	c char(3), na numeric(5,2)[], d tm_d2, b bit(3), vb varbit(3))" >/dev/null
cat >one.ndjson <<'NDJSON'
{"id":1,"n":12349}
{"id":2,"n":12300}
{"id":3,"ts":"2024-01-01T12:00:00.5"}
{"id":4,"tz":"12:00:00.25+02"}
{"id":5,"iv":"P1DT0.5S"}
{"id":6,"ym":"1 year 2 days"}
{"id":7,"iv":"1 12:00:00"}
{"id":8,"v":"abc   "}
{"id":9,"c":"abc   "}
{"id":10,"na":[1.5,"2.345"]}
{"id":11,"d":1.234}
{"id":12,"b":"1010"}
{"id":13,"vb":"1010"}
{"id":14,"ts":"2024-01-01 12:00:00.000"}
NDJSON
f=one.ndjson
for fmt in text auto; do
	sql 'truncate one' >/dev/null
	check_run "one of each, --format=$fmt" 1 "pg-copy-load: $f:1: rejected: column n: 12349 is not a multiple of 1e2, as numeric(5,-2) keeps: PostgreSQL would round it
pg-copy-load: $f:3: rejected: column ts: 2024-01-01T12:00:00.5 has a fraction of a second finer than timestamp(0) without time zone keeps: PostgreSQL would round it
pg-copy-load: $f:4: rejected: column tz: 12:00:00.25+02 has a fraction of a second finer than time(1) with time zone keeps: PostgreSQL would round it
pg-copy-load: $f:5: rejected: column iv: P1DT0.5S has a fraction of a second finer than interval day to second(0) keeps: PostgreSQL would round it
pg-copy-load: $f:6: rejected: column ym: 1 year 2 days has parts finer than interval year to month keeps: PostgreSQL would drop them
pg-copy-load: $f:7: rejected: column iv: 1 12:00:00 is not in a form read here (postgres style, 1 day 02:03:04.5, or ISO 8601, P1DT2H3M4.5S): interval day to second(0) could change it
pg-copy-load: $f:8: rejected: column v: \"abc   \" is longer than character varying(3): PostgreSQL would cut its trailing blanks
pg-copy-load: $f:10: rejected: column na: an element, 2.345, has more decimal places than the column's 2: PostgreSQL would round it
pg-copy-load: $f:11: rejected: column d: 1.234 has more decimal places than the column's 2: PostgreSQL would round it
pg-copy-load: $f:12: rejected: column b: bit string length 4 does not match type bit(3)
pg-copy-load: $f:13: rejected: column vb: bit string too long for type bit varying(3)" \
		pg-copy-load -q --format=$fmt --max-rejects=100 -t one one.ndjson
	check "one of each, --format=$fmt: loaded" "2|12300||
9|||abc
14||2024-01-01 12:00:00|" "$(sql 'select id, n, ts, c from one order by id')"
done

# what fuzz_typmod found: an array nested deeper than the stack (read in
# one loop now: judged, no crash), and intervals whose microseconds come to
# the one int64 with no negative (left to the server, which refuses them)
sql "create table deep (id int, na numeric(5,2)[], iv interval(0),
	ivs interval second(0))" >/dev/null
iv="$(for _ in $(seq 100); do printf -- '-92233720368547758 us '; done)-8 us ago"
/usr/bin/python3 - "$iv" >deep.ndjson <<'PY'
import json, sys
n = 300000
for r in [{"id": 1, "na": "{" * n + "1.234" + "}" * n},
          {"id": 2, "na": "{{{{{{1.5}}}}}}"},
          {"id": 3, "iv": sys.argv[1]},
          {"id": 4, "iv": "-0:0:9223372036854.775808"},
          {"id": 5, "ivs": "-0:0:9223372036854.775808"},
          {"id": 6, "iv": "@ 1 day 02:00:00 ago"}]:
    print(json.dumps(r))
PY
f=deep.ndjson
for fmt in text auto; do
	sql 'truncate deep' >/dev/null
	check_run "deep arrays, interval overflow, --format=$fmt" 1 "pg-copy-load: $f:1: rejected: column na: an element, 1.234, has more decimal places than the column's 2: PostgreSQL would round it
pg-copy-load: $f:3: rejected: column iv: invalid input syntax for type interval: \"$iv\"
pg-copy-load: $f:4: rejected: column iv: invalid input syntax for type interval: \"-0:0:9223372036854.775808\"
pg-copy-load: $f:5: rejected: column ivs: invalid input syntax for type interval: \"-0:0:9223372036854.775808\"" \
		pg-copy-load -q --format=$fmt --max-rejects=100 -t deep $f
	check "deep arrays, interval overflow, --format=$fmt: loaded" "2|{{{{{{1.50}}}}}}|
6||-1 days -02:00:00" "$(sql 'select id, na, iv from deep order by id')"
done

# the property, every mode and format
seeds=${SEEDS:-6}
for seed in $(seq 1 "$seeds"); do
	for fmts in "auto text" binary; do
		"$prop" gen "$seed" 40 in.ndjson truth.json \
			"$([ "$fmts" = binary ] && echo binary)" || exit 3
		for fmt in $fmts; do
			for mode in one commit jobs upsert; do
				case $mode in
				one) args=() ;;
				commit) args=(--batch-commit --batch-rows=7) ;;
				jobs) args=(--jobs=2 --batch-rows=11) ;;
				upsert) args=(--upsert=id --batch-rows=13) ;;
				esac
				"$prop" truncate
				rm -f rej.ndjson sum.json
				run pg-copy-load -q --infinity --format="$fmt" \
					--max-rejects=100000 --rejects=rej.ndjson \
					--summary-json=sum.json "${args[@]}" in.ndjson
				what="seed $seed --format=$fmt ${args[*]}"
				check "$what: status" 1 "$status"
				[ -n "$errout" ] && echo "$what: $errout" | head -3
				check "$what: exact or rejected" ok \
					"$("$prop" check truth.json rej.ndjson sum.json 2>&1)"
			done
		done
	done
done

# ---- types that cut by themselves: name to 63 bytes, "char" to one
# (review 4: "ab" loaded as 'a', 70 characters as 63); PostgreSQL says, for
# each value, whether it is stored as written (a "char" \ooo escape is one
# byte's spelling); the rest loads exactly, read = loaded + rejected
sql 'create table cut (id int primary key, c "char", n name, ca "char"[])'
/usr/bin/python3 - <<'PY'
import json, random
r = random.Random(5)
vals = ["", "a", "ab", "é", "\\101", "\\1", "\\\\", "x" * 62, "y" * 63, "z" * 64, "é" * 31 + "x", "é" * 32]
with open("cut.ndjson", "w") as f:
    for i in range(1, 201):
        col = r.choice(["c", "n", "ca"])
        v = r.choice(vals)
        if col == "c" and len(v.encode()) > 8:
            v = v[:5]
        rec = {"id": i, col: [v, r.choice(vals[:5])] if col == "ca" else v}
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
PY
for fmt in auto text; do
	sql 'truncate cut'
	run pg-copy-load -q -t cut --format=$fmt --max-rejects=1000 --rejects=cutrej.ndjson cut.ndjson
	check "--format=$fmt: name and \"char\" values exact or rejected (PostgreSQL's reading)" "ok" "$(/usr/bin/python3 - <<'PY'
import json, re, psycopg2
conn = psycopg2.connect("")
cur = conn.cursor()
def exact(typ, v):
    if typ == '"char"' and re.fullmatch(r"\\[0-7]{3}", v):
        return True
    cur.execute("select %%s::%s::text = %%s" % typ, (v, v))
    return cur.fetchone()[0]
recs = [json.loads(l) for l in open("cut.ndjson")]
rej = {json.loads(l)["line"] for l in open("cutrej.ndjson")} if open("cutrej.ndjson").read() else set()
bad = []
for n, rec in enumerate(recs, 1):
    if "c" in rec: ok = exact('"char"', rec["c"])
    elif "n" in rec: ok = exact("name", rec["n"])
    else: ok = all(exact('"char"', x) for x in rec["ca"])
    if ok == (n in rej):
        bad.append(n)
cur.execute("select count(*) from cut")
loaded = cur.fetchone()[0]
if loaded + len(rej) != len(recs):
    bad.append("counts %d + %d != %d" % (loaded, len(rej), len(recs)))
cur.execute("select id, c::text, n::text, ca::text from cut")
for i, c, nm, ca in cur.fetchall():
    rec = recs[i - 1]
    if "c" in rec and not re.fullmatch(r"\\[0-7]{3}", rec["c"]) and c != rec["c"]: bad.append(i)
    if "n" in rec and nm != rec["n"]: bad.append(i)
print("ok" if not bad else "lines " + " ".join(map(str, bad[:10])))
PY
)"
done
finish
