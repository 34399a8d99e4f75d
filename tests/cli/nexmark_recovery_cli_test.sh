#!/bin/sh
# Fault tolerance through `weir nexmark` (issue 4 items 5 and 6): --stop-with-savepoint-after-events
# and --from-savepoint at another parallelism give the final result of an uninterrupted run; a q11
# savepoint of an older build and a RocksDB backend's savepoint resume; bad combinations of the flags are errors that name them;
# --checkpoint-interval with --inject-failures recovers and loses no row; stop with --drain; weir savepoint --dispose. Usage: nexmark_recovery_cli_test.sh path/to/weir
set -eu
WEIR="$1"
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# Every row of the committed (visible) part files of a file:DIR sink, sorted.
rows() { find "$1" -type f ! -name '.*' ! -name '_*' -exec cat {} + | LC_ALL=C sort; }
# q17 emits a row per bid with its (auction, day)'s running totals: the row with the most bids per
# key is that key's final state.
final_q17() {
  rows "$1" | sed -E 's/^\{"auction":([0-9]+),"day":"([^"]+)","total_bids":([0-9]+),/\1 \2 \3 &/' \
    | LC_ALL=C sort -k1,1n -k2,2 -k3,3n \
    | awk '{ k = $1 " " $2; if (k != prev && NR > 1) print last; prev = k; last = $4 } END { if (NR) print last }'
}

# 1. q17 stopped with a savepoint at parallelism 1 and resumed at parallelism 3: the union of both
#    runs' rows has the final state of an uninterrupted run.
EV=100000
"$WEIR" nexmark --query q17 --events $EV --seed 5 --parallelism 2 --sink "file:$DIR/q17-full" > /dev/null
OUT=$("$WEIR" nexmark --query q17 --events $EV --seed 5 --parallelism 1 --tps 100000 --sink "file:$DIR/q17-a" \
  --savepoint-dir "$DIR/sp" --stop-with-savepoint-after-events 30000)
SP=$(echo "$OUT" | sed -n 's/^SAVEPOINT path=//p')
[ -n "$SP" ] && [ -f "$SP/_metadata" ] || fail "no savepoint: $OUT"
echo "$OUT" | grep -q '^RESULT query=q17 ' || fail "no RESULT line: $OUT"
OUT=$("$WEIR" nexmark --query q17 --events $EV --seed 5 --parallelism 3 --sink "file:$DIR/q17-b" --from-savepoint "$SP")
echo "$OUT" | grep -q '^SAVEPOINT' && fail "the resumed run stopped with a savepoint: $OUT"
final_q17 "$DIR/q17-full" > "$DIR/want17"
# Without checkpoints the file sink publishes part files when the input ends; the stopped run's rows up
# to the savepoint are in a pending file that the resumed run published, and the rows it wrote after the
# savepoint were discarded with its tasks (older builds left them in in-progress files; taken as they
# are: rows after the savepoint are recomputed identically by the resumed run).
mkdir "$DIR/q17-ab"
for f in "$DIR/q17-a"/part-* "$DIR/q17-a"/.part-*.inprogress; do
  [ -f "$f" ] && cp "$f" "$DIR/q17-ab/a-$(basename "$f" | tr -d .)"
done
[ -n "$(ls "$DIR/q17-ab")" ] || fail "the stopped run wrote no rows"
for f in "$DIR/q17-b"/part-*; do cp "$f" "$DIR/q17-ab/b-$(basename "$f")"; done
final_q17 "$DIR/q17-ab" > "$DIR/got17"
[ "$(wc -l < "$DIR/want17")" -gt 100 ] || fail "q17 made only $(wc -l < "$DIR/want17") keys"
cmp -s "$DIR/want17" "$DIR/got17" || fail "q17 after stop and resume differs: $(LC_ALL=C comm -3 "$DIR/want17" "$DIR/got17" | head -3)"

