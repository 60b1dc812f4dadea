# sync-lib.sh: what sync-sqlite and sync-mongo share (sourced): the lock,
# shellcheck shell=bash disable=SC2016 # ndjson-map expressions name fields as "$table", not shell variables
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

# nonempty TABLE FILE WHAT: an empty source is an error, never "every row
# was deleted" (a wrong database, a server restarted empty, a dump without
# the collection): exit 1, nothing deleted
nonempty() {
	[ -s "$2" ] && return 0
	echo "$PROG: $1: $3: an empty source is refused; nothing deleted" >&2
	exit 1
}

# deletions TABLE KEY FILE [pg-verify options...]: prove TABLE against FILE,
# the whole source (pg-verify, digest); the rows the source no longer has
# were deleted there and go as rows of TABLE_deleted (its trigger deletes
# them); any other difference ends the run.  More than SYNC_MAX_DELETE rows
# (100 by default; rsync's --max-delete) stop the run, nothing deleted.
# Sets d to the rows deleted.
deletions() {
	local t=$1 key=$2 f=$3 st max=${SYNC_MAX_DELETE:-100}
	shift 3
	case $max in
	'' | *[!0-9]*)
		echo "$PROG: SYNC_MAX_DELETE=$max: not a number of rows" >&2
		exit 2
		;;
	esac
	pg-verify -q "${conn[@]}" -t "$t" --key="$key" "$@" --report="$state/$t.verify.ndjson" "$f"
	st=$?
	d=0
	[ "$st" = 0 ] && return 0
	[ "$st" = 1 ] || exit 3
	ndjson-map -e 'where .status == "extra"' -e "\"\$table\" = \"${t}_deleted\"" -e 'flatten .key' \
		"$state/$t.verify.ndjson" >"$state/$t.deleted.ndjson" || exit 3
	d=$(wc -l <"$state/$t.deleted.ndjson")
	if [ "$d" -gt "$max" ]; then
		echo "$PROG: $t: $d rows to delete, more than SYNC_MAX_DELETE=$max: nothing deleted (the rows: $state/$t.deleted.ndjson); when the source did delete them, run once with SYNC_MAX_DELETE=$d" >&2
		exit 1
	fi
	pg-copy-load -q "${conn[@]}" "$state/$t.deleted.ndjson" || exit $?
	pg-verify -q "${conn[@]}" -t "$t" --key="$key" "$@" --report="$state/$t.differs.ndjson" "$f" && return 0
	st=$?
	[ "$st" = 1 ] || exit "$st"
	# rows missing or changed beyond the window: a change that did not move
	# the window's field, or a dump taken while the source changed (a row
	# read before its change, another after a later one): never left to
	# fail every run, but rewritten from the source (an upsert writes only
	# the rows that differ), proven, and said (exit 1)
	h=$(grep -c '"status":"\(missing\|changed\)"' "$state/$t.differs.ndjson")
	pg-copy-load -q "${conn[@]}" -t "$t" --upsert="$key" "$f" || exit $?
	pg-verify -q "${conn[@]}" -t "$t" --key="$key" "$@" --report="$state/$t.verify.ndjson" "$f" || {
		st=$?
		echo "$PROG: $t: the table differs from the source beyond deletions, even rewritten from it (report: $state/$t.verify.ndjson)" >&2
		exit $st
	}
	echo "$PROG: $t: $h rows differed from the source beyond the window (a change that did not move its field, or a dump taken while the source changed): rewritten from the source, the table now equals it (report: $state/$t.differs.ndjson)" >&2
	exit 1
}
