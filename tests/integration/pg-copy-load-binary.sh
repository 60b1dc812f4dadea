# Binary COPY gives the same table as text COPY for every type it
# encodes: NULLs, extremes, time zones, Unicode; and values only the
# server's text input reads exactly fall back to text, per batch.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3

cols="id int4 primary key, i2 int2, i8 int8, f4 real, f8 double precision,
	b boolean, t text, vc varchar(10), c char(5), by bytea, j json, jb jsonb,
	d date, ts timestamp, tz timestamptz, u uuid, n numeric, n3 numeric(10,3)"
sql "create table tt ($cols); create table tb ($cols)"
# every row's values are ones the binary encoder takes
cat >exact.ndjson <<'NDJSON'
{"id":1,"i2":-32768,"i8":-9223372036854775808,"f4":3.4028235e38,"f8":1.7976931348623157e308,"b":true,"t":"Zoë ✓ 😀 \u0000x","vc":"ten chars!","c":"ab","by":{"$binary":{"base64":"AP8BAg==","subType":"00"}},"j":{"a":[1,2.50]},"jb":{"big":12345678901234567890,"s":"é"},"d":"2000-01-01","ts":"2024-02-29T23:59:59.999999","tz":"2024-05-01T12:00:00+05:30","u":"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11","n":123456789012345678901234567890.123456789,"n3":-0.5}
{"id":2,"i2":32767,"i8":9223372036854775807,"f4":-1.5,"f8":5e-324,"b":false,"t":"","vc":"","c":"","by":{"$binary":{"base64":"","subType":"00"}},"j":"just a string","jb":[],"d":"0001-01-01","ts":"1970-01-01 00:00:00","tz":"2024-05-01T12:00:00Z","u":"a0eebc999c0b4ef8bb6d6bb9bd380a11","n":0,"n3":0.000}
{"id":3,"i2":null,"i8":0,"f4":0,"f8":"NaN","b":null,"t":"tab\tnl\nback\\","vc":null,"c":null,"by":null,"j":null,"jb":null,"d":"9999-12-31","ts":"9999-12-31T23:59:59","tz":"1999-12-31T23:30:00-08:00","u":null,"n":1e10,"n3":9999999.999}
{"id":4,"f8":"Infinity","ts":"2024-05-01T12:00","tz":"2024-05-01T12:00:00.5-0130","n":1.5e-7,"n3":12.345}
{"id":5,"f8":"-Infinity","ts":"2024-05-01","tz":"2024-05-01T00:00:00+14","n":-10000,"n3":1e2}
{"id":6,"f8":-0.0,"n":0.0001}
{"id":7,"f8":0.30000000000000004,"n":9999.9999}
{"id":8,"n":10000.00010}
{"id":9,"n":-1.0E-3}
{"id":10,"n":1e-1000}
NDJSON
# id 1 holds \u0000 in text: rejected either way; take it out of both
grep -v '"id":1,' exact.ndjson >ok.ndjson
run pg-copy-load -q -t tt --format=text ok.ndjson
check "text load" "0" "$status"
run pg-copy-load -q -t tb --format=binary --summary-json=bin.json ok.ndjson
check "binary load" "0" "$status"
check "binary: every row went binary" "9" "$(/usr/bin/python3 -c 'import json; print(json.load(open("bin.json"))["tables"][0]["binary_rows"])')"
same() {
	check "$1" "$(sql "select string_agg(x::text, E'\n' order by id) from tt x")" \
		"$(sql "select string_agg(x::text, E'\n' order by id) from tb x")"
}
same "binary = text, value for value"
check "binary: the values themselves" "2|32767|9223372036854775807|-1.5|5e-324|f|2000-01-01|1970-01-01 00:00:00|2024-05-01 12:00:00+00|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|0|0.000" \
	"$(PGTZ=UTC sql "select id, i2, i8, f4, f8, b, '2000-01-01'::date, ts, tz, u, n, n3 from tb where id = 2")"

# id 1 with its NUL: the same rejection from both
sql 'truncate tt, tb'
run pg-copy-load -q -t tt --format=text --max-rejects=5 --rejects=t.rej exact.ndjson
run pg-copy-load -q -t tb --format=binary --max-rejects=5 --rejects=b.rej exact.ndjson
strip() { sed 's/"table":"public.t[tb]",//' "$1"; }
check "NUL: rejected the same way" "$(strip t.rej)" "$(strip b.rej)"
same "binary = text after a rejected row"

