#!/bin/sh
# CLI contract of `weir nexmark` and `weir nexmark-gen` (issue 3): file:DIR part files, the RESULT
# line, and errors that name the bad flag. Usage: nexmark_cli_test.sh path/to/weir
set -eu
WEIR="$1"
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The generator: JSON lines, deterministic, kinds in order person, auction x3, bids.
"$WEIR" nexmark-gen --events 100 --seed 7 > "$DIR/a.jsonl"
"$WEIR" nexmark-gen --events 100 --seed 7 > "$DIR/b.jsonl"
cmp -s "$DIR/a.jsonl" "$DIR/b.jsonl" || fail "nexmark-gen is not deterministic"
[ "$(wc -l < "$DIR/a.jsonl")" -eq 100 ] || fail "nexmark-gen wrote $(wc -l < "$DIR/a.jsonl") lines, not 100"
[ "$(grep -c '"type":"bid"' "$DIR/a.jsonl")" -eq 92 ] || fail "expected 92 bids in 100 events"
head -1 "$DIR/a.jsonl" | grep -q '^{"type":"person","id":1000,' || fail "first event is not person 1000"

# q0 into file:DIR at parallelism 2: every bid once, in visible part files; the RESULT line.
OUT=$("$WEIR" nexmark --query q0 --events 5000 --seed 7 --parallelism 2 --sink "file:$DIR/q0")
echo "$OUT" | grep -Eq '^RESULT query=q0 events=5000 seconds=[0-9]+\.[0-9]{3} events_per_s=[0-9]+ cores=[0-9]+\.[0-9] events_per_s_per_core=[0-9]+$' \
  || fail "bad RESULT line: $OUT"
ls "$DIR/q0" | grep -q '^part-' || fail "no part files in $DIR/q0"
ROWS=$(find "$DIR/q0" -type f ! -name '.*' ! -name '_*' -exec cat {} + | wc -l)
[ "$ROWS" -eq 4600 ] || fail "q0 wrote $ROWS rows, expected 4600 bids"
find "$DIR/q0" -type f ! -name '.*' -exec cat {} + 2>/dev/null | head -1 | grep -Eq '^\{"auction":[0-9]+,"bidder":[0-9]+,"price":[0-9]+,"dateTime":[0-9]+,"extra":"[a-z]*"\}$' \
  || fail "q0 row has the wrong columns"
# The rows are the generator's bids, projected.
"$WEIR" nexmark-gen --events 5000 --seed 7 | grep '"type":"bid"' | wc -l | grep -q '^4600$' || fail "generator bid count"

# --query all prints one RESULT line per query.
N=$("$WEIR" nexmark --query all --events 2000 | grep -c '^RESULT query=')
[ "$N" -eq 15 ] || fail "--query all printed $N RESULT lines, expected 15"

# Bad input: errors name what was wrong, exit non-zero.
if "$WEIR" nexmark --query q6 --events 10 2> "$DIR/err"; then fail "q6 accepted"; fi
grep -q "q6" "$DIR/err" || fail "error does not name q6: $(cat "$DIR/err")"
if "$WEIR" nexmark --query q0 --events 10 --sink kafka 2> "$DIR/err"; then fail "--sink kafka accepted"; fi
grep -q -- "--sink" "$DIR/err" || fail "error does not name --sink: $(cat "$DIR/err")"
if "$WEIR" nexmark --query q0 --events -5 2> "$DIR/err"; then fail "--events -5 accepted"; fi
grep -q -- "--events" "$DIR/err" || fail "error does not name --events: $(cat "$DIR/err")"
if "$WEIR" nexmark --query q0 --events 10 -D no.such.key=1 2> "$DIR/err"; then fail "-D no.such.key accepted"; fi
echo "nexmark CLI: OK"
