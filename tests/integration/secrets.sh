# Passwords never shown (issue 16's secrets, a first part): a password given
# on the command line (-d conninfo, a URL, redis://) is blanked in the
# process's own argv, so ps and /proc/PID/cmdline do not show it while the
# tool runs; and no output of the run (stdout, stderr, --summary-json,
# --rejects) holds it.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
port=$((31000 + $$ % 1000))
redis_start sec --port "$port" --bind 127.0.0.1 --requirepass TopSecretR --repl-diskless-sync yes \
	--repl-diskless-sync-delay 2 || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
sql 'create table t (id int primary key, v text)' >/dev/null
mkfifo in.fifo

# cmdline_of CMD...: start CMD in the background, give it a moment, print its
# /proc/PID/cmdline (NUL as space), then let it finish
cmdline_of() {
	"$@" >out.txt 2>err.txt &
	local pid=$!
	sleep 0.5
	tr '\0' ' ' </proc/$pid/cmdline
	wait "$pid"
}
for d in "dbname=postgres password=TopSecretP" "postgresql:///postgres?host=$PGHOST&port=$PGPORT&password=TopSecretP" \
	"postgresql://$PGUSER:TopSecretP@/postgres?host=$PGHOST&port=$PGPORT"; do
	{ sleep 1; printf '{"id":1,"v":"a"}\n{"id":"x"}\n'; } >in.fifo &
	shown=$(cmdline_of pg-copy-load -d "$d" -t t --max-rejects=5 --rejects=rej.ndjson --summary-json=sum.json in.fifo)
	check "pg-copy-load -d '${d%%TopSecretP*}...': the password blanked in its argv" "0|1" \
		"$(echo "$shown" | grep -c TopSecretP)|$(echo "$shown" | grep -c 'xxxxxxxxxx')"
	check "pg-copy-load: no output holds it" "0" "$(cat out.txt err.txt rej.ndjson sum.json | grep -c TopSecretP)"
	sql 'truncate t' >/dev/null
	{ sleep 1; printf '{"id":1,"v":"a"}\n'; } >in.fifo &
	shown=$(cmdline_of pg-verify -d "$d" -t t --key=id in.fifo)
	check "pg-verify -d: the password blanked in its argv, and in no output" "0|0" \
		"$(echo "$shown" | grep -c TopSecretP)|$(cat out.txt err.txt | grep -c TopSecretP)"
done
# redis: the snapshot waits the server's diskless delay: time to look
shown=$(cmdline_of redis-dump-ndjson --snapshot=diskless -u "redis://:TopSecretR@127.0.0.1:$port")
check "redis-dump-ndjson -u: the password blanked in its argv, and in no output" "0|0|0" \
	"$(echo "$shown" | grep -c TopSecretR)|$(cat out.txt err.txt | grep -c TopSecretR)|$(grep -c . err.txt)"
run redis-dump-ndjson -u "redis://:WrongSecret@127.0.0.1:$port"
check "a refused password is not in the message" "3|0" "$status|$(echo "$errout" | grep -c WrongSecret)"
finish
