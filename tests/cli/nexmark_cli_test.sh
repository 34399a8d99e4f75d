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

# --query all runs the whole suite, q0 ... q22 in order, one RESULT line each.
"$WEIR" nexmark --query all --events 2000 > "$DIR/all.out"
NAMES=$(sed -n 's/^RESULT query=\([a-z0-9]*\) events=2000 .*/\1/p' "$DIR/all.out" | tr '\n' ' ')
[ "$NAMES" = "q0 q1 q2 q3 q4 q5 q6 q7 q8 q9 q10 q11 q12 q13 q14 q15 q16 q17 q18 q19 q20 q21 q22 " ] \
  || fail "--query all ran '$NAMES', expected q0 ... q22: $(cat "$DIR/all.out")"
# With file:DIR each query writes its own subdirectory; q10's rows are partitioned by dt and hm.
"$WEIR" nexmark --query all --events 2000 --sink "file:$DIR/all" > /dev/null
[ -d "$DIR/all/q22" ] || fail "no $DIR/all/q22"
find "$DIR/all/q10" -path '*/dt=*/hm=*/part-*' | grep -q . || fail "q10 wrote no dt=/hm= partitions"
# q13 joins a side input file given with --side-input.
printf '1000,first\n' > "$DIR/side.csv"
"$WEIR" nexmark --query q13 --events 2000 --side-input "$DIR/side.csv" --sink "file:$DIR/q13" > /dev/null
find "$DIR/q13" -type f ! -name '.*' -exec cat {} + > "$DIR/q13.jsonl"
grep -q '"value":"first"' "$DIR/q13.jsonl" || fail "q13 joined no bid of auction 1000"
if grep -v '^{"auction":1000,.*"value":"first"}$' "$DIR/q13.jsonl"; then fail "q13 joined a bid it should not"; fi
printf 'x,zero\n' > "$DIR/bad.csv"
if "$WEIR" nexmark --query q13 --events 10 --side-input "$DIR/bad.csv" 2> "$DIR/err"; then fail "bad side input accepted"; fi
grep -q "bad.csv' line 1" "$DIR/err" || fail "error does not name the side input's line: $(cat "$DIR/err")"

# Bad input: errors name what was wrong, exit non-zero.
if "$WEIR" nexmark --query q23 --events 10 2> "$DIR/err"; then fail "q23 accepted"; fi
grep -q "q23" "$DIR/err" || fail "error does not name q23: $(cat "$DIR/err")"
if "$WEIR" nexmark --query q0 --events 10 --sink kafka 2> "$DIR/err"; then fail "--sink kafka accepted"; fi
grep -q -- "--sink" "$DIR/err" || fail "error does not name --sink: $(cat "$DIR/err")"
if "$WEIR" nexmark --query q0 --events -5 2> "$DIR/err"; then fail "--events -5 accepted"; fi
grep -q -- "--events" "$DIR/err" || fail "error does not name --events: $(cat "$DIR/err")"
if "$WEIR" nexmark --query q0 --events 10 -D no.such.key=1 2> "$DIR/err"; then fail "-D no.such.key accepted"; fi
echo "nexmark CLI: OK"
