#!/bin/sh
# Jobs on a local cluster of real processes (issue 6): `weir cluster start` a JobManager and two
# TaskManagers on free ports; an example and a job library whose shuffles cross TaskManagers give the
# MiniCluster's output; a Nexmark query with checkpoints survives SIGKILLed TaskManagers (replaced by new
# ones, which get the work) with exactly the failure-free output; clear errors for bad input; `weir
# cluster stop`. Every wait polls a condition against a deadline.
# Usage: distributed_cli_test.sh path/to/weir path/to/libweir_word_count_job.so
set -eu
WEIR="$1"
WORDCOUNT_LIB="$2"
. "$(dirname "$0")/process_lib.sh"
HB="-D heartbeat.interval=200ms -D heartbeat.timeout=1500ms"  # generous: ctest runs tests in parallel
CL="$DIR/cluster"

"$WEIR" cluster start -n 2 --dir "$CL" -D blob.storage.directory="$DIR" -D blob.service.cleanup.interval=0 -D rest.port=0 -D jobmanager.rpc.port=0 -D taskmanager.numberOfTaskSlots=1 \
  -D restart-strategy.type=fixed-delay -D restart-strategy.fixed-delay.attempts=20 \
  -D restart-strategy.fixed-delay.delay=100ms $HB > "$DIR/start.log" 2>&1 || fail "cluster start: $(cat "$DIR/start.log")"
for p in $(sed -n 's/^pid //p' "$CL/cluster.state"); do PIDS="$PIDS $p"; done
cp "$CL"/*.log "$DIR/" 2>/dev/null || true
REST=$(sed -n 's/^CLUSTER rest=\([^ ]*\) .*/\1/p' "$DIR/start.log")
RPC=$(sed -n 's/^CLUSTER .* rpc=\([^ ]*\) .*/\1/p' "$DIR/start.log")
[ -n "$REST" ] && [ -n "$RPC" ] || fail "no CLUSTER line: $(cat "$DIR/start.log")"
# A second start on the same directory refuses while the first runs.
if "$WEIR" cluster start --dir "$CL" > "$DIR/again.log" 2>&1; then fail "second cluster start succeeded"; fi
grep -q "is running" "$DIR/again.log" || fail "second start error: $(cat "$DIR/again.log")"

sorted_output() { cat "$1"/part-* 2>/dev/null | sort; }
seq 1 400 | tr '0-9' 'abcdefghij' | sed 's/^/word w/' > "$DIR/words.txt"  # 401 distinct words (letters only: the tokenizer drops digits), 800 tokens

# The example word count at parallelism 2 (one slot per TaskManager: its shuffle crosses them) equals the
# MiniCluster's.
"$WEIR" run word-count -p 2 --input "$DIR/words.txt" --output "$DIR/wc-local" > "$DIR/wc-local.log" 2>&1 || fail "local word count"
"$WEIR" run -p 2 --jobmanager "$REST" word-count --input "$DIR/words.txt" --output "$DIR/wc-remote" > "$DIR/wc-remote.log" 2>&1 \
  || fail "word count on the cluster: $(cat "$DIR/wc-remote.log")"
grep -q "FINISHED" "$DIR/wc-remote.log" || fail "no FINISHED: $(cat "$DIR/wc-remote.log")"
[ -n "$(sorted_output "$DIR/wc-local")" ] || fail "local word count wrote nothing"
[ "$(sorted_output "$DIR/wc-local")" = "$(sorted_output "$DIR/wc-remote")" ] || fail "word count on the cluster differs from the MiniCluster's"

# The same as a job library uploaded through the blob store; its arguments follow the library.
"$WEIR" run -p 2 "$WORDCOUNT_LIB" --input "$DIR/words.txt" --output "$DIR/lib-local" > "$DIR/lib-local.log" 2>&1 || fail "local library: $(cat "$DIR/lib-local.log")"
"$WEIR" run -p 2 --jobmanager "$REST" "$WORDCOUNT_LIB" --input "$DIR/words.txt" --output "$DIR/lib-remote" > "$DIR/lib-remote.log" 2>&1 \
  || fail "library on the cluster: $(cat "$DIR/lib-remote.log")"
