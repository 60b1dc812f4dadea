# redistest.sh: start and stop throwaway redis-servers (sourced).
#
#	. scripts/redistest.sh
#	redis_start main                  # unix socket $RD_DIR/main/sock
#	redis_start tcp --port 27001 --bind 127.0.0.1
#	redis-cli -s "$RD_DIR/main/sock" ping
#	(redis_stop runs from the EXIT trap, with pg_stop when PostgreSQL runs)
#
# Each server keeps nothing on disk: --save '' --appendonly no.

redis_start() { # NAME [redis-server options...]
	local name=$1
	shift
	command -v redis-server >/dev/null || {
		echo "redistest: no redis-server" >&2
		return 3
	}
	[ -n "${RD_DIR-}" ] || RD_DIR=$(mktemp -d)
	mkdir -p "$RD_DIR/$name"
	trap 'redis_stop; type pg_stop >/dev/null 2>&1 && pg_stop' EXIT
	redis-server --port 0 --unixsocket "$RD_DIR/$name/sock" \
		--unixsocketperm 700 --save '' --appendonly no --daemonize yes \
		--dir "$RD_DIR/$name" --pidfile "$RD_DIR/$name/pid" \
		--logfile "$RD_DIR/$name/log" "$@" || return 3
	for _ in $(seq 100); do
		redis-cli -s "$RD_DIR/$name/sock" ping >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "redistest: $name did not start" >&2
	cat "$RD_DIR/$name/log" >&2
	return 3
}

redis_stop() {
	local p
	[ -n "${RD_DIR-}" ] || return 0
	for p in "$RD_DIR"/*/pid; do
		[ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
	done
	rm -rf "$RD_DIR"
	RD_DIR=
}
