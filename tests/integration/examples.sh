# Examples are tests: the example migration's Makefile, and every EXAMPLES
# block of every man page, run against a real PostgreSQL.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
sqlite3 app.db <"$top/examples/sqlite-to-postgres/app.sql"

run make -s -f "$top/examples/sqlite-to-postgres/Makefile" DB=app.db
check "example Makefile: all phases" "0" "$status"
check "example Makefile: pg-verify finds every table the same" "4" \
	"$(echo "$errout" | grep -c '^pg-verify: public\.[a-z]*: \([0-9]*\) source rows, \1 table rows: 0 missing, 0 extra, 0 changed, 0 duplicate, 0 invalid$')"
check "example: bytes of the avatars kept" "$(sqlite3 app.db "select hex(png) from avatars order by user_id" | md5sum)" \
	"$(sql "select upper(encode(png, 'hex')) from avatars order by user_id" | md5sum)"
# rollback drops exactly its tables; one made before it survives
sql 'create table kept (id int)'
run make -s -f "$top/examples/sqlite-to-postgres/Makefile" DB=app.db rollback
check "example Makefile: rollback" "0|kept" "$status|$(sql "select string_agg(tablename, ',') from pg_tables where schemaname = 'public'")"
run make -s -f "$top/examples/sqlite-to-postgres/Makefile" DB=app.db dry-run
check "example Makefile: dry-run writes nothing" "0|kept" "$status|$(sql "select string_agg(tablename, ',') from pg_tables where schemaname = 'public'")"
sql 'drop table kept'
run make -s -f "$top/examples/sqlite-to-postgres/Makefile" DB=app.db
check "example Makefile: all again after the rollback" "0" "$status"

# The literal blocks of EXAMPLES, with what they name set up first.
examples() { # MANPAGE: print each example block, NUL-separated
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$1" |
		awk '/^\.Bd -literal/ {on = 1; next} /^\.Ed/ {on = 0; printf "%c", 0; next} on' |
		sed 's/\\e/\\/g' # mdoc's \e is a backslash
}

# run_examples MANPAGE COUNT [HOOK]: run each example block as a script;
# HOOK before N runs first, HOOK after N after it (with $out, $errout);
# checks each one's status and that there are COUNT.
run_examples() {
	local page=$1 want=$2 hook=${3:-:} name ex n=0
	name=$(basename "$page" .1)
	while IFS= read -r -d '' ex; do
		n=$((n + 1))
		$hook before $n
		run bash -o pipefail -ec "$ex"
		[ "$status" = 0 ] || echo "$errout"
		check "$name(1) example $n" "0" "$status"
		$hook after $n
	done < <(examples "$page")
	check "$name(1): examples found" "$want" "$n"
}
export PGURL="postgresql:///postgres?host=$PGHOST&port=$PGPORT"
sql 'drop schema public cascade; create schema public'
sql 'create table users_changes (like users)' 2>/dev/null
sqlite_hook() {
	[ "$1 $2" = "before 2" ] && sql 'create table users_changes (id bigint, email text, name text, is_premium boolean, created_at timestamp, settings text)'
	return 0
}
export last='2024-03-01 00:00:00'
run_examples "$top/man/sqlite-dump-ndjson.1" 2 sqlite_hook
check "sqlite-dump-ndjson(1) example 2: only rows since the watermark" \
	"$(sqlite3 app.db "select count(*) from users where created_at > '2024-03-01 00:00:00'")" \
	"$(sql 'select count(*) from users_changes')"

sql 'truncate users cascade'
sql 'create schema sales; create table sales."Orders" (id int, total numeric)'
printf '{"id":1,"total":9.99}\n' >orders-1.ndjson
printf '{"id":2,"total":0.01}\n' >orders-2.ndjson
load_hook() {
	[ "$1 $2" = "before 2" ] && sql 'truncate users, subscriptions, usage, avatars'
	return 0
}
run_examples "$top/man/pg-copy-load.1" 3 load_hook
check "pg-copy-load(1): orders loaded" "2|10.00" "$(sql 'select count(*), sum(total) from sales."Orders"')"
check "pg-copy-load(1): the routed database" "$(sqlite3 app.db 'select count(*) from usage')" "$(sql 'select count(*) from usage')"
check "pg-copy-load(1): no rejects" "0" "$(wc -l <rejects.ndjson)"
check "pg-copy-load(1): the sync's summary" "2000|0" "$(/usr/bin/python3 -c 'import json; d = json.load(open("users.json")); print("%d|%d" % (d["loaded"], d["rejected"]))')"
sql 'truncate users cascade'
# the second's: Redis keys, and their tables
cp "$top/examples/redis-routing/keys.ndjson" .
grep -v session keys.ndjson >k && mv k keys.ndjson
sql "drop table subscriptions, usage cascade"  # the app database has them too
sql "$(cat "$top/examples/redis-routing/schema.sql")"
# the first example's input: users as an application might export them
sqlite-dump-ndjson --query "select id, ' ' || email || ' ' as email, is_premium,
	cast(strftime('%s', created_at) as integer) * 1000 + 123 as created_ms from users" app.db >users.ndjson