[ -n "$(sorted_output "$DIR/lib-local")" ] || fail "local library wrote nothing"
[ "$(sorted_output "$DIR/lib-local")" = "$(sorted_output "$DIR/lib-remote")" ] || fail "library on the cluster differs from the MiniCluster's"
# Released with its job, the library leaves the TaskManagers' blob caches (blob.service.cleanup.interval=0
# here: at once; Flink's default, an hour, lets a job submitted again reuse it).
[ "$(find "$DIR" -maxdepth 1 -name 'blobCache-*' -type d | wc -l)" -eq 2 ] || fail "no blob cache of each TaskManager in $DIR"
no_cached_blob() { [ -z "$(find "$DIR" -path '*/blobCache-*/*' -type f)" ]; }
wait_for 10 "the library deleted from the TaskManagers' blob caches after its job" no_cached_blob

# Bad input: clear errors, non-zero exits.
expect_error() {  # expect_error PATTERN COMMAND...
  pattern="$1"; shift
  if "$@" > "$DIR/err.out" 2>&1; then fail "succeeded: $*"; fi
  grep -q "$pattern" "$DIR/err.out" || fail "error of '$*' does not say '$pattern': $(cat "$DIR/err.out")"
}
expect_error "unknown example 'no-such'" "$WEIR" run --jobmanager "$REST" no-such
expect_error "does not exist" "$WEIR" run --jobmanager "$REST" "$DIR/missing.so"
expect_error "127.0.0.1:1" "$WEIR" run --jobmanager 127.0.0.1:1 word-count --input "$DIR/words.txt"
expect_error "bad --query 'q99'\|unknown query\|q99" "$WEIR" nexmark --jobmanager "$REST" --query q99 --events 10
expect_error "needs --checkpoint-dir" "$WEIR" nexmark --jobmanager "$REST" --query q5 --events 10 --checkpoint-interval 100ms

# Nexmark q5 with checkpoints on the cluster while TaskManagers are SIGKILLed at random moments and replaced: the committed
# output equals the MiniCluster's failure-free run.
EVENTS=300000
"$WEIR" nexmark --query q5 --events $EVENTS -p 2 --sink "file:$DIR/q5-local" > "$DIR/q5-local.log" 2>&1 || fail "local q5"
"$WEIR" nexmark --jobmanager "$REST" --detached --query q5 --events $EVENTS -p 2 --tps 50000 --sink "file:$DIR/q5-remote" \
  --checkpoint-interval 200ms --checkpoint-dir "$DIR/chk" > "$DIR/q5-submit.log" 2>&1 || fail "q5 submit: $(cat "$DIR/q5-submit.log")"
JOB=$(sed -n 's/.*JobID \([0-9a-f]*\).*/\1/p' "$DIR/q5-submit.log")
[ -n "$JOB" ] || fail "no job id: $(cat "$DIR/q5-submit.log")"
job_json() { curl -s "http://$REST/jobs/$JOB$1"; }
checkpoints_at_least() { [ "$(job_json /checkpoints | sed -n 's/.*"counts":{"completed":\([0-9]*\).*/\1/p')" -ge "$1" ]; }
finished() { job_json "" | grep -q '"state":"FINISHED"'; }
JMPID=$(sed -n 's/^pid //p' "$CL/cluster.state" | head -1)
completed() { job_json /checkpoints | sed -n 's/.*"counts":{"completed":\([0-9]*\).*/\1/p'; }
restarts_at_least() { [ "$(job_json "" | sed -n 's/.*"restarts":\([0-9]*\).*/\1/p')" -ge "$1" ]; }
DONE=0
for round in 1 2; do
  # Each kill after the previous failover completed a new checkpoint, so each is a failure of its own.
  wait_for 60 "restart $((round - 1)) of q5" restarts_at_least $((round - 1))
  wait_for 60 "a checkpoint of q5 after restart $((round - 1))" checkpoints_at_least $((DONE + 1))
  sleep "0.$(( $(od -An -N1 -tu1 /dev/urandom) % 5 ))"  # a random moment, 0-400 ms after that checkpoint
  DONE=$(completed)  # read just before the kill: the next round waits for a checkpoint after this failover
  VICTIM=""
  for p in $PIDS; do
    if [ "$p" != "$JMPID" ] && alive "$p"; then VICTIM=$p; break; fi
  done
  [ -n "$VICTIM" ] || fail "no TaskManager left to kill"
  kill -9 "$VICTIM"
  "$WEIR" taskmanager -D blob.storage.directory="$DIR" -D jobmanager.rpc.port="${RPC##*:}" -D taskmanager.numberOfTaskSlots=1 $HB > "$DIR/tm-new-$round.log" 2>&1 &
  PIDS="$PIDS $!"
