# pgtest.sh: start and stop a throwaway PostgreSQL 15 cluster (sourced).
#
#	. scripts/pgtest.sh
#	pg_start            # initdb + pg_ctl in a temp dir, unix socket only
#	psql -c 'select 1'  # PGHOST, PGPORT, PGUSER, PGDATABASE are exported
#	(pg_stop runs from the EXIT trap that pg_start sets)
#
# postgres refuses to run as root: as root the cluster runs as the postgres
# user through runuser, and the superuser role is named "root" so that the
# tools, run as root, connect with the libpq defaults.  PG_EXTRA_CONF lines
# are appended to postgresql.conf (e.g. shared_preload_libraries).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	[ -x "$PG_BIN/initdb" ] || {
		echo "pgtest: no PostgreSQL 15 at $PG_BIN" >&2
		return 3
	}
	PG_DIR=$(mktemp -d /tmp/pgtest.XXXXXX)
	chmod 755 "$PG_DIR"
	mkdir "$PG_DIR/data" "$PG_DIR/sock"
	[ "$(id -u)" -eq 0 ] && chown -R postgres: "$PG_DIR"
	pg_user=$(id -un)
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$pg_user" -A trust \
		-E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || {
		cat "$PG_DIR/initdb.log" >&2
		return 3
	}
	cat >>"$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PG_DIR/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_wal_size = 4GB
${PG_EXTRA_CONF-}
CONF
	PGPORT=${PGPORT_TEST:-$((20000 + $$ % 20000))}
	trap 'pg_stop; type redis_stop >/dev/null 2>&1 && redis_stop' EXIT
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -o "-p $PGPORT" \
		-l "$PG_DIR/server.log" -w start >/dev/null || {
		cat "$PG_DIR/server.log" >&2
		return 3
	}
	export PGHOST="$PG_DIR/sock" PGPORT PGUSER="$pg_user" PGDATABASE=postgres
	unset PGPASSWORD PGSERVICE PGHOSTADDR
}

pg_stop() {
	[ -n "${PG_DIR-}" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
	PG_DIR=
}
