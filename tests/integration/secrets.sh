# Passwords never shown (issue 16's secrets): a password given on the
# command line (-d conninfo, a URL, redis://) is blanked in the process's own
# argv, so ps and /proc/PID/cmdline do not show it while the tool runs; and
# no output of any run (stdout, stderr, --summary-json, --rejects, pg-verify's
# report, the --resume ledger's rows, the session's application_name in
# pg_stat_activity) holds a password from -d, a URL, PGPASSWORD, ~/.pgpass or
# REDISCLI_AUTH, whether it was right or wrong.
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

# REDISCLI_AUTH, right and wrong: the dump works, and no output holds it
run env REDISCLI_AUTH=TopSecretR redis-dump-ndjson -u "redis://127.0.0.1:$port" --stats
check "REDISCLI_AUTH: the dump works, no output holds it" "0|0" "$status|$(echo "$out$errout" | grep -c TopSecretR)"
run env REDISCLI_AUTH=WrongSecretEnv redis-dump-ndjson -u "redis://127.0.0.1:$port"
check "REDISCLI_AUTH wrong: exit 3, not in the message" "3|0" "$status|$(echo "$errout" | grep -c WrongSecretEnv)"

# PGPASSWORD and ~/.pgpass for a role that must give its password (scram),
# through every output pg-copy-load and pg-verify write, the --resume
# ledger's rows, and what the server shows of the session
sql "create role pwuser login password 'TopSecretQ'; create table p (id int primary key, v text not null);
grant all on p to pwuser; grant create on schema public to pwuser" >/dev/null
sed -i '1i local all pwuser scram-sha-256' "$PG_DIR/data/pg_hba.conf"
sql 'select pg_reload_conf()' >/dev/null
printf '{"id":1,"v":"a"}\n{"id":2}\n{"id":3,"v":"c"}\n' >p.ndjson
printf '%s:%s:*:pwuser:TopSecretQ\n' "$PGHOST" "$PGPORT" >pgpass
chmod 600 pgpass
for how in PGPASSWORD PGPASSFILE; do
	if [ $how = PGPASSWORD ]; then set -- env PGPASSWORD=TopSecretQ; else set -- env PGPASSFILE="$w/pgpass"; fi
	sql 'truncate p; drop table if exists ndjson_migrate_ledger' >/dev/null
	# a session's application_name, seen while it runs
	{ sleep 1; cat p.ndjson; } >in.fifo &
	"$@" pg-copy-load -d "user=pwuser dbname=postgres" -t p --max-rejects=5 --rejects=rej.ndjson \
		--summary-json=sum.json --batch-commit --resume=r1 in.fifo >out.txt 2>err.txt &
	pid=$!
	sleep 0.5
	seen=$(sql "select string_agg(application_name || ' ' || coalesce(query, ''), ' ') from pg_stat_activity where usename = 'pwuser'")
	wait "$pid"
	st=$?
	check "$how: pg-copy-load loads (1 reject), its ledger written" "1|2|t" \
		"$st|$(sql 'select count(*) from p')|$(sql 'select count(*) > 0 from ndjson_migrate_ledger')"
	check "$how: no output, ledger row or session holds it" "000" \
		"$(cat out.txt err.txt rej.ndjson sum.json | grep -c TopSecretQ)$(sql 'select l::text from ndjson_migrate_ledger l' | grep -c TopSecretQ)$(echo "$seen" | grep -c TopSecretQ)"
	"$@" pg-verify -d "user=pwuser dbname=postgres" -t p --key=id --report=rep.ndjson p.ndjson >out.txt 2>err.txt
	check "$how: pg-verify works, no output holds it" "1|0" "$?|$(cat out.txt err.txt rep.ndjson | grep -c TopSecretQ)"
done
run env PGPASSWORD=WrongSecretPG pg-copy-load -d "user=pwuser dbname=postgres" -t p p.ndjson
check "PGPASSWORD wrong: exit 3, the message without it" "3|0|1" \
	"$status|$(echo "$errout" | grep -c WrongSecretPG)|$(echo "$errout" | grep -c 'password authentication failed')"
run pg-verify -d "postgresql://pwuser:WrongSecretURL@/postgres?host=$PGHOST&port=$PGPORT" -t p --key=id p.ndjson
check "pg-verify, a wrong password in the URL: exit 3, not in the message" "3|0" \
	"$status|$(echo "$errout" | grep -c WrongSecretURL)"
finish
