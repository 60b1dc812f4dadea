# pg-copy-load's progress as a person sees it, through a pseudo-terminal
# (script(1)): on a terminal by default, the share of a regular file read
# and the time left, redrawn in place, finished at 100% before the
# summary; none when standard error is not a terminal or with
# --no-progress; no share or time left when the input is a pipe.
. "$(dirname "$0")/lib.sh"
pg_start || exit 3
w=$PG_DIR/work
mkdir -p "$w"
cd "$w" || exit 3
command -v script >/dev/null || {
	echo "no script(1)" >&2
	exit 3
}
# a load slow enough to be watched: 1 ms a row
sql "create table pr (id int, v text);
	create function slow() returns trigger language plpgsql as \$\$ begin perform pg_sleep(0.001); return new; end \$\$;
	create trigger s before insert on pr for each row execute function slow()"
seq 1 3000 | awk '{printf "{\"id\":%d,\"v\":\"x%d\"}\n", $1, $1}' >pr.ndjson

# what the terminal shows, one redraw a line
tty_run() {
	script -qfec "$1" /dev/null </dev/null | tr '\r' '\n' | sed 's/ *$//' | grep -v '^$'
}
lines=$(tty_run "pg-copy-load -t pr --batch-rows=100 pr.ndjson")
check "a terminal: lines with the share read and the time left" 1 \
	"$(echo "$lines" | grep -cm1 -E '^pg-copy-load: [0-9]{1,2}%, [0-9]+ rows, [0-9.]+ of 0\.1 MB, [0-9]+ rows/s, [0-9]+:[0-9]{2}, ETA [0-9]+:[0-9]{2}$')"
check "a terminal: the last redraw is 100%, then the summary on its own line" \
	"pg-copy-load: 100%, 3000 rows, 0.1 of 0.1 MB|pg-copy-load: public.pr: 3000 read, 3000 loaded, 0 rejected" \
	"$(echo "$lines" | tail -2 | head -1 | sed 's/, [0-9]* rows\/s.*//')|$(echo "$lines" | tail -1 | sed 's/, [0-9.]* s,.*//')"
check "a terminal: the share only grows" "" \
	"$(echo "$lines" | grep -oE '^pg-copy-load: [0-9]+%' | sed 's/.* //; s/%//' | awk 'NR > 1 && $1 < p { print "back from " p " to " $1 } { p = $1 }')"
sql "truncate pr"
lines=$(tty_run "cat pr.ndjson | pg-copy-load -t pr --batch-rows=100")
check "a pipe: progress without a share or time left" "1|0" \
	"$(echo "$lines" | grep -cm1 -E '^pg-copy-load: [0-9]+ rows, [0-9.]+ MB, [0-9]+ rows/s, [0-9]+:[0-9]{2}$')|$(echo "$lines" | grep -c -E '%|ETA')"
sql "truncate pr"
lines=$(tty_run "pg-copy-load -t pr --batch-rows=100 --no-progress pr.ndjson")
check "--no-progress: the summary only" "pg-copy-load: public.pr: 3000 read, 3000 loaded, 0 rejected" \
	"$(echo "$lines" | sed 's/, [0-9.]* s,.*//')"
sql "truncate pr"
pg-copy-load -t pr --batch-rows=100 pr.ndjson 2>err.txt
check "not a terminal: no progress" "pg-copy-load: public.pr: 3000 read, 3000 loaded, 0 rejected" \
	"$(sed 's/, [0-9.]* s,.*//' err.txt)"
check "the table holds the rows" 3000 "$(sql 'select count(*) from pr')"
finish
