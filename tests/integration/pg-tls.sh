# PostgreSQL over TLS (issue 16): a cluster on loopback with ssl=on, its
# certificate signed by a CA made here with openssl, and every connection
# that is not TLS refused by pg_hba.  pg-copy-load and pg-verify with
# sslmode=verify-full and the CA: they work (so the session was TLS, and the
# server's name was checked); a CA that did not sign the server's
# certificate, and a host name that is not the certificate's: exit 3 and
# libpq's reason in one line, nothing loaded.
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d)
chmod 755 "$w"
cd "$w" || exit 3
test_certs || exit 3
[ "$(id -u)" -eq 0 ] && chown postgres: server.key server.crt
chmod 600 server.key
port=$((23000 + $$ % 1000))
PGPORT_TEST=$port PG_EXTRA_CONF="listen_addresses = '127.0.0.1'
ssl = on
ssl_cert_file = '$w/server.crt'
ssl_key_file = '$w/server.key'" pg_start || exit 3
# TLS or nothing over TCP
sed -i '1i hostnossl all all 0.0.0.0/0 reject' "$PG_DIR/data/pg_hba.conf"
sql 'select pg_reload_conf()' >/dev/null
sql 'create table t (id int primary key, v text)' >/dev/null
printf '{"id":1,"v":"a"}\n{"id":2,"v":"Zoë"}\n' >in.ndjson
tls="host=localhost hostaddr=127.0.0.1 port=$port dbname=postgres"

run pg-copy-load -q -d "$tls sslmode=disable" -t t in.ndjson
check "without TLS: refused by the server (the test's premise)" "3|1" \
	"$status|$(echo "$errout" | grep -c 'no encryption')"
run pg-copy-load -q -d "$tls sslmode=verify-full sslrootcert=$w/ca.crt" -t t in.ndjson
check "pg-copy-load, sslmode=verify-full with the CA: loaded" "0|1 a,2 Zoë" \
	"$status|$(sql "select string_agg(id || ' ' || v, ',' order by id) from t")"
run pg-verify -q -d "$tls sslmode=verify-full sslrootcert=$w/ca.crt" -t t --key=id in.ndjson
check "pg-verify, sslmode=verify-full with the CA: equal" "0" "$status"
run pg-copy-load -q -d "postgresql://localhost:$port/postgres?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=$w/ca.crt" \
	-t t --upsert=id in.ndjson
check "a URL with sslmode=verify-full" "0" "$status"

sql 'truncate t' >/dev/null
run pg-copy-load -q -d "$tls sslmode=verify-full sslrootcert=$w/other.crt" -t t in.ndjson
check "a CA that did not sign the server's certificate: exit 3, one line with libpq's reason, nothing loaded" \
	"3|1|1|0" "$status|$(echo "$errout" | wc -l)|$(echo "$errout" | grep -c '^pg-copy-load: cannot connect: .*certificate verify failed')|$(sql 'select count(*) from t')"
run pg-verify -q -d "$tls sslmode=verify-full sslrootcert=$w/other.crt" -t t --key=id in.ndjson
check "pg-verify, the wrong CA: exit 3, the reason" "3|1" \
	"$status|$(echo "$errout" | grep -c 'certificate verify failed')"
run pg-copy-load -q -d "host=127.0.0.1 port=$port dbname=postgres sslmode=verify-full sslrootcert=$w/ca.crt" -t t in.ndjson
check "a host name that is not the certificate's: exit 3, libpq's reason" "3|1|0" \
	"$status|$(echo "$errout" | grep -c 'does not match host name')|$(sql 'select count(*) from t')"
run pg-copy-load -q -d "$tls sslmode=verify-full sslrootcert=$w/missing.crt" -t t in.ndjson
check "a CA file that is not there: exit 3, naming it" "3|1" "$status|$(echo "$errout" | grep -c 'missing.crt')"
rm -rf "$w"
finish
