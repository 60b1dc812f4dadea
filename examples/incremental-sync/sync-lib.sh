# sync-lib.sh: what sync-sqlite and sync-mongo share (sourced): the lock,
# the connection, the log lines, the watermarks.  PROG names the script.

# never two runs at once: exit 75 (EX_TEMPFAIL) when the previous holds it
state=${SYNC_STATE:-${TMPDIR:-/tmp}/ndjson-sync}
mkdir -p "$state" || exit 3
exec 9>>"$state/lock" || exit 3
if ! flock -n 9; then
	echo "$PROG: the previous run still holds $state/lock: this one did nothing" >&2
	exit 75
fi
conn=()
[ -n "${PGURL-}" ] && conn=(-d "$PGURL")
psql_at() { psql -X -q -A -t -v ON_ERROR_STOP=1 "${conn[@]}" "$@"; }
say() {
	[ -n "${VERBOSE-}" ] && echo "$PROG: $*"
	[ -n "${SYNC_LOG-}" ] && echo "$(date -u +%FT%TZ) $PROG: $*" >>"$SYNC_LOG"
	return 0
}
watermark() { # TABLE: its watermark, or nothing before the first run
	echo "select watermark from sync_watermarks where table_name = :'t'" | psql_at -v t="$1"
}
