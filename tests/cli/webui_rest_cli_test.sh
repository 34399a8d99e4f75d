#!/bin/sh
# What the web UI's TaskManager page, job submission and time split read, over REST against real processes
# (issue 17): a JobManager (uploads capped at 4 MiB) and one TaskManager with 2 slots and 64 MiB of managed
# memory. While a throttled Nexmark query runs on one slot: /overview counts the other slot as available
# (not every offered one), /taskmanagers/:id has its slots in use, memory (process, network buffers, managed
# memory reserved by the used slot), its tasks' counters and its log files, whose end /log serves; the
# source's busy, idle and backpressured time per second add up to a second and a throttled source is mostly
# idle. Uploads that are not job libraries, too large, and specs with bad arguments or parallelism are refused
# with messages naming the problem. An attached `weir nexmark` shows its progress: plain lines into a file,
# one line rewritten in place on a pseudo-terminal. Every wait polls against a deadline.
# Usage: webui_rest_cli_test.sh path/to/weir path/to/libweir_word_count_job.so
set -eu
WEIR="$1"
WORD_COUNT_LIB="$2"
. "$(dirname "$0")/process_lib.sh"
# get PATH: the body in $DIR/body, the status code on stdout; post PATH FILE|JSON likewise.
get() { curl -s -m 10 -o "$DIR/body" -w '%{http_code}' "http://$REST$1"; }
post_file() { curl -s -m 10 -o "$DIR/body" -w '%{http_code}' -H 'Content-Type: application/octet-stream' --data-binary "@$2" "http://$REST$1"; }
post_json() { curl -s -m 10 -o "$DIR/body" -w '%{http_code}' -H 'Content-Type: application/json' -d "$2" "http://$REST$1"; }
json() { python3 -c "import json,sys; j=json.load(open('$DIR/body')); sys.exit(0 if ($1) else 1)"; }
HB="-D heartbeat.interval=200ms -D heartbeat.timeout=3s"

# Its bound (a body is held in memory whole): 3 gb is refused naming the key and the range, nothing starts.
if "$WEIR" jobmanager -D jobmanager.rpc.port=0 -D rest.port=0 -D rest.server.max-content-length=3gb \
    > "$DIR/jm-bad.log" 2>&1; then fail "a JobManager started with rest.server.max-content-length=3gb"; fi
grep -q "rest.server.max-content-length.*must be between 1024 and 2147483648 bytes" "$DIR/jm-bad.log" \
  || fail "the refusal of 3gb names no key or range: $(cat "$DIR/jm-bad.log")"

# 4 MiB: the job libraries of the sanitizer trees are 1-2 MB (0.4 MB in the release tree); 5 MB is refused.
"$WEIR" jobmanager -D jobmanager.rpc.port=0 -D rest.port=0 -D rest.server.max-content-length=4mb $HB > "$DIR/jm.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 "REST line" grep -q '^REST http=127.0.0.1:[0-9]*$' "$DIR/jm.log"
RPC=$(sed -n 's/^JOBMANAGER rpc=\([^ ]*\) .*/\1/p' "$DIR/jm.log")
REST=$(sed -n 's/^REST http=//p' "$DIR/jm.log")
"$WEIR" taskmanager -D jobmanager.rpc.port="${RPC##*:}" -D taskmanager.numberOfTaskSlots=2 \
  -D taskmanager.memory.managed.size=64mb $HB > "$DIR/tm.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 "TaskManager id" grep -q '^TASKMANAGER id=' "$DIR/tm.log"
TM=$(sed -n 's/^TASKMANAGER id=\([^ ]*\) .*/\1/p' "$DIR/tm.log")
free_slots() { get /overview > /dev/null && json "j['slots-total'] == 2 and j['slots-available'] == $1"; }
wait_for 10 "2 slots available" free_slots 2

# A throttled, endless query on one slot (parallelism 1).
"$WEIR" nexmark --jobmanager "$REST" --detached --query q1 --events 1000000000 --tps 2000 -p 1 --sink blackhole \
  > "$DIR/submit.log" 2>&1 || fail "submit: $(cat "$DIR/submit.log")"
JOB=$(sed -n 's/.*JobID \([0-9a-f]\{32\}\).*/\1/p' "$DIR/submit.log")
running() { get "/jobs/$JOB" > /dev/null && json "j['state'] == 'RUNNING'"; }
wait_for 30 "the query RUNNING" running

# Bug fixed: a slot a job holds is not available.
wait_for 10 "1 slot available while the job holds the other" free_slots 1
[ "$(get /taskmanagers)" = 200 ] && json "[(t['id'], t['freeSlots']) for t in j['taskmanagers']] == [('$TM', 1)]" \
  || fail "/taskmanagers free slots: $(cat "$DIR/body")"

