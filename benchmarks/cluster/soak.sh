#!/bin/sh
# Soak: does a long-running cluster stay flat under churn? (issue 12 item 2). `weir cluster start` a
# JobManager and two TaskManagers (two slots each), then at the same time:
#   - the soak job (libweir_soak_job.so, parallelism 2, two pipelined regions, checkpoints every 200 ms)
#     whose map fails at a random record of every attempt: one region restart every ~0.1 s, until
#     RESTARTS restarts were made;
#   - SHORT_JOBS short jobs, one after the other: a word count at parallelism 2, alternately the built-in
#     example and the job library uploaded through the blob store each time.
# The JobManager keeps at most 20 ended jobs (jobstore.max-capacity=20; the rest become archived
# summaries), as a long-running cluster would be configured. Every SAMPLE_S seconds it prints the resident
# memory (VmRSS) and thread count of each process. At the end: the first sample after warm-up (WARM_JOBS
# short jobs and WARM_RESTARTS restarts) against the last, and the growth in between. Besides VmRSS it
# prints RssAnon (heap, arenas and thread stacks; VmRSS minus it is mapped code and files), and at the end
# each TaskManager's threads against its 8 MB thread-stack mappings.
# TRIM=1 (needs gdb): at the end, every TaskManager calls glibc's malloc_trim(0) and is sampled again, which
# tells memory a job left behind (still there) from free memory the allocator kept (gone after the trim).
# Usage: [TRIM=1] benchmarks/cluster/soak.sh build/release/weir [SHORT_JOBS=400] [RESTARTS=1000]
set -eu
WEIR="$1"
SHORT_JOBS="${2:-400}"
RESTARTS="${3:-1000}"
WARM_JOBS=$((SHORT_JOBS / 5))
WARM_RESTARTS=$((RESTARTS / 5))
SAMPLE_S=5
JOBS_DIR="$(dirname "$WEIR")/jobs"
[ -f "$JOBS_DIR/libweir_soak_job.so" ] || { echo "soak: build weir_soak_job first" >&2; exit 1; }
DIR=$(mktemp -d)
trap '"$WEIR" cluster stop --dir "$DIR/cl" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
"$WEIR" cluster start -n 2 --dir "$DIR/cl" -D rest.port=0 -D jobmanager.rpc.port=0 -D taskmanager.numberOfTaskSlots=2 \
  -D jobstore.max-capacity=20 -D blob.storage.directory="$DIR/blobs" > "$DIR/start.log"
REST=$(sed -n 's/^CLUSTER rest=\([^ ]*\) .*/\1/p' "$DIR/start.log")
PIDS=$(sed -n 's/^pid //p' "$DIR/cl/cluster.state")
seq 1 2000 | tr '0-9' 'abcdefghij' | sed 's/^/word w/' > "$DIR/words.txt"

"$WEIR" run -p 2 -D restart-strategy.type=fixed-delay -D restart-strategy.fixed-delay.attempts=1000000 \
  -D restart-strategy.fixed-delay.delay=10ms -D execution.checkpointing.interval=200ms \
  -D execution.checkpointing.dir="file://$DIR/chk" --detached --jobmanager "$REST" \
  "$JOBS_DIR/libweir_soak_job.so" > "$DIR/soak.log"
SOAK=$(sed -n 's/.*JobID \([0-9a-f]*\).*/\1/p' "$DIR/soak.log")
[ -n "$SOAK" ] || { echo "soak: no job id: $(cat "$DIR/soak.log")" >&2; exit 1; }
restarts() { curl -s "http://$REST/jobs/$SOAK" | sed -n 's/.*"restarts":\([0-9]*\).*/\1/p'; }

