# citustest.sh: start and stop a throwaway Citus cluster (sourced): a
# coordinator and two workers, each a PostgreSQL 15 cluster on 127.0.0.1 at
# a port of its own, trust for loopback, Citus preloaded (installed by
# scripts/install-deps from ../shared/vendor).
#
#	. scripts/pgtest.sh; . scripts/citustest.sh
#	citus_start                 # PGHOST/PGPORT: the coordinator
#	psql -c "select create_distributed_table('t', 'id')"
#	(citus_stop runs from the EXIT trap)
#
# CITUS_PORT (default from the shell's pid, 61000-65499) is the coordinator's port; the
# workers take the next two.  As root, the clusters run as postgres.

citus_start() {
	# above the kernel's ephemeral ports (32768-60999): a client's local
	# port there can hold the one a server wants to listen on
	local base=${CITUS_PORT:-$((61000 + $$ % 1500 * 3))} i port dir
	[ -f "$(/usr/lib/postgresql/15/bin/pg_config --sharedir)/extension/citus.control" ] || {
		echo "citustest: Citus is not installed (scripts/install-deps)" >&2
		return 3
	}
	CITUS_DIR=$(mktemp -d /tmp/citustest.XXXXXX)
	chmod 755 "$CITUS_DIR"
	trap 'citus_stop; type redis_stop >/dev/null 2>&1 && redis_stop' EXIT
	for i in 0 1 2; do
		port=$((base + i))
		dir=$CITUS_DIR/n$i
		mkdir -p "$dir/data"
		[ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
		pg_as "$PG_BIN/initdb" -D "$dir/data" -U "$(id -un)" -A trust -E UTF8 \
			--locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
			cat "$dir/initdb.log" >&2
			return 3
		}
		cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
shared_preload_libraries = 'citus'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
		pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null || {
			cat "$dir/server.log" >&2
			return 3
		}
		psql -X -q -h 127.0.0.1 -p "$port" -d postgres -c 'create extension citus' >/dev/null || return 3
	done
	PGUSER=$(id -un)
	export PGHOST=127.0.0.1 PGPORT=$base PGUSER PGDATABASE=postgres
	unset PGPASSWORD PGSERVICE PGHOSTADDR
	# shellcheck disable=SC2034 # for the test that sources this
	CITUS_WORKERS="$((base + 1)) $((base + 2))"
	psql -X -q -v ON_ERROR_STOP=1 -c "select citus_set_coordinator_host('127.0.0.1', $base)" \
		-c "select citus_add_node('127.0.0.1', $((base + 1)))" \
		-c "select citus_add_node('127.0.0.1', $((base + 2)))" >/dev/null || return 3
}

citus_stop() {
	local d
	[ -n "${CITUS_DIR-}" ] || return 0
	for d in "$CITUS_DIR"/n*; do
		pg_as "$PG_BIN/pg_ctl" -D "$d/data" -m immediate stop >/dev/null 2>&1
	done
	rm -rf "$CITUS_DIR"
	CITUS_DIR=
}