# values only the server's text input reads exactly: text, same result
sql 'truncate tt, tb'
cat >loose.ndjson <<'NDJSON'
{"id":1,"i2":"12","i8":"  7 ","f8":"1e5","b":"yes","by":"\\x00ff","d":"May 1, 2024","ts":"2024-05-01 12:00:00.1234567","tz":"2024-05-01 12:00:00","u":"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}","n":"NaN"}
{"id":2,"i2":1,"ts":"2024-05-01T24:00:00","tz":"2024-05-01 12:00:00 Europe/Paris","n":"Infinity"}
{"id":3,"i2":2,"d":"2024-02-29","ts":"2024-01-01T00:00:00"}
NDJSON
for tbl in tt tb; do
	f=text
	[ $tbl = tb ] && f=binary
	run env PGTZ=Asia/Tokyo pg-copy-load -q -t $tbl --format=$f --batch-rows=1 --summary-json=$tbl.json loose.ndjson
	check "loose values, $f: loaded" "0" "$status"
done
same "loose values: binary falls back to text, same table"
check "loose values: only the exact row went binary" "1" \
	"$(/usr/bin/python3 -c 'import json; print(json.load(open("tb.json"))["tables"][0]["binary_rows"])')"

# wrong values: the server's own messages, in either format
sql 'truncate tt, tb'
printf '{"id":1,"i2":70000}\n{"id":2,"d":"2024-02-30"}\n{"id":3,"u":"not-a-uuid"}\n{"id":4,"n3":12345678.9}\n' >bad.ndjson
run pg-copy-load -q -t tt --format=text --max-rejects=9 --rejects=t.rej bad.ndjson
run pg-copy-load -q -t tb --format=binary --max-rejects=9 --rejects=b.rej bad.ndjson
check "bad values: the same rejects and messages" "$(strip t.rej)" "$(strip b.rej)"
check "bad values: four" "4" "$(wc -l <b.rej)"

# --format=binary refuses a column it cannot encode
sql 'create table arr (a int[])'
check_run "binary: a type with no encoder" 2 "pg-copy-load: --format=binary: column a of public.arr is of type _int4, which has no binary encoder
pg-copy-load: public.arr: 1 read, 0 loaded, 0 rejected, rolled back" \
	sh -c 'echo "{\"a\":[1]}" | pg-copy-load --format=binary -t arr 2>&1 | sed "s/, [0-9.]* s, [0-9]* rows\/s//" >&2; exit 2'
run sh -c 'echo "{\"a\":[1,2]}" | pg-copy-load -q -t arr'
check "auto: such a type loads as text" "0|{1,2}" "$status|$(sql 'select a from arr')"
# a string into bytea is its UTF-8 bytes, never read by bytea's parser
# (\x41 would be the one byte A); only $binary carries raw bytes
sql 'create table byt (id int, b bytea)'
/usr/bin/python3 -c '
import json
vals = ["\\x41", "a\\\\b", "\\\\", "\u00e9\u0000z", "\\001", "", 12, True, {"a": "\\\\"}, [1, "x"],
        {"$binary": {"base64": "AAE=", "subType": "00"}}, None]
for i, v in enumerate(vals):
    print(json.dumps({"id": i, "b": v}))' >byt.ndjson
expect=$(/usr/bin/python3 -c '
import json
for l in open("byt.ndjson"):
    r = json.loads(l); v = r["b"]
    if isinstance(v, dict) and "$binary" in v: b = b"\x00\x01"
    elif v is None: print("%d|null" % r["id"]); continue
    elif isinstance(v, str): b = v.encode()
    else: b = l[l.index("\"b\": ") + 5:].rstrip()[:-1].encode()  # its JSON text
    print("%d|%s" % (r["id"], b.hex()))')
for f in text binary; do
	sql 'truncate byt'
	run pg-copy-load -q -t byt --format=$f byt.ndjson
	check "bytea from strings, $f: status" "0" "$status"
	check "bytea from strings, $f: the bytes" "$expect" \
		"$(sql "select id, coalesce(encode(b, 'hex'), 'null') from byt order by id")"
done
# booleans in every spelling boolin takes exactly (SQLite's 0 and 1 among
# them) go binary and mean what the server's text input says they mean
sql 'create table bt (id int, b boolean); create table bb (id int, b boolean)'
n=0
for v in 0 1 true false '"t"' '"TRUE"' '"y"' '"Yes"' '"on"' '"OFF"' '"n"' '"no"' '"f"' '"1"' '"0"' '"  true"' '"tr"'; do
	n=$((n + 1))
	echo "{\"id\":$n,\"b\":$v}"
done >bools.ndjson
run pg-copy-load -q -t bt --format=text bools.ndjson
run pg-copy-load -q -t bb --summary-json=bb.json bools.ndjson
check "booleans: binary means what text means" "$(sql 'select id, b from bt order by id')" "$(sql 'select id, b from bb order by id')"
check "booleans: the exact spellings went binary" "15" \
	"$(/usr/bin/python3 -c 'import json; print(json.load(open("bb.json"))["tables"][0]["binary_rows"])')"
finish