done
wait_for 120 "q5 finished" finished
RESTARTS=$(job_json "" | sed -n 's/.*"restarts":\([0-9]*\).*/\1/p')
# Two kills are at least one failover (two merge when the second lands while the first restart deploys).
[ "${RESTARTS:-0}" -ge 1 ] || fail "q5 restarted ${RESTARTS:-0} times after two SIGKILLs: $(job_json /exceptions)"
# The failure names the lost TaskManager: its heartbeat timeout ("TaskManager ID (DATA) is gone") or, when a
# consumer's channel from it failed first, the data connection ("lost the data connection to TaskManager DATA").
job_json /exceptions | grep -q "is gone\|lost the data connection to TaskManager" \
  || fail "exceptions do not name the lost TaskManager: $(job_json /exceptions)"
[ -n "$(sorted_output "$DIR/q5-local")" ] || fail "local q5 wrote nothing"
[ "$(sorted_output "$DIR/q5-local")" = "$(sorted_output "$DIR/q5-remote")" ] || fail "q5 on the cluster after SIGKILLs differs from the failure-free run"

# Stop q3 (a keyed join with steady output) with a savepoint on the cluster at parallelism 2, resume from it at parallelism 1: the two runs'
# committed output together equals one uninterrupted run's.
"$WEIR" nexmark --query q3 --events $EVENTS -p 1 --sink "file:$DIR/q3-local" > "$DIR/q3-local.log" 2>&1 || fail "local q3"
"$WEIR" nexmark --jobmanager "$REST" --detached --query q3 --events $EVENTS -p 2 --tps 50000 --sink "file:$DIR/sp-a" \
  --checkpoint-interval 200ms --checkpoint-dir "$DIR/chk2" > "$DIR/sp-submit.log" 2>&1 || fail "submit: $(cat "$DIR/sp-submit.log")"
JOB=$(sed -n 's/.*JobID \([0-9a-f]*\).*/\1/p' "$DIR/sp-submit.log")
has_output() { [ -n "$(sorted_output "$1")" ]; }
wait_for 60 "committed output before the stop" has_output "$DIR/sp-a"
# Backpressure of a running job whose tasks run on TaskManager processes is measured there (over gRPC).
job_json /vertices/0/backpressure > "$DIR/backpressure.json"
grep -q '"status":"ok"' "$DIR/backpressure.json" || fail "backpressure on the cluster: $(cat "$DIR/backpressure.json")"
"$WEIR" stop --jobmanager "$REST" --savepoint-path "$DIR/savepoints" "$JOB" > "$DIR/stop-job.log" 2>&1 || fail "weir stop: $(cat "$DIR/stop-job.log")"
SP=$(sed -n 's/^Savepoint completed. Path: //p' "$DIR/stop-job.log")
[ -d "$SP" ] || fail "no savepoint directory: $(cat "$DIR/stop-job.log")"
wait_for 30 "the stopped job FINISHED" finished
"$WEIR" nexmark --jobmanager "$REST" --query q3 --events $EVENTS -p 1 --sink "file:$DIR/sp-b" --from-savepoint "$SP" \
  > "$DIR/sp-resume.log" 2>&1 || fail "resume at p=1: $(cat "$DIR/sp-resume.log")"
[ -n "$(sorted_output "$DIR/sp-a")" ] || fail "the job stopped with a savepoint committed nothing (the test proves nothing)"
[ "$(sorted_output "$DIR/sp-b" | wc -l)" -lt "$(sorted_output "$DIR/q3-local" | wc -l)" ] || fail "the resumed job did not start from the savepoint"
[ "$( (sorted_output "$DIR/sp-a"; sorted_output "$DIR/sp-b") | sort)" = "$(sorted_output "$DIR/q3-local")" ] \
  || fail "stop with savepoint at p=2 + resume at p=1 differs from one uninterrupted run"
# A bad savepoint path is a clear error.
expect_error "savepoint\|no such" "$WEIR" nexmark --jobmanager "$REST" --query q5 --events 10 --from-savepoint "$DIR/no-such-savepoint"

"$WEIR" cluster stop --dir "$CL" > "$DIR/stop.log" 2>&1 || fail "cluster stop: $(cat "$DIR/stop.log")"
grep -q "^STOPPED " "$DIR/stop.log" || fail "stop: $(cat "$DIR/stop.log")"
echo "PASS"
