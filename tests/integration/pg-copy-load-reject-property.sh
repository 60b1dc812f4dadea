# pg-copy-load's reject path as a property: random streams of good and bad
# records whose key sets change after runs of lines, loaded with --max-rejects
# in every format and mode (one transaction, --batch-commit, small batches,
# --jobs, --dry-run, --upsert, --resume); after each load the table holds exactly the
# good records, the rejects file exactly the bad lines, and the summary's
# numbers are the table's.  SEEDS=N (default 8) for a longer campaign.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
prop="$top/tests/integration/reject-property"
sql "$("$prop" schema)"

seeds=${SEEDS:-8}
for seed in $(seq 1 "$seeds"); do
	reject_property "$seed" $((50 + seed * 37 % 250)) $((1 + seed % 7)) "" \
		"one commit rows jobs dry upsert resume" "text binary auto"
done
finish