(
  i=0
  while [ $i -lt "$SHORT_JOBS" ]; do
    i=$((i + 1))
    if [ $((i % 2)) -eq 0 ]; then target="$JOBS_DIR/libweir_word_count_job.so"; else target=word-count; fi
    "$WEIR" run -p 2 --jobmanager "$REST" "$target" --input "$DIR/words.txt" --output "$DIR/out-$i" \
      > "$DIR/short.log" 2>&1 || { echo "soak: short job $i failed: $(cat "$DIR/short.log")" >&2; exit 1; }
    rm -rf "$DIR/out-$i"
    echo $i > "$DIR/jobs_done.tmp" && mv "$DIR/jobs_done.tmp" "$DIR/jobs_done"  # never read half-written
  done
) &
SHORT_PID=$!

sample() {  # prints "rss_mb anon_mb threads" for each process, JobManager first
  for p in $PIDS; do
    awk '/^VmRSS:/ {r=$2} /^RssAnon:/ {a=$2} /^Threads:/ {t=$2} END {printf " %6.1f %5.1f %3d", r/1024, a/1024, t}' \
      "/proc/$p/status"
  done
}
echo "#   t_s  jobs restarts | JM rss anon thr | TM1 rss anon thr | TM2 rss anon thr"
START=$(date +%s)
WARM=""
LAST=""
while :; do
  JOBS=$(cat "$DIR/jobs_done" 2>/dev/null || echo 0)
  R=$(restarts)
  S=$(sample)
  LINE=$(printf "%6d %5d %8d |%s" $(( $(date +%s) - START )) "$JOBS" "${R:-0}" "$S")
  echo "$LINE"
  LAST="$LINE"
  if [ -z "$WARM" ] && [ "$JOBS" -ge "$WARM_JOBS" ] && [ "${R:-0}" -ge "$WARM_RESTARTS" ]; then WARM="$LINE"; fi
  if [ "$JOBS" -ge "$SHORT_JOBS" ] && [ "${R:-0}" -ge "$RESTARTS" ]; then break; fi
  if ! kill -0 $SHORT_PID 2>/dev/null && [ "$JOBS" -lt "$SHORT_JOBS" ]; then echo "soak: the short jobs stopped" >&2; exit 1; fi
  sleep "$SAMPLE_S"
done
wait $SHORT_PID
echo "warm-up: $WARM"
echo "end:     $LAST"
# Growth per process from warm-up to `$1`: the triples of rss_mb, anon_mb and threads after the '|'.
growth() {
  printf '%s\n%s\n' "${WARM#*|}" "${1#*|}" | awk -v what="$2" '
    NR == 1 { for (i = 1; i <= NF; i++) w[i] = $i }
    NR == 2 { for (i = 1; i <= NF; i += 3)
                printf "%s %s rss_mb=%+.1f anon_mb=%+.1f threads=%+d\n", what,
                       (i == 1 ? "JobManager" : "TaskManager " (i - 1) / 3), $i - w[i], $(i + 1) - w[i + 1],
                       $(i + 2) - w[i + 2] }'
}
growth "$LAST" GROWTH
# Thread stacks: glibc maps each thread's stack (8 MB) and unmaps it only once the thread is joined or
# detached and ended (or keeps a few for reuse), so more of them than threads means threads that ended unjoined.
for p in $(echo $PIDS | cut -d' ' -f2-); do
  awk -v p="$p" -v t="$(ls "/proc/$p/task" | wc -l)" '/^Size:/ && ($2 == 8188 || $2 == 8192) {n++}
    END {printf "STACKS TaskManager pid %s threads=%d stack_mappings_8mb=%d\n", p, t, n}' "/proc/$p/smaps"
done
if [ "${TRIM:-0}" = 1 ]; then
  for p in $(echo $PIDS | cut -d' ' -f2-); do
    gdb -batch -p "$p" -ex 'call (int) malloc_trim(0)' >/dev/null 2>&1 || echo "soak: gdb could not trim $p" >&2
  done
  TRIMMED="$(printf "%6s %5s %8s |" - "$SHORT_JOBS" "${R:-0}")$(sample)"
  echo "trimmed: $TRIMMED"
  growth "$TRIMMED" "AFTER-TRIM"
fi