# 1b. A q11 savepoint written before the session timer chain (tests/golden/q11-sessions-v1: timers in the
#     per-window scheme, sessions that all grow after the restore) resumes at parallelism 1, 2 and 3 with
#     the rows of an uninterrupted run of that build.
GOLDEN="$(cd "$(dirname "$0")/../golden/q11-sessions-v1" && pwd)"
for P in 1 2 3; do
  "$WEIR" nexmark --query q11 --events 40000 --rate 1000 --seed 11 --parallelism $P --sink "file:$DIR/q11-p$P" \
    --from-savepoint "$GOLDEN/savepoint" > /dev/null
  rows "$DIR/q11-p$P" > "$DIR/got11"
  cmp -s "$GOLDEN/rows" "$DIR/got11" \
    || fail "q11 resumed from the golden savepoint at p=$P: $(wc -l < "$DIR/got11") rows, want $(wc -l < "$GOLDEN/rows"): $(LC_ALL=C comm -3 "$GOLDEN/rows" "$DIR/got11" | head -3)"
done

# 1c. A savepoint the RocksDB backend wrote (tests/golden/q17-rocksdb-v1, README there) resumes with RocksDB
#     at parallelism 3 and with the heap backend at parallelism 1: one row per bid after the savepoint
#     (18,318: the source resumes where it stopped), and every (auction, day) ends with its row of an
#     uninterrupted run (the statistics of the bids before the savepoint came back).
GOLDEN17="$(cd "$(dirname "$0")/../golden/q17-rocksdb-v1" && pwd)"
for RUN in "3 rocksdb" "1 hashmap"; do
  set -- $RUN
  "$WEIR" nexmark --query q17 --events 40000 --seed 17 --parallelism "$1" -D state.backend.type="$2" \
    --sink "file:$DIR/q17g-$1" --from-savepoint "$GOLDEN17/savepoint" > /dev/null
  N=$(rows "$DIR/q17g-$1" | wc -l)
  [ "$N" -eq 18318 ] || fail "q17 resumed from the golden RocksDB savepoint ($2, p=$1) wrote $N rows, want 18318"
  final_q17 "$DIR/q17g-$1" > "$DIR/got17g"
  [ "$(wc -l < "$DIR/got17g")" -gt 1000 ] || fail "q17 resumed from the golden savepoint wrote only $(wc -l < "$DIR/got17g") keys"
  WRONG=$(LC_ALL=C comm -13 "$GOLDEN17/final" "$DIR/got17g" | head -3)
  [ -z "$WRONG" ] || fail "q17 resumed from the golden RocksDB savepoint ($2, p=$1) ends keys differently: $WRONG"
done

# 2. Bad combinations name the flags.
if "$WEIR" nexmark --query q0 --events 10 --inject-failures 1 2> "$DIR/err"; then fail "--inject-failures without checkpoints accepted"; fi
grep -q -- "--checkpoint-interval" "$DIR/err" || fail "error does not name --checkpoint-interval: $(cat "$DIR/err")"
if "$WEIR" nexmark --query q0 --events 10 --stop-with-savepoint-after-events 5 2> "$DIR/err"; then fail "no --savepoint-dir accepted"; fi
grep -q -- "--savepoint-dir" "$DIR/err" || fail "error does not name --savepoint-dir: $(cat "$DIR/err")"
if "$WEIR" nexmark --query q0 --events 10 --checkpoint-interval soon 2> "$DIR/err"; then fail "--checkpoint-interval soon accepted"; fi
grep -q -- "--checkpoint-interval" "$DIR/err" || fail "error does not name --checkpoint-interval: $(cat "$DIR/err")"
if "$WEIR" nexmark --query q0 --events 10 --from-savepoint "$DIR/none" 2> "$DIR/err"; then fail "missing savepoint accepted"; fi
grep -q -- "--from-savepoint" "$DIR/err" || fail "error does not name --from-savepoint: $(cat "$DIR/err")"
# 3. q0 with two random task failures, recovered from checkpoints. The file sink is not exactly-once
#    yet (rows after the last completed checkpoint are written again after a restart), so the
#    committed rows are compared as sets: at least once, nothing lost.
EV=200000
"$WEIR" nexmark --query q0 --events $EV --seed 3 --parallelism 2 --sink "file:$DIR/q0-plain" > "$DIR/plain.out"
OUT=$("$WEIR" nexmark --query q0 --events $EV --seed 3 --parallelism 2 --tps 200000 --sink "file:$DIR/q0-failures" \
  --checkpoint-interval 50ms --checkpoint-dir "$DIR/ckpt" --inject-failures 2)
echo "$OUT" | grep -Eq '^RESULT query=q0 events=200000 seconds=[0-9]+\.[0-9]{3} events_per_s=[0-9]+ cores=[0-9]+\.[0-9] events_per_s_per_core=[0-9]+$' \
  || fail "bad RESULT line: $OUT"
