# Hostile names everywhere a name reaches SQL (issue 16): tables, columns,
# keys, schemas, resume ids, job names and commands with quotes, semicolons,
# newlines, backslashes, dollar quotes, Unicode and PostgreSQL's 63-byte
# limit, through pg-copy-load (--create, COPY's column list, routed $table,
# --upsert's staging table and ON CONFLICT, --resume's ledger), pg-verify
# (its digest and full queries, --columns, --ignore), sqlite-dump-ndjson's
# DDL and cron-convert's SQL for pg_cron.  Every value arrives exactly, the
# sentinel tables survive (nothing injected), and a name PostgreSQL would cut
# into another is refused with a message.
. "$(dirname "$0")/lib.sh"
PG_EXTRA_CONF="shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'" pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
sql 'create table sentinel (n int); insert into sentinel values (42); create table x (n int); create table t (n int)' >/dev/null
sentinel() { sql "select (select n from sentinel) || ',' || (select count(*) from pg_class where relname in ('x', 't'))"; }

# the awkward names, as JSON keys and as SQL names
/usr/bin/python3 - <<'PY'
import json, random
names = ['a"b', 'x;drop table sentinel;--', 'new\nline', 'back\\slash', 'zoë ☃', '$$dollar', "it's",
         'sp ace', '$$1', 'e' * 63, 'ünï' * 10 + 'x' * 3, ')', 'id']
r = random.Random(5)
with open("hostile.ndjson", "w") as f:
    for i in range(200):
        rec = {n: "".join(r.choice(["'", '"', ";", "\\", "\n", "$$", "☃", "a", "--", "\t"]) for _ in range(r.randrange(0, 12)))
               for n in names}
        rec["id"] = i
        f.write(json.dumps(rec, ensure_ascii=r.random() < 0.5) + "\n")
json.dump(names, open("names.json", "w"))
PY
# the expected rows, read back by psycopg2 with each name quoted by psycopg2
same_rows() { # TABLE(sql text) FILE: the table's rows equal the file's records
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys, psycopg2
from psycopg2 import sql
table, path = sys.argv[1], sys.argv[2]
want = {}
for line in open(path):
    rec = json.loads(line)
    want[rec["id"]] = {(k[1:] if k.startswith("$$") else k): v for k, v in rec.items() if k != "$table"}
c = psycopg2.connect("")
cur = c.cursor()
cur.execute("select * from " + table)
cols = [d.name for d in cur.description]
got = {}
for row in cur:
    d = dict(zip(cols, row))
    got[d["id"]] = d
print("ok" if got == want else "differ: %d rows, %d wanted; e.g. %r vs %r" % (
    len(got), len(want), *next(((got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)), (None, None))))
PY
}

T='"tab""le; drop table sentinel;--"'
run pg-copy-load -q -t "$T" --create --keep-case hostile.ndjson
check "--create: a hostile table and hostile columns, every row exact" "0|ok|42,2" \
	"$status|$(same_rows "$T" hostile.ndjson)|$(sentinel)"
sql "create unique index on $T (\"a\"\"b\", id); create unique index on $T (\"it's\")" >/dev/null 2>&1
sql "alter table $T add primary key (id)" >/dev/null
/usr/bin/python3 - <<'PY'
import json
out = open("changed.ndjson", "w")
for line in open("hostile.ndjson"):
    rec = json.loads(line)
    if rec["id"] % 3 == 0:
        rec["x;drop table sentinel;--"] = "changed '; drop table x; --"
    out.write(json.dumps(rec) + "\n")
PY
run pg-copy-load -q -t "$T" --upsert=id --batch-commit --batch-rows=7 --resume="r'1\"; drop table t;--" changed.ndjson
check "--upsert (a staging table) and --resume (a hostile id in the ledger)" "0|ok|42,2" \
	"$status|$(same_rows "$T" changed.ndjson)|$(sentinel)"
run pg-copy-load -q -t "$T" --upsert=id --batch-commit --resume="r'1\"; drop table t;--" changed.ndjson
check "--resume again with the hostile id: nothing to do" "0|ok" "$status|$(same_rows "$T" changed.ndjson)"
run pg-verify -q -t "$T" --key=id changed.ndjson
check "pg-verify (digest) of the hostile table: equal" "0" "$status"
run pg-verify -q -t "$T" --key=id --mode=full --columns='"a""b","x;drop table sentinel;--","new
line"' hostile.ndjson
check "pg-verify --mode=full --columns with hostile names: the 67 changed rows, and only in that column" "1|67|67" \
	"$status|$(echo "$out" | grep -v '^{"summary"' | grep -c '"changed"')|$(echo "$out" | grep -v '^{"summary"' | grep -c 'x;drop table sentinel;--')"
run pg-verify -q -t "$T" --key=id --ignore='"x;drop table sentinel;--"' hostile.ndjson
check "pg-verify --ignore with a hostile name: equal without it" "0|42,2" "$status|$(sentinel)"

# routed: $table names from the data, into a hostile schema
sql 'create schema "we""ird sch;ema"' >/dev/null
/usr/bin/python3 - <<'PY'
import json
out = open("routed.ndjson", "w")
for line in open("hostile.ndjson"):
    rec = json.loads(line)
    rec["$table"] = ['we"ird sch;ema.t1"; drop table sentinel;--', "we\"ird sch;ema.ünï ☃"][rec["id"] % 2]
    out.write(json.dumps(rec) + "\n")
