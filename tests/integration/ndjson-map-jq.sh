# ndjson-map against an independent implementation: on random records, the
# operations jq does exactly (rename, select, nested paths, constants,
# filters on numbers and strings) give the same records as jq, compared
# value for value.  And what jq 1.6 would round, ndjson-map keeps.
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w" || exit 3
command -v jq >/dev/null || { echo "no jq"; echo "0 passed, 1 failed"; exit 1; }

/usr/bin/python3 - <<'PY'
import json, random
r = random.Random(7)
words = ["alpha", "Zoë", "ünï", "tab\tnl\n", "quote\"", "emoji😀", "", "x y"]
with open("in.ndjson", "w") as f:
    for i in range(500):
        rec = {"id": i, "n": r.randint(0, 100), "name": r.choice(words),
               "tags": [r.choice(words) for _ in range(r.randint(0, 3))],
               "addr": {"city": r.choice(words), "zip": str(r.randint(1000, 9999))}}
        if r.random() < 0.2:
            del rec["name"]
        if r.random() < 0.2:
            rec["addr"] = None
        if r.random() < 0.1:
            rec["extra"] = {"deep": [1, {"x": r.choice(words)}]}
        f.write(json.dumps(rec, ensure_ascii=r.random() < 0.5) + "\n")
PY
same() { # NAME MAP JQ
	ndjson-map -e "$2" in.ndjson >ours.ndjson 2>ours.err
	jq -c "$3" in.ndjson >jq.ndjson
	check "$1: status" "0" "$?"
	check "$1: records" "$(wc -l <jq.ndjson)" "$(wc -l <ours.ndjson)"
	check "$1: the same values" "same" "$(/usr/bin/python3 -c '
import json, sys
a = [json.loads(l) for l in open("ours.ndjson")]
b = [json.loads(l) for l in open("jq.ndjson")]
print("same" if a == b else "differ: %r vs %r" % next((x, y) for x, y in zip(a, b) if x != y))')"
}
same "rename and select" 'ident = .id; label = .name ?? null' '{ident: .id, label: .name}'
same "nested paths" 'city = .addr.city ?? null; first = .tags[0] ?? null; deep = .extra.deep[1].x ?? null' \
	'{city: .addr.city, first: .tags[0], deep: .extra.deep[1].x}'
same "constants" 'id = .id; src = "redis"; v = 2; ok = true' '{id: .id, src: "redis", v: 2, ok: true}'
same "numeric filter" 'where .n > 50 and .n <= 90' 'select(.n > 50 and .n <= 90)'
same "string filter" 'where .name == "Zoë" or not exists(.name)' 'select(.name == "Zoë" or (has("name") | not))'
same "filter and select" 'where .n < 10; id = .id; n = .n' 'select(.n < 10) | {id: .id, n: .n}'
same "whole record" 'where .id == 3; all = .' 'select(.id == 3) | {all: .}'

# what jq 1.6 rounds, ndjson-map keeps
printf '{"big":9007199254740993,"num":123456789012345678901234567890.123456789012345678901234567890,"s":"\\ud83d\\ude00\\u00e9"}\n' >exact.ndjson
check "exact: big integers, 60-digit numerics, escapes untouched" \
	'{"b":9007199254740993,"n":123456789012345678901234567890.123456789012345678901234567890,"s":"\ud83d\ude00\u00e9"}' \
	"$(ndjson-map -e 'b = .big; n = .num; s = .s' exact.ndjson)"
check "exact: bigint() keeps 64 bits" '{"b":9007199254740993}' "$(ndjson-map -e 'b = bigint(.big)' exact.ndjson)"
finish