map_hook() {
	[ "$1" = after ] || return 0
	[ $2 = 1 ] && check "ndjson-map(1) example 1: typed columns" \
		'{"id":1,"email":"user1@example.com","premium":false,"created":"2024-01-01T01:00:00.123Z","doc":{"id":1,"email":" user1@example.com ","is_premium":0,"created_ms":1704070800123}}' \
		"$(echo "$out" | head -1)"
	[ $2 = 3 ] && check "ndjson-map(1) example 3: child rows, hash columns" \
		'{"order_id":7,"pos":0,"sku":"a1","qty":2}
{"order_id":7,"pos":1,"sku":"b2","qty":1}
{"id":"user:7","name":"Ann","plan":"pro"}' "$out"
	[ $2 = 4 ] && check "ndjson-map(1) example 4: a Celery message decoded" \
		'{"job_type":"t.add","args":[7,"Zo\u00eb"],"kwargs":{"n":1}}' "$out"
	return 0
}
run_examples "$top/man/ndjson-map.1" 5 map_hook
check "ndjson-map(1): the Redis keys in their tables" "2|2|3" \
	"$(sql 'select (select count(*) from subscriptions), (select count(*) from emails), (select count(*) from usage)')"
check "ndjson-map(1): the users checked and loaded" "2000|0|ndjson-map: 2000 read: 2000 mapped, 0 filtered, 0 rejected; 2000 written" \
	"$(sql 'select count(*) from users')|$(wc -l <bad.ndjson)|$(echo "$errout" | grep '^ndjson-map:')"

# redis-dump-ndjson's, against a real redis-server on a loopback port
export REDIS_PORT=$((26000 + $$ % 1000))
redis_start ex --port "$REDIS_PORT" --bind 127.0.0.1 || exit 3
"$top/tests/integration/redis-fill" "$RD_DIR/ex/sock" seed || exit 3
"$top/tests/integration/redis-fill" "$RD_DIR/ex/sock" celery || exit 3
cp "$top/examples/redis-routing/threadr.map" .
sql 'truncate subscriptions, emails, usage'
redis_hook() {
	[ "$1" = after ] || return 0
	[ $2 = 2 ] && check "redis-dump-ndjson(1) example 2: the audit" "1" "$(echo "$out" | grep -c '"prefix":"threadr:usage:","keys":600,')"
	[ $2 = 3 ] && check "redis-dump-ndjson(1) example 3: a record a message" "50" "$(echo "$out" | wc -l)"
	return 0
}
run_examples "$top/man/redis-dump-ndjson.1" 3 redis_hook
check "redis-dump-ndjson(1): the keys in their tables" "100|300|600" \
	"$(sql 'select (select count(*) from subscriptions), (select count(*) from emails), (select count(*) from usage)')"

# mongo-dump-ndjson's, on a dump of two collections written by pymongo
mkdir -p dump/app
/usr/bin/python3 - <<'PY' || exit 3
import bson, datetime, uuid
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions
o = CodecOptions(uuid_representation=UuidRepresentation.STANDARD)
with open("dump/app/tasks.bson", "wb") as f:
    for i in range(20):
        f.write(bson.encode({"_id": bson.ObjectId(), "uid": uuid.uuid4(), "task": "t%d" % i,
            "n": i, "status": "PENDING", "priority": i % 3,
            "eta": datetime.datetime(2024, 1, 1, 0, i), "args": [i], "kwargs": {"n": i}}, codec_options=o))
with open("dump/app/notes.bson", "wb") as f:
    f.write(bson.encode({"_id": bson.ObjectId(), "text": "hello"}))
PY
gzip -c dump/app/tasks.bson >tasks.bson.gz
sql 'create table tasks (id text primary key, doc jsonb); create table notes (id text primary key, doc jsonb)'
mongo_hook() {
	[ "$1" = after ] || return 0
	[ $2 = 1 ] && check "mongo-dump-ndjson(1): a table a collection" "20|1|19" \
		"$(sql "select (select count(*) from tasks), (select count(*) from notes), (select doc->>'n' from tasks where doc->>'task' = 't19')")" &&
		sql 'drop table tasks, notes'
	[ $2 = 2 ] && check "mongo-dump-ndjson(1) example 2: typed tables, loaded, indexed" "20|19|integer" \
		"$(sql "select (select count(*) from tasks), (select max(priority) + 17 from tasks), (select data_type from information_schema.columns where table_name = 'tasks' and column_name = 'priority')")"
	[ $2 = 3 ] && check "mongo-dump-ndjson(1) example 3: the gzipped collection" "10" "$(echo "$out" | wc -l)"
	return 0
}
run_examples "$top/man/mongo-dump-ndjson.1" 3 mongo_hook
# pg-verify(1): after the README pipeline the database holds app.db
sql 'drop schema public cascade; create schema public'
sqlite-dump-ndjson --ddl=pre app.db | psql -X -q -v ON_ERROR_STOP=1
sqlite-dump-ndjson app.db | pg-copy-load -q
sqlite-dump-ndjson --ddl=post app.db | psql -X -q -v ON_ERROR_STOP=1 >/dev/null
verify_hook() {
	case "$1 $2" in
	"before 1") sql 'truncate users cascade' ;;
	"before 2") sql 'truncate users cascade'; sqlite-dump-ndjson app.db | pg-copy-load -q ;;
	"before 3")
		sqlite3 app.db "alter table users add column updated_at text; alter table users add column synced_at text;
			update users set updated_at = '2026-12-01' where id <= 10"
		sql "alter table users add column updated_at timestamp, add column synced_at timestamp;
			update users set updated_at = '2026-12-01', synced_at = now() where id <= 10" ;;
	"after 3")
		check "pg-verify(1) example 3: the window's ten rows, the same" \
			'{"summary":{"tables":[{"table":"public.users","source_rows":10,"target_rows":10,"missing":0,"extra":0,"changed":0,"duplicate":0,"invalid":0,"mode":"digest","buckets":4096,"buckets_compared":0}],"invalid":0,"status":0}}' \
			"$(cat verify.ndjson)" ;;
	esac
	return 0
}
run_examples "$top/man/pg-verify.1" 3 verify_hook
finish