PY
run pg-copy-load -q --create --keep-case routed.ndjson
grep '"id": [0-9]*[02468],' routed.ndjson >even.ndjson
grep '"id": [0-9]*[13579],' routed.ndjson >odd.ndjson
check "routed \$table names into a hostile schema: both tables exact" "0|ok|ok|42,2" \
	"$status|$(same_rows '"we""ird sch;ema"."t1""; drop table sentinel;--"' even.ndjson)|$(same_rows '"we""ird sch;ema"."ünï ☃"' odd.ndjson)|$(sentinel)"

# 63 bytes: a longer key names the column PostgreSQL cuts it to (as the
# server does); two keys that cut to one column are refused, not merged
long=$(printf 'b%.0s' $(seq 70))
printf '{"id":1,"%s":"v"}\n' "$long" >long.ndjson
run pg-copy-load -q -t long1 --create long.ndjson
check "a 70-byte key: the column of its first 63 bytes" "0|v" "$status|$(sql "select ${long:0:63} from long1")"
printf '{"id":1,"%s":"v","%sc":"w"}\n' "$long" "$long" >long2.ndjson
run pg-copy-load -q -t long2 --create long2.ndjson
check "--create: two keys PostgreSQL would cut to one name: refused, naming both, no table" "3|1|f" \
	"$status|$(echo "$errout" | grep -cxF "pg-copy-load: --create: long2: keys \"$long\" and \"${long}c\" are both column \"${long:0:63}\" in PostgreSQL (names are cut to 63 bytes)")|$(sql "select to_regclass('long2') is not null")"
run pg-copy-load -q -t long1 long2.ndjson
check "loading: two keys of one record that cut to one column: rejected" "1" "$status"

# SQLite names -> DDL -> rows -> pg-verify
/usr/bin/python3 - <<'PY'
import sqlite3
db = sqlite3.connect("hostile.db")
db.execute('create table "sq""l; drop table sentinel;--" (id integer primary key, "a""b" text, "new\nline" text, "$x" text, "back\\slash" text)')
db.executemany('insert into "sq""l; drop table sentinel;--" values (?, ?, ?, ?, ?)',
               [(i, "v'%d" % i, "l\n%d" % i, "$$%d" % i, "b\\%d" % i) for i in range(50)])
db.commit()
PY
sqlite-dump-ndjson --ddl=pre --keep-case hostile.db >pre.sql 2>ddl.err
run psql -X -q -v ON_ERROR_STOP=1 -f pre.sql
sqlite-dump-ndjson hostile.db >sq.ndjson
pg-copy-load -q -t '"sq""l; drop table sentinel;--"' sq.ndjson
st=$?
check "sqlite-dump-ndjson --ddl with hostile names: the table made, loaded, verified" "0|0|0|42,2" \
	"$status|$st|$(pg-verify -q -t '"sq""l; drop table sentinel;--"' --key=id sq.ndjson >/dev/null; echo $?)|$(sentinel)"

# cron-convert: job names and commands with quotes, dollars, semicolons:
# pg_cron holds exactly them
sql 'create extension pg_cron' >/dev/null
cat >beat.py <<'EOF'
from celery.schedules import crontab
beat_schedule = {
    "it's; drop table sentinel;--": {"task": "t'ask\"; select 1;--", "schedule": crontab(minute=5),
                                      "args": ("$$ 'quoted' $$", "back\\slash", "Zoë ☃", "$cron$); drop table sentinel; --")},
    "$job$": {"task": "plain", "schedule": crontab(minute=7), "kwargs": {"k'ey": "v;--"}},
}
EOF
cron-convert beat.py >jobs.sql 2>cron.err
run psql -X -q -v ON_ERROR_STOP=1 -f jobs.sql
check "cron-convert: hostile job names and arguments, scheduled as written" "0|2|it's; drop table sentinel;--|42,2" \
	"$status|$(sql 'select count(*) from cron.job')|$(sql "select jobname from cron.job where schedule = '5 * * * *'")|$(sentinel)"
# the command's arguments, read back from cron.job by Python: the SQL
# literal unquoted, its JSON parsed, against what the beat file holds
check "cron-convert: the commands carry the task and arguments exactly" "ok" "$(/usr/bin/python3 - <<'PY'
import json, re, psycopg2
c = psycopg2.connect("")
cur = c.cursor()
cur.execute("select jobname, command from cron.job")
got = {}
for name, cmd in cur:
    lit = lambda s: s.replace("''", "'")
    m = re.search(r"'job_type', '((?:[^']|'')*)', 'args', '((?:[^']|'')*)'::jsonb, 'kwargs', '((?:[^']|'')*)'::jsonb", cmd)
    got[name] = (lit(m.group(1)), json.loads(lit(m.group(2))), json.loads(lit(m.group(3))))
want = {"it's; drop table sentinel;--": ("t'ask\"; select 1;--", ["$$ 'quoted' $$", "back\\slash", "Zoë ☃", "$cron$); drop table sentinel; --"], {}),
        "$job$": ("plain", [], {"k'ey": "v;--"})}
print("ok" if got == want else "got %r" % got)
PY
)"
finish
