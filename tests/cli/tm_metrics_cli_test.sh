#!/bin/sh
# A TaskManager's Prometheus endpoint (issue 6, item 6): a JobManager and one TaskManager with
# taskmanager.metrics.port=0 print 'METRICS http=HOST:PORT'; GET /metrics shows the slots gauge, and
# after a word count ran on the TaskManager, its tasks' records in/out counters (kept after the tasks
# ended) agree with the input; taskmanager.metrics.port=-1 starts no endpoint. Every wait polls against
# a deadline. Usage: tm_metrics_cli_test.sh path/to/weir
set -eu
WEIR="$1"
. "$(dirname "$0")/process_lib.sh"
HB="-D heartbeat.interval=200ms -D heartbeat.timeout=1500ms"

"$WEIR" jobmanager -D jobmanager.rpc.port=0 -D rest.port=0 $HB > "$DIR/jm.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 "REST line" grep -q '^REST http=127.0.0.1:[0-9]*$' "$DIR/jm.log"
RPC=$(sed -n 's/^JOBMANAGER rpc=\([^ ]*\) .*/\1/p' "$DIR/jm.log")
REST=$(sed -n 's/^REST http=//p' "$DIR/jm.log")

"$WEIR" taskmanager -D jobmanager.rpc.port="${RPC##*:}" -D taskmanager.numberOfTaskSlots=2 $HB > "$DIR/tm.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 "METRICS line" grep -q '^METRICS http=127.0.0.1:[0-9]*$' "$DIR/tm.log"
grep -q '^TASKMANAGER id=' "$DIR/tm.log" || fail "no TASKMANAGER line"
METRICS=$(sed -n 's/^METRICS http=//p' "$DIR/tm.log")
scrape() { curl -s -m 5 -o "$DIR/metrics.txt" -w '%{http_code}' "http://$METRICS/metrics"; }

[ "$(scrape)" = 200 ] || fail "GET /metrics: $(cat "$DIR/metrics.txt")"
for line in "weir_taskmanager_slots 2" "weir_taskmanager_running_tasks 0" \
            "# TYPE weir_taskmanager_task_records_in_total counter" \
            "# TYPE weir_taskmanager_task_records_out_total counter" \
            "# TYPE weir_taskmanager_task_backpressured_seconds_total counter"; do
  grep -qx "$line" "$DIR/metrics.txt" || fail "/metrics lacks '$line': $(cat "$DIR/metrics.txt")"
done
curl -s -m 5 -H 'Content-Type: text/plain' -o /dev/null -w '%{http_code}' "http://$METRICS/nothing" | grep -qx 404 || fail "unknown path is not 404"

seq 1 300 | sed 's/^/word w/' > "$DIR/words.txt"  # 600 tokens
"$WEIR" run -p 2 --jobmanager "$REST" word-count --input "$DIR/words.txt" --output "$DIR/out" > "$DIR/run.log" 2>&1 \
  || fail "word count on the cluster: $(cat "$DIR/run.log")"
grep -q FINISHED "$DIR/run.log" || fail "no FINISHED: $(cat "$DIR/run.log")"

# The job's tasks ended; their final counts stay. Sum per family over the job's series.
JOB_TOTAL() { sed -n "s/^$1{job_id=\"[0-9a-f]*\",.*} \([0-9]*\)$/\1/p" "$DIR/metrics.txt" | awk '{s += $1} END {print s + 0}'; }
[ "$(scrape)" = 200 ] || fail "GET /metrics after the job"
grep -q '^weir_taskmanager_task_state{job_id="[0-9a-f]\{32\}",task=".*",subtask="0",attempt="0",state="FINISHED"} 1$' "$DIR/metrics.txt" \
  || fail "no FINISHED task series: $(cat "$DIR/metrics.txt")"
IN=$(JOB_TOTAL weir_taskmanager_task_records_in_total)
OUT=$(JOB_TOTAL weir_taskmanager_task_records_out_total)
[ "$IN" -gt 0 ] && [ "$OUT" -gt 0 ] || fail "records in $IN / out $OUT: $(cat "$DIR/metrics.txt")"
# Every record sent over a network edge is read once: both totals are the 600 tokens.
[ "$IN" -eq "$OUT" ] && [ "$IN" -eq 600 ] || fail "records in $IN, out $OUT, want 600 (the tokens): $(cat "$DIR/metrics.txt")"
grep -q '^weir_taskmanager_task_backpressured_seconds_total{job_id=.*} [0-9.e+-]*$' "$DIR/metrics.txt" \
  || fail "no backpressure series: $(cat "$DIR/metrics.txt")"

# taskmanager.metrics.port=-1: no endpoint, no METRICS line.
"$WEIR" taskmanager -D jobmanager.rpc.port="${RPC##*:}" -D taskmanager.metrics.port=-1 $HB > "$DIR/tm-off.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 "second TASKMANAGER line" grep -q '^TASKMANAGER id=' "$DIR/tm-off.log"
# The TaskManager prints its METRICS line (if any) right after the TASKMANAGER line and before it
# registers: once the JobManager lists it, the line would be there.
OFF=$(sed -n 's/^TASKMANAGER id=\([^ ]*\) .*/\1/p' "$DIR/tm-off.log")
off_listed() { "$WEIR" list-taskmanagers --jobmanager "$RPC" 2>/dev/null | grep -q "^TASKMANAGER id=$OFF "; }
wait_for 10 "the second TaskManager registered" off_listed
! grep -q '^METRICS' "$DIR/tm-off.log" || fail "METRICS line with taskmanager.metrics.port=-1"
echo "tm_metrics_cli_test: ok"
