#!/bin/sh
# The log files of `weir cluster start` (issue 12, item 4): each process logs to NAME.log, rotated at
# log.file.max-size keeping log.file.max-files, and nothing of its log to standard error; what it prints
# (its address line, and a crash report) goes to NAME.out. /taskmanagers/:id/logs lists them. A process that
# cannot start is reported with its output and the end of its log. Every wait polls a condition against a deadline.
# Usage: cluster_logs_cli_test.sh path/to/weir
set -eu
WEIR="$1"
. "$(dirname "$0")/process_lib.sh"
CL="$DIR/cluster"

"$WEIR" cluster start -n 1 --dir "$CL" -D rest.port=0 -D jobmanager.rpc.port=0 -D log.level=debug \
  -D log.file.max-size=4kb -D log.file.max-files=2 > "$DIR/start.log" 2>&1 || fail "cluster start: $(cat "$DIR/start.log")"
for p in $(sed -n 's/^pid //p' "$CL/cluster.state"); do PIDS="$PIDS $p"; done
REST=$(sed -n 's/^CLUSTER rest=\([^ ]*\) .*/\1/p' "$DIR/start.log")
[ -n "$REST" ] || fail "no CLUSTER line: $(cat "$DIR/start.log")"

# Jobs until the TaskManager's log has rotated past its two kept files.
seq 1 50 | sed 's/^/word w/' > "$DIR/words.txt"
jobs=0
until [ -f "$CL/taskmanager-0.2.log" ] && [ "$(wc -c < "$CL/taskmanager-0.log")" -gt 2048 ]; do
  jobs=$((jobs + 1))
  [ "$jobs" -le 60 ] || fail "the TaskManager's log did not rotate twice in 60 jobs: $(ls -l "$CL")"
  "$WEIR" run --jobmanager "$REST" word-count --input "$DIR/words.txt" --output "$DIR/out-$jobs" > "$DIR/run.txt" 2>&1 \
    || fail "job $jobs: $(cat "$DIR/run.txt")"
done
# Once more, so that the oldest file (.2) was dropped at a rotation at least once.
"$WEIR" run --jobmanager "$REST" word-count --input "$DIR/words.txt" --output "$DIR/out-last" > "$DIR/run.txt" 2>&1 \
  || fail "last job: $(cat "$DIR/run.txt")"
[ ! -e "$CL/taskmanager-0.3.log" ] || fail "more rotated files than log.file.max-files: $(ls "$CL")"
for f in "$CL"/taskmanager-0.log "$CL"/taskmanager-0.1.log "$CL"/taskmanager-0.2.log "$CL"/jobmanager.log; do
  [ -f "$f" ] || fail "no $f: $(ls "$CL")"
  [ "$(wc -c < "$f")" -le 4096 ] || fail "$f is over log.file.max-size: $(wc -c < "$f") bytes"
done
grep -q "I \[taskmanager\] deployed task" "$CL"/taskmanager-0*.log || fail "no deployments in the TaskManager's log"
# The .out files hold what the processes printed and none of their log lines.
grep -q "^TASKMANAGER id=" "$CL/taskmanager-0.out" || fail "no TASKMANAGER line in the .out: $(cat "$CL/taskmanager-0.out")"
grep -q "^REST http=" "$CL/jobmanager.out" || fail "no REST line in the .out: $(cat "$CL/jobmanager.out")"
if grep -q " \[[a-z]*\] " "$CL/taskmanager-0.out" "$CL/jobmanager.out"; then
  fail "log lines went to a .out file: $(cat "$CL/taskmanager-0.out" "$CL/jobmanager.out")"
fi

# The REST API lists the TaskManager's files: its log, the rotated ones, its .out.
TM=$(sed -n 's/^TASKMANAGER id=\([^ ]*\) .*/\1/p' "$CL/taskmanager-0.out")
curl -sf "http://$REST/taskmanagers/$TM/logs" > "$DIR/logs.json" || fail "GET /taskmanagers/$TM/logs"
python3 - "$DIR/logs.json" <<'PY' || fail "the listed logs: $(cat "$DIR/logs.json")"
import json, sys
names = [l["name"] for l in json.load(open(sys.argv[1]))["logs"]]
assert names == ["taskmanager.log", "taskmanager.1.log", "taskmanager.2.log", "taskmanager.out"], names
PY
curl -sf "http://$REST/taskmanagers/$TM/logs/taskmanager.out" | grep -q "^TASKMANAGER id=$TM " \
  || fail "/logs/taskmanager.out lacks the TASKMANAGER line"
# A process that crashes says how in its .out: the signal, the thread and the stack (crash_report.h).
TMPID=$(sed -n 's/^pid //p' "$CL/cluster.state" | sed -n 2p)
# In a sanitizer's build (scripts/tsan runs this test) the sanitizer owns the fatal signals and reports them
# itself (crash_report.cc installs nothing there): only that the process ended is checked.
kill -SEGV "$TMPID"
if grep -qa -e '__tsan_init' -e '__asan_init' "$WEIR"; then
  tm_gone() { ! kill -0 "$TMPID" 2> /dev/null; }
  wait_for 30 "the SIGSEGVed TaskManager to end" tm_gone
else
  crash_reported() { grep -q "^FATAL: weir taskmanager: signal 11 (SIGSEGV) on thread '.*' (tid [0-9]*)" "$CL/taskmanager-0.out"; }
  wait_for 30 "the TaskManager's crash report in its .out" crash_reported
  grep -q "^stack (innermost first" "$CL/taskmanager-0.out" || fail "no stack in the .out: $(cat "$CL/taskmanager-0.out")"
fi
"$WEIR" cluster stop --dir "$CL" > "$DIR/stop.log" 2>&1 || fail "cluster stop: $(cat "$DIR/stop.log")"
PIDS=""

# A TaskManager that cannot start (its host is no address of this machine: binding fails at once, nothing is
# sent): the error quotes its output and its log.
if "$WEIR" cluster start -n 1 --dir "$DIR/bad" -D rest.port=0 -D jobmanager.rpc.port=0 \
  -D taskmanager.host=192.0.2.1 > "$DIR/bad.txt" 2>&1; then
  for p in $(sed -n 's/^pid //p' "$DIR/bad/cluster.state"); do PIDS="$PIDS $p"; done
  fail "a cluster whose TaskManager cannot start started"
fi
grep -q "exited while starting; its output (.*taskmanager-0.out)" "$DIR/bad.txt" || fail "bad start: $(cat "$DIR/bad.txt")"
grep -q "192.0.2.1" "$DIR/bad.txt" || fail "bad start does not name the address: $(cat "$DIR/bad.txt")"
echo "cluster logs: OK ($jobs jobs to rotate twice)"
