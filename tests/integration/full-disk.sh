# A full disk under every output of every tool (issue 16): standard output,
# --rejects, --summary-json, --report, --split files on /dev/full are exit
# status 3 and a message naming the file, never 0 or 1 with the output
# silently short; and pg-copy-load commits no row whose rejected neighbours
# could not be written down.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
redis_start full || exit 3
sock=$RD_DIR/full/sock
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
db=$SHARED/testdata/sqlite/chinook.sqlite
bson=$SHARED/testdata/mongodump/testdirs/db1/c1.bson
nospace="No space left on device"
redis-cli -s "$sock" eval 'for i = 1, 2000 do redis.call("set", "k" .. i, "value" .. i) end' 0 >/dev/null
redis-cli -s "$sock" hset h a 1 b 2 >/dev/null
redis-cli -s "$sock" save >/dev/null
rdb=$RD_DIR/full/dump.rdb
echo '0 * * * * /bin/true' >"crontab"

full() { # NAME MESSAGE CMD...: CMD >/dev/full is exit 3 and MESSAGE
	local name=$1 msg=$2
	shift 2
	run sh -c '"$@" >/dev/full' sh "$@"
	check "$name >/dev/full: status" 3 "$status"
	check "$name >/dev/full: the message" "1" "$(printf '%s\n' "$errout" | grep -cxF "$msg")"
}
full "sqlite-dump-ndjson" "sqlite-dump-ndjson: write error: $nospace" sqlite-dump-ndjson "$db" Artist
full "sqlite-dump-ndjson --ddl=pre" "sqlite-dump-ndjson: write error: $nospace" sqlite-dump-ndjson --ddl=pre "$db"
full "sqlite-dump-ndjson --list" "sqlite-dump-ndjson: write error: $nospace" sqlite-dump-ndjson --list "$db"
full "mongo-dump-ndjson" "mongo-dump-ndjson: write error: $nospace" mongo-dump-ndjson "$bson"
full "redis-dump-ndjson (SCAN)" "redis-dump-ndjson: write error: $nospace" redis-dump-ndjson -s "$sock"
full "redis-dump-ndjson --rdb" "redis-dump-ndjson: write error: $nospace" redis-dump-ndjson --rdb "$rdb"
full "redis-dump-ndjson --stats" "redis-dump-ndjson: write error: $nospace" redis-dump-ndjson -s "$sock" --stats
full "ndjson-map" "ndjson-map: write error: $nospace" ndjson-map "$top/examples/redis-routing/keys.ndjson"
full "cron-convert" "cron-convert: write error: $nospace" cron-convert --from=crontab crontab

# ndjson-map's other outputs: the rejects file, and --split's files
printf '{"a":1}\nnot json\n' >bad.ndjson
check_run "ndjson-map --rejects=/dev/full" 3 "ndjson-map: /dev/full: $nospace" \
	ndjson-map --rejects=/dev/full bad.ndjson
mkdir split
for t in emails subscriptions usage; do ln -s /dev/full "split/$t.ndjson"; done
run ndjson-map -f "$top/examples/redis-routing/threadr.map" -e 'unmatched pass' --split=split \
	"$top/examples/redis-routing/keys.ndjson"
check "ndjson-map --split onto a full disk: exit 3 naming the file" "3|1" \
	"$status|$(printf '%s\n' "$errout" | grep -c "^ndjson-map: split/[a-z]*\.ndjson: $nospace\$")"

# pg-copy-load: a rejects file that cannot be written commits nothing that
# was not committed before it (one transaction: nothing; --batch-commit:
# the batches before the reject)
sql 'create table t (id int primary key, v text not null)' >/dev/null
printf '{"id":1,"v":"a"}\n{"id":2}\n{"id":3,"v":"c"}\n' >in.ndjson
run pg-copy-load -t t --max-rejects=5 --rejects=/dev/full in.ndjson
check "pg-copy-load --rejects=/dev/full: exit 3, nothing committed" "3|0|1" \
	"$status|$(sql 'select count(*) from t')|$(printf '%s\n' "$errout" | grep -cxF "pg-copy-load: /dev/full: $nospace")"
run pg-copy-load -t t --max-rejects=5 --batch-commit --batch-rows=1 --rejects=/dev/full in.ndjson
check "pg-copy-load --batch-commit --rejects=/dev/full: exit 3, only the batch before the reject" "3|1" \
	"$status|$(sql 'select string_agg(id::text, $$,$$) from t')"
sql 'truncate t' >/dev/null
run pg-copy-load -t t --max-rejects=5 --summary-json=/dev/full in.ndjson
check "pg-copy-load --summary-json=/dev/full: exit 3 (the rows are in: the summary says what could not be said)" \
	"3|2|1" "$status|$(sql 'select count(*) from t')|$(printf '%s\n' "$errout" | grep -cxF "pg-copy-load: /dev/full: $nospace")"
sql 'truncate t' >/dev/null
run pg-copy-load -t t --max-rejects=5 --summary-json=/dev/full --dry-run in.ndjson
check "pg-copy-load --dry-run --summary-json=/dev/full: exit 3" "3|0" "$status|$(sql 'select count(*) from t')"

# pg-verify: its report, on stdout or --report
full "pg-verify (the report on stdout)" "pg-verify: write error: $nospace" pg-verify -t t --key=id in.ndjson
run pg-verify -t t --key=id --report=/dev/full in.ndjson
check "pg-verify --report=/dev/full: exit 3 naming it" "3|1" \
	"$status|$(printf '%s\n' "$errout" | grep -cxF "pg-verify: /dev/full: $nospace")"

# --help and --version of the tools closed-pipe.sh does not cover
for t in cron-convert pg-verify; do
	check_run "$t --help >/dev/full" 3 "$t: write error: $nospace" sh -c "$t --help >/dev/full"
done
finish
