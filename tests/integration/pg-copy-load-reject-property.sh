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
	n=$((50 + seed * 37 % 250))
	rows=$((1 + seed % 7))
	for mode in one commit rows jobs dry upsert resume; do
		case $mode in
		one) args=() ;;
		commit) args=(--batch-commit) ;;
		rows) args=(--batch-rows="$rows") ;;
		jobs) args=(--jobs=2 --batch-rows="$((rows * 5))") ;;
		dry) args=(--dry-run --batch-rows="$rows") ;;
		upsert) args=(--upsert=rid --batch-rows="$((rows * 3))") ;;
		resume) args=(--batch-commit --batch-rows="$rows" --resume="s$seed") ;;
		esac
		nodup=0
		[ "$mode" = jobs ] && nodup=1
		"$prop" gen "$seed" "$n" "$nodup" in.ndjson truth.json
		for fmt in text binary auto; do
			sql 'truncate r'
			[ "$mode" = resume ] && args[2]=--resume=s$seed-$fmt
			rm -f rej.ndjson sum.json
			run pg-copy-load -q -t r --format="$fmt" --max-rejects=100000 \
				--rejects=rej.ndjson --summary-json=sum.json "${args[@]}" in.ndjson
			what="seed $seed $mode ${args[*]} --format=$fmt"
			check "$what: status" "1" "$status"
			[ -n "$errout" ] && echo "$what: $errout" | head -3
			check "$what: invariant" "ok" \
				"$("$prop" check truth.json rej.ndjson sum.json $([ $mode = dry ] && echo 1 || echo 0) 2>&1)"
		done
	done
done
finish