# The TaskManager's details: slots, memory as it knows it, its tasks, its logs.
tm_details() { get "/taskmanagers/$TM" > /dev/null && json "j['metrics'] is not None and any(t['status'] == 'RUNNING' for t in j['tasks'])"; }
wait_for 15 "the TaskManager's details with a running task" tm_details
json "j['slotsNumber'] == 2 and j['usedSlots'] == 1 and j['freeSlots'] == 1" || fail "slots: $(cat "$DIR/body")"
json "j['metrics']['rssBytes'] > 0 and j['metrics']['peakRssBytes'] >= j['metrics']['rssBytes'] // 2" || fail "process memory: $(cat "$DIR/body")"
json "j['metrics']['networkSegmentSize'] == 32768 and j['metrics']['networkBuffersTotal'] >= j['metrics']['networkBuffersInUse'] >= 0" \
  || fail "network buffers: $(cat "$DIR/body")"
json "j['metrics']['managedMemoryBytes'] == 64 << 20 and j['metrics']['managedMemoryPerSlotBytes'] == 32 << 20 and j['metrics']['managedMemoryReservedBytes'] == 32 << 20" \
  || fail "managed memory: $(cat "$DIR/body")"
json "all(t['jobId'] == '$JOB' for t in j['tasks'] if t['status'] == 'RUNNING') and j['logs'][0]['name'] == 'taskmanager.log' and j['logs'][0]['size'] > 0" \
  || fail "tasks and logs: $(cat "$DIR/body")"
[ "$(get "/taskmanagers/$TM/metrics?get=Slots.Used,Status.Managed.Total")" = 200 ] \
  && json "j == [{'id': 'Slots.Used', 'value': '1'}, {'id': 'Status.Managed.Total', 'value': str(64 << 20)}]" \
  || fail "/taskmanagers/$TM/metrics: $(cat "$DIR/body")"
[ "$(get "/taskmanagers/$TM/logs")" = 200 ] && json "[l['name'] for l in j['logs']] == ['taskmanager.log']" \
  || fail "/taskmanagers/$TM/logs: $(cat "$DIR/body")"
[ "$(get "/taskmanagers/$TM/log")" = 200 ] && grep -q "^TASKMANAGER id=$TM " "$DIR/body" || fail "/log lacks the first line: $(head -c 500 "$DIR/body")"
[ "$(get "/taskmanagers/$TM/logs/taskmanager.log?max-bytes=200")" = 200 ] || fail "a tail of the log"
[ "$(wc -c < "$DIR/body")" -le 200 ] && tail -c 200 "$DIR/tm.log" | grep -qF "$(tail -n 1 "$DIR/body")" || fail "the tail is not the log's end: $(cat "$DIR/body")"
[ "$(get "/taskmanagers/$TM/logs/secrets.txt")" = 404 ] && json "j['errors'] == [\"this TaskManager has no log file 'secrets.txt' (it has: taskmanager.log)\"]" \
  || fail "unknown log: $(cat "$DIR/body")"
[ "$(get "/taskmanagers/$TM/log?max-bytes=lots")" = 400 ] && json "'max-bytes' in j['errors'][0]" || fail "bad max-bytes: $(cat "$DIR/body")"
[ "$(get /taskmanagers/tm-nobody/log)" = 404 ] && json "j['errors'] == ['TaskManager tm-nobody not found']" || fail "unknown TaskManager's log: $(cat "$DIR/body")"

# Busy, idle and backpressured time of the source: a second's worth, mostly idle at 2000 records/s.
split() {
  get "/jobs/$JOB/vertices/0" > /dev/null && json "all(m['busy-time-ms-per-second'] is not None and abs(m['busy-time-ms-per-second'] + m['idle-time-ms-per-second'] + m['backpressured-time-ms-per-second'] - 1000) <= 2 and m['idle-time-ms-per-second'] > 500 for m in [j['metrics']] + [s['metrics'] for s in j['subtasks']])"
}
wait_for 15 "busy + idle + backpressured = 1000 ms/s, mostly idle" split
[ "$(get "/jobs/$JOB/metrics/history")" = 200 ] && json "any(p['vertices'][0] and p['vertices'][0]['idle-time-ms-per-second'] > 500 for p in j['samples'])" \
  || fail "history without idle time: $(cat "$DIR/body")"
"$WEIR" cancel --jobmanager "$REST" "$JOB" > "$DIR/cancel.log" 2>&1 || fail "cancel: $(cat "$DIR/cancel.log")"
wait_for 15 "both slots available after the job" free_slots 2

