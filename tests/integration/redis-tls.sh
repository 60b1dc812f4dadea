# Redis over TLS (issue 16): Debian's redis-server is built with TLS
# (tls-port); Debian's hiredis 0.14 is not, so redis-dump-ndjson makes the
# session with OpenSSL and bridges it to hiredis.  A server with a
# certificate signed by a CA made here: rediss:// (and --tls) with --cacert
# gives exactly what the plain dump of the same server gives, in every mode
# (SCAN with big keys read in chunks on a second connection, --explode,
# --stats, --snapshot in both framings); a CA that did not sign it, a host
# name or address the certificate does not name, a server that wants a
# client certificate when none is given: exit 3 and the reason in one line.
# With --cert/--key it is let in.
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d)
cd "$w" || exit 3
test_certs || exit 3
port=$((24000 + $$ % 1000))
tls="--tls-cert-file $w/server.crt --tls-key-file $w/server.key --tls-ca-cert-file $w/ca.crt"
# shellcheck disable=SC2086
redis_start tls --tls-port "$port" --bind 127.0.0.1 $tls --tls-auth-clients optional \
	--repl-diskless-sync-delay 0 || exit 3
# shellcheck disable=SC2086
redis_start mtls --tls-port $((port + 1)) --bind 127.0.0.1 $tls --tls-auth-clients yes || exit 3
sock=$RD_DIR/tls/sock
redis-cli -s "$RD_DIR/mtls/sock" set "only key" "Zoë" >/dev/null
"$top/tests/integration/redis-fill" "$sock" types >/dev/null || exit 3
/usr/bin/python3 - "$sock" <<'PY' || exit 3
import redis, sys
r = redis.Redis(unix_socket_path=sys.argv[1])
p = r.pipeline(transaction=False)
for i in range(30000):
    p.set("k:%d" % i, ("v%d" % i) * (i % 50))
p.rpush("biglist", *[("item%d" % i) * 20 for i in range(20000)])  # chunks, a second connection
p.hset("bighash", mapping={"f%d" % i: "x" * 300 for i in range(3000)})
p.execute()
PY
url="rediss://localhost:$port"
same() { # NAME ARGS...: the TLS dump with ARGS and the plain one agree
	local name=$1
	shift
	redis-dump-ndjson -u "$url" --cacert="$w/ca.crt" "$@" | sort >tls.out
	local st=${PIPESTATUS[0]}
	redis-dump-ndjson -s "$sock" "$@" | sort >plain.out
	check "$name: exit 0, the same records as the plain dump" "0|ok" "$st|$(redis_same_records tls.out plain.out)"
}
same "rediss://" -n 0
same "rediss:// --explode, small chunks" --explode --chunk=100
redis-dump-ndjson -u "$url" --cacert="$w/ca.crt" --stats --top=5 >tls.out
st=$?
redis-dump-ndjson -s "$sock" --stats --top=5 >plain.out
check "rediss:// --stats: the same audit" "0|same" "$st|$(cmp -s tls.out plain.out && echo same || diff tls.out plain.out | head -5)"
same "rediss:// --snapshot (\$LEN framing)" --snapshot
redis-cli -s "$sock" config set repl-diskless-sync yes >/dev/null
same "rediss:// --snapshot=diskless (\$EOF framing)" --snapshot=diskless
redis-dump-ndjson -u "redis://localhost:$port" --tls --cacert="$w/ca.crt" -n 0 >tls.out
st=$?
redis-dump-ndjson -s "$sock" -n 0 >plain.out
check "--tls with redis://: the same" "0|ok" "$st|$(redis_same_records tls.out plain.out)"

check_run "a CA that did not sign the server's certificate" 3 \
	"redis-dump-ndjson: localhost:$port: TLS: certificate verify failed: self-signed certificate in certificate chain" \
	redis-dump-ndjson -u "$url" --cacert="$w/other.crt"
check_run "the system's CAs (no --cacert): not this one" 3 \
	"redis-dump-ndjson: localhost:$port: TLS: certificate verify failed: self-signed certificate in certificate chain" \
	redis-dump-ndjson -u "$url"
check_run "an address the certificate does not name" 3 \
	"redis-dump-ndjson: 127.0.0.1:$port: TLS: certificate verify failed: IP address mismatch" \
	redis-dump-ndjson -u "rediss://127.0.0.1:$port" --cacert="$w/ca.crt"
run redis-dump-ndjson -u "rediss://localhost:$((port + 1))" --cacert="$w/ca.crt" -n 0
check "a server that wants a client certificate, none given: exit 3, one line" "3|1" \
	"$status|$(echo "$errout" | grep -c "^redis-dump-ndjson: localhost:$((port + 1)): ")"
run redis-dump-ndjson -u "rediss://localhost:$((port + 1))" --cacert="$w/ca.crt" --cert="$w/client.crt" \
	--key="$w/client.key" -n 0
check "with --cert and --key: let in" "0|$(redis-dump-ndjson -s "$RD_DIR/mtls/sock" -n 0)" "$status|$out"
check_run "--cacert without TLS" 2 "redis-dump-ndjson: --cacert, --cert and --key go with TLS (rediss:// or --tls)
$(redis-dump-ndjson --bad 2>&1 | sed 1d)" redis-dump-ndjson -u "redis://localhost:$port" --cacert="$w/ca.crt"
check_run "a --cacert that holds no certificate" 3 \
	"redis-dump-ndjson: localhost:$port: --cacert $w/client.key: error:05800088:x509 certificate routines::no certificate or crl found" \
	redis-dump-ndjson -u "$url" --cacert="$w/client.key"
rm -rf "$w"
finish