echo "$OUT" | grep -Eq '^RECOVERY query=q0 restarts=2 checkpoints=[1-9][0-9]* failures_injected=2 checkpoint_avg_ms=' \
  || fail "the run did not recover from 2 failures: $OUT"
echo "$OUT" | grep -q "^CHECKPOINT_DIR path=$DIR/ckpt$" || fail "checkpoint dir not printed: $OUT"
[ -d "$DIR/ckpt" ] || fail "no checkpoint directory"
rows "$DIR/q0-plain" | uniq > "$DIR/want"
rows "$DIR/q0-failures" | uniq > "$DIR/got"
[ "$(wc -l < "$DIR/want")" -eq 184000 ] || fail "the run without failures wrote $(wc -l < "$DIR/want") distinct rows"
LOST=$(LC_ALL=C comm -23 "$DIR/want" "$DIR/got" | wc -l)
[ "$LOST" -eq 0 ] || fail "$LOST rows of the run without failures are missing after recovery (does the file sink keep what earlier attempts wrote before the last checkpoint?)"
EXTRA=$(LC_ALL=C comm -13 "$DIR/want" "$DIR/got" | wc -l)
[ "$EXTRA" -eq 0 ] || fail "$EXTRA rows that the run without failures does not have"
# Without --checkpoint-dir, a fresh directory under the temp directory is made and printed.
OUT=$("$WEIR" nexmark --query q0 --events 2000 --checkpoint-interval 20ms)
TMPCK=$(echo "$OUT" | sed -n 's/^CHECKPOINT_DIR path=//p')
[ -n "$TMPCK" ] && [ -d "$TMPCK" ] || fail "no default checkpoint dir printed: $OUT"
rm -rf "$TMPCK"

# 4. Stop with drain: q7's tumbling windows all fire before the savepoint, whose rows are committed
#    (exactly-once sink); the job ends normally. --drain alone is an error naming what it needs.
OUT=$("$WEIR" nexmark --query q7 --events 400000 --seed 7 --tps 100000 --sink "file:$DIR/q7-drain" \
  --checkpoint-interval 50ms --checkpoint-dir "$DIR/ckpt7" \
  --savepoint-dir "$DIR/sp7" --stop-with-savepoint-after-events 60000 --drain)
SP=$(echo "$OUT" | sed -n 's/^SAVEPOINT path=//p')
[ -n "$SP" ] && [ -f "$SP/_metadata" ] || fail "drain: no savepoint: $OUT"
[ "$(rows "$DIR/q7-drain" | wc -l)" -gt 0 ] || fail "drain: no committed rows"
[ -z "$(find "$DIR/q7-drain" -name '.*')" ] || fail "drain: hidden part files left: $(ls -a "$DIR/q7-drain")"
if "$WEIR" nexmark --query q0 --events 10 --drain 2> "$DIR/err"; then fail "--drain without a stop accepted"; fi
grep -q -- "--stop-with-savepoint-after-events" "$DIR/err" || fail "error does not name the stop flag: $(cat "$DIR/err")"

# 5. weir savepoint --dispose: deletes the drained savepoint; refuses (exit 2, nothing deleted) a
#    directory that is not a savepoint and a path that does not exist.
OUT=$("$WEIR" savepoint --dispose "$SP")
echo "$OUT" | grep -Eq "^DISPOSED path=$SP files=[0-9]+ bytes=[0-9]+$" || fail "dispose: $OUT"
[ ! -e "$SP" ] || fail "dispose left $SP"
set +e
"$WEIR" savepoint --dispose "$DIR/q7-drain" 2> "$DIR/err"; RC=$?
set -e
[ "$RC" -eq 2 ] || fail "disposing a directory that is not a savepoint exited $RC"
grep -q "not a savepoint" "$DIR/err" || fail "dispose error does not say why: $(cat "$DIR/err")"
[ "$(rows "$DIR/q7-drain" | wc -l)" -gt 0 ] || fail "dispose deleted files of a directory that is not a savepoint"
if "$WEIR" savepoint --dispose "$DIR/none" 2> "$DIR/err"; then fail "disposing a missing path succeeded"; fi
grep -q "no such file" "$DIR/err" || fail "dispose error does not say why: $(cat "$DIR/err")"

echo "nexmark recovery CLI: OK"