# Submission from the browser goes through /jars/upload and POST /jobs: bad input is refused, naming why.
printf 'not a library\n' > "$DIR/notes.so"
[ "$(post_file '/jars/upload?name=notes.so' "$DIR/notes.so")" = 400 ] && json "j['errors'][0].startswith(\"'notes.so' is neither a job library\")" \
  || fail "a text file as a library: $(cat "$DIR/body")"
head -c 5000000 /dev/zero > "$DIR/big.so"
[ "$(post_file '/jars/upload?name=big.so' "$DIR/big.so")" = 413 ] && json "'rest.server.max-content-length' in j['errors'][0] and '4194304' in j['errors'][0]" \
  || fail "a 5 MB upload over the 4 MiB limit: $(cat "$DIR/body")"
[ "$(get /config)" = 200 ] && json "j['upload-max-bytes'] == 4194304 and j['features']['web-submit'] is True" || fail "/config: $(cat "$DIR/body")"
[ "$(post_file '/jars/upload?name=libweir_word_count_job.so' "$WORD_COUNT_LIB")" = 200 ] || fail "a real library: $(cat "$DIR/body")"
KEY=$(python3 -c "import json; print(json.load(open('$DIR/body'))['blob-key'])")
[ "$(post_json /jobs "{\"kind\": \"library\", \"name\": \"libweir_word_count_job.so\", \"blob-key\": \"$KEY\", \"args\": [\"--no-such-flag\"]}")" = 400 ] \
  && json "j['errors'][0].startswith('job refused: ')" || fail "bad arguments: $(cat "$DIR/body")"
[ "$(post_json /jobs "{\"kind\": \"library\", \"name\": \"libweir_word_count_job.so\", \"blob-key\": \"$KEY\", \"config\": {\"parallelism.default\": \"many\"}}")" = 400 ] \
  && json "'parallelism.default' in j['errors'][0]" || fail "bad parallelism: $(cat "$DIR/body")"

# CLI progress of an attached run. Not a terminal: plain lines, one per state change or checkpoint.
NEX="--query q1 --events 60000 --tps 20000 -p 1 --sink blackhole --checkpoint-interval 300ms --checkpoint-dir $DIR/ckpt"
"$WEIR" nexmark --jobmanager "$REST" $NEX > "$DIR/attached.out" 2> "$DIR/attached.err" \
  || fail "attached run: $(cat "$DIR/attached.out" "$DIR/attached.err")"
grep -q '^Job [0-9a-f]* FINISHED' "$DIR/attached.out" || fail "no FINISHED line: $(cat "$DIR/attached.out")"
grep -q '^progress: RUNNING' "$DIR/attached.err" || fail "no progress line: $(cat "$DIR/attached.err")"
grep -q '^progress: RUNNING.*  checkpoint [0-9][0-9]* ([0-9.]* s ago, [0-9.]* [KMG]*B)' "$DIR/attached.err" \
  || fail "no checkpoint in the progress lines: $(cat "$DIR/attached.err")"
! grep -q "$(printf '\r')" "$DIR/attached.err" || fail "carriage returns in a file: $(cat -A "$DIR/attached.err")"
# A terminal (a pseudo-terminal): the line is rewritten in place, and ends before the final line.
python3 - "$WEIR" "$REST" "$DIR/tty.out" $NEX <<'PY' || fail "attached run on a terminal: $(cat -A "$DIR/tty.out")"
import os, pty, subprocess, sys
weir, rest, out, rest_args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
master, slave = pty.openpty()
p = subprocess.Popen([weir, "nexmark", "--jobmanager", rest] + rest_args, stdin=slave, stdout=slave, stderr=slave)
os.close(slave)
data = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: every writer closed the terminal
        break
    if not chunk:
        break
    data += chunk
open(out, "wb").write(data)
sys.exit(p.wait())
PY
python3 - "$DIR/tty.out" <<'PY' || fail "the terminal's progress line: $(cat -A "$DIR/tty.out")"
import re, sys
text = open(sys.argv[1], "rb").read().decode()
assert "\r\x1b[KRUNNING" in text, "no line rewritten in place"
assert re.search(r"\r\x1b\[KRUNNING[^\r\n]*  checkpoint \d+ ", text), "no checkpoint on the line"
assert "progress:" not in text, "plain lines on a terminal"
assert re.search(r"\r\x1b\[K[^\r\n]*\r?\nJob [0-9a-f]{32} FINISHED", text), "the final line does not start a line of its own"
PY
echo "PASS"
