#!/bin/sh
# High availability with a real ZooKeeper (issue #14), through processes as a person runs them:
# `weir cluster start --zookeeper --jobmanagers 2` (a local ZooKeeper, a leader and a standby, 2 TaskManagers);
# a checkpointing Nexmark q5 (keyed, exactly-once file sink) submitted through ZooKeeper's leader address;
#  (c) the leader SIGSTOPped past the session timeout: the standby takes over and recovers the job; SIGCONT:
#      the old leader steps down by itself and its REST answers 503 naming the new leader;
#  (a) the new leader SIGKILLed: a third JobManager takes over, the job goes on from its latest checkpoint
#      with the same job id and the committed output equals the failure-free run;
#  (b) the finished job is not run again by the next leader; a cancelled job stays cancelled; an ended job's
#      library blob is removed from storageDir once no stored job uses it (kept while another one does);
#  (d) the leader and every TaskManager SIGKILLed, new ones started: the job recovers from its checkpoint, and
#      its client (not detached) follows it to the new leader;
#  (e) ZooKeeper SIGSTOPped for less than the session timeout: the leader pauses and carries on, no restart.
# Every wait polls a condition against a deadline. Usage: ha_cli_test.sh path/to/weir
set -eu
WEIR="$1"
. "$(dirname "$0")/process_lib.sh"
command -v java > /dev/null && [ -f /usr/share/java/zookeeper.jar ] || { echo "SKIP: no ZooKeeper (java, zookeeper.jar)"; exit 0; }
CL="$DIR/cluster"
fail() {  # process_lib's, with the cluster's logs
  echo "FAIL: $*" >&2
  for f in "$DIR"/*.log "$CL"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 60 "$f" >&2; }; done
  exit 1
}
HB="-D heartbeat.interval=200ms -D heartbeat.timeout=2000ms"
COMMON="-D rest.port=0 -D jobmanager.rpc.port=0 -D taskmanager.numberOfTaskSlots=1 -D restart-strategy.type=fixed-delay \
  -D restart-strategy.fixed-delay.attempts=50 -D restart-strategy.fixed-delay.delay=100ms $HB"

"$WEIR" cluster start --zookeeper --jobmanagers 2 -n 2 --dir "$CL" $COMMON > "$DIR/start.log" 2>&1 \
  || fail "cluster start: $(cat "$DIR/start.log") $(cat "$CL"/*.log)"
for p in $(sed -n 's/^\(pid\|standby\|zookeeper\) //p' "$CL/cluster.state"); do PIDS="$PIDS $p"; done
QUORUM=$(sed -n 's/.* zookeeper=\([^ ]*\).*/\1/p' "$DIR/start.log")
RESTS=$(sed -n 's/.* rests=\([^ ]*\).*/\1/p' "$DIR/start.log")
LEADER_REST=$(sed -n 's/^CLUSTER rest=\([^ ]*\) .*/\1/p' "$DIR/start.log")
[ -n "$QUORUM" ] && [ -n "$RESTS" ] && [ -n "$LEADER_REST" ] || fail "CLUSTER line: $(cat "$DIR/start.log")"
HA="-D high-availability.type=zookeeper -D high-availability.zookeeper.quorum=$QUORUM -D high-availability.storageDir=$CL/ha"
JM0=$(sed -n 's/^pid //p' "$CL/cluster.state" | head -1)
JM1=$(sed -n 's/^standby //p' "$CL/cluster.state")
REST0=${RESTS%%,*}
REST1=${RESTS##*,}
if [ "$LEADER_REST" = "$REST0" ]; then A=$JM0; A_REST=$REST0; A_LOG="$CL/jobmanager.log"; B=$JM1; B_REST=$REST1; B_LOG="$CL/jobmanager-1.log"
else A=$JM1; A_REST=$REST1; A_LOG="$CL/jobmanager-1.log"; B=$JM0; B_REST=$REST0; B_LOG="$CL/jobmanager.log"; fi

status_of() { curl -s -o /dev/null -w '%{http_code}' "http://$1/overview"; }
leads() { [ "$(status_of "$1")" = 200 ]; }
job_json() { curl -s "http://$1/jobs/$2$3"; }
state_is() { job_json "$1" "$2" "" | grep -q "\"state\":\"$3\""; }
completed() { job_json "$1" "$2" /checkpoints | sed -n 's/.*"counts":{"completed":\([0-9]*\).*/\1/p'; }
checkpoints_at_least() { [ "$(completed "$1" "$2")" -ge "$3" ] 2>/dev/null; }
restored() { job_json "$1" "$2" /checkpoints | grep -q '"restored":{[^}]*"id":[1-9]'; }
sorted_output() { find "$1" -type f ! -name '.*' -exec cat {} + 2>/dev/null | LC_ALL=C sort; }

# A standby's REST names the leader (503) instead of failing silently.
[ "$(status_of "$B_REST")" = 503 ] || fail "standby REST answered $(status_of "$B_REST")"
curl -s "http://$B_REST/jobs" | grep -q "$A_REST" || fail "standby REST does not name the leader: $(curl -s "http://$B_REST/jobs")"

EVENTS=400000
"$WEIR" nexmark --query q5 --events $EVENTS -p 2 --sink "file:$DIR/q5-local" > "$DIR/q5-local.log" 2>&1 || fail "local q5"
# Submitted without --jobmanager: the leader is found through ZooKeeper.
"$WEIR" nexmark $HA --detached --query q5 --events $EVENTS -p 2 --tps 25000 --sink "file:$DIR/q5-ha" \
  --checkpoint-interval 200ms --checkpoint-dir "$DIR/chk" > "$DIR/q5-submit.log" 2>&1 || fail "q5 submit: $(cat "$DIR/q5-submit.log")"
JOB=$(sed -n 's/.*JobID \([0-9a-f]*\).*/\1/p' "$DIR/q5-submit.log")
[ -n "$JOB" ] || fail "no job id: $(cat "$DIR/q5-submit.log")"
wait_for 60 "2 checkpoints of q5 under the first leader" checkpoints_at_least "$A_REST" "$JOB" 2

# (c) SIGSTOP the leader past the session timeout (3 s): the standby takes over, recovers the job.
kill -STOP "$A"
wait_for 30 "the standby takes over" leads "$B_REST"
wait_for 30 "q5 recovered from a checkpoint under the second leader" restored "$B_REST" "$JOB"
wait_for 30 "q5 running under the second leader" state_is "$B_REST" "$JOB" RUNNING
wait_for 30 "a checkpoint under the second leader" checkpoints_at_least "$B_REST" "$JOB" 1
kill -CONT "$A"
wait_for 30 "the old leader steps down" grep -q "stepping down" "$A_LOG"
wait_for 10 "the old leader's REST names the new one" sh -c "curl -s http://$A_REST/jobs | grep -q $B_REST"

# (a) SIGKILL the second leader mid-job; a new JobManager is the standby that takes over.
"$WEIR" jobmanager $HA $COMMON > "$DIR/jm-c.log" 2>&1 &
C=$!; PIDS="$PIDS $C"
wait_for 30 "the third JobManager's REST" grep -q "^REST http=" "$DIR/jm-c.log"
C_REST=$(sed -n 's/^REST http=//p' "$DIR/jm-c.log")
wait_for 30 "a checkpoint before the kill" checkpoints_at_least "$B_REST" "$JOB" 2
kill -9 "$B"
NEW=""
leader_after_b() { if leads "$A_REST"; then NEW=$A_REST; elif leads "$C_REST"; then NEW=$C_REST; else return 1; fi; }
limit=$(( $(now_ms) + 30000 ))
until leader_after_b; do [ "$(now_ms)" -lt "$limit" ] || fail "no leader after SIGKILL"; sleep 0.05; done
wait_for 30 "q5 recovered after SIGKILL" restored "$NEW" "$JOB"
# A second job of the same library (the Nexmark job's blob, stored by content) submitted while q5 runs: it
# waits for slots, and its spec in ZooKeeper names the same blob.
"$WEIR" nexmark $HA --detached --query q0 --events 100000000 -p 1 --tps 1000 --sink blackhole \
  --checkpoint-interval 200ms --checkpoint-dir "$DIR/chk" > "$DIR/q0-submit.log" 2>&1 || fail "q0 submit: $(cat "$DIR/q0-submit.log")"
JOB2=$(sed -n 's/.*JobID \([0-9a-f]*\).*/\1/p' "$DIR/q0-submit.log")
wait_for 120 "q5 finished" state_is "$NEW" "$JOB" FINISHED
[ -n "$(sorted_output "$DIR/q5-local")" ] || fail "local q5 wrote nothing"
[ "$(sorted_output "$DIR/q5-local")" = "$(sorted_output "$DIR/q5-ha")" ] \
  || fail "q5 after two leader failovers differs from the failure-free run: $(sorted_output "$DIR/q5-local" | wc -l) vs $(sorted_output "$DIR/q5-ha" | wc -l) rows"
# Checkpoint ids never repeated: every chk-<n> directory was written once (kNoOverwrite would have failed).
grep -h "already exists" "$CL"/*.log "$DIR"/*.log 2>/dev/null && fail "a checkpoint id was used twice"

# Blobs of ended jobs: q5's library blob stays while q0 (the same blob) may still run.
BLOBS="$CL/ha/default/blobs"
blob_count() { find "$BLOBS" -type f ! -name '.*' 2>/dev/null | wc -l; }
# A function, so wait_for counts again on every try (an argument like "$(blob_count)" is expanded once).
no_blobs() { [ "$(blob_count)" -eq 0 ]; }
[ "$(blob_count)" -ge 1 ] || fail "q5 ended and took the library blob q0 uses along: $(ls -la "$BLOBS")"
# (b) A cancelled job stays cancelled; the finished one is not run again by the next leader.
wait_for 30 "q0 running" state_is "$NEW" "$JOB2" RUNNING
# (e) ZooKeeper paused for less than the session timeout: the leader is suspended (checkpoints pause), the same
#     session comes back, it carries on as leader and the job is not restarted.
if [ "$NEW" = "$A_REST" ]; then NEW_LOG="$A_LOG"; else NEW_LOG="$DIR/jm-c.log"; fi
wait_for 30 "a checkpoint of q0" checkpoints_at_least "$NEW" "$JOB2" 1
ZK=$(sed -n 's/^zookeeper //p' "$CL/cluster.state")
count() { grep -c "$1" "$NEW_LOG" || true; }
more_than() { [ "$(count "$1")" -gt "$2" ]; }
STEPPED=$(count "stepping down"); SUSPENDED=$(count "connection suspended"); BACK=$(count "back with the same session")
kill -STOP "$ZK"
wait_for 10 "the leader sees its ZooKeeper connection suspended" more_than "connection suspended" "$SUSPENDED"
kill -CONT "$ZK"
wait_for 20 "the same session back" more_than "back with the same session" "$BACK"
DONE=$(completed "$NEW" "$JOB2")
wait_for 20 "a checkpoint of q0 after the pause" checkpoints_at_least "$NEW" "$JOB2" $((DONE + 1))
[ "$(grep -c "stepping down" "$NEW_LOG" || true)" = "$STEPPED" ] || fail "the leader stepped down after a short ZooKeeper pause"
job_json "$NEW" "$JOB2" "" | grep -q '"restarts":0' || fail "q0 restarted after a short ZooKeeper pause: $(job_json "$NEW" "$JOB2" "")"
"$WEIR" cancel $HA "$JOB2" > "$DIR/cancel.log" 2>&1 || fail "cancel: $(cat "$DIR/cancel.log")"
wait_for 30 "q0 canceled" state_is "$NEW" "$JOB2" CANCELED
# No job uses the library any more: its blob is gone from the HA storage directory.
wait_for 30 "the unused library blob removed" no_blobs

# (d) The leader and every TaskManager SIGKILLed at once; new ones started: the job recovers. Its client
#     (not detached) follows the job to the new leader and reports it finished.
"$WEIR" nexmark $HA --query q5 --events $EVENTS -p 2 --tps 40000 --sink "file:$DIR/q5-d" \
  --checkpoint-interval 200ms --checkpoint-dir "$DIR/chk" > "$DIR/q5d-submit.log" 2>&1 &
CLIENT=$!; PIDS="$PIDS $CLIENT"
wait_for 30 "the second q5 submitted" grep -q JobID "$DIR/q5d-submit.log"
JOB3=$(sed -n 's/.*JobID \([0-9a-f]*\).*/\1/p' "$DIR/q5d-submit.log")
wait_for 60 "2 checkpoints of the second q5" checkpoints_at_least "$NEW" "$JOB3" 2
if [ "$NEW" = "$A_REST" ]; then LEADER_PID=$A; STANDBY_REST=$C_REST; else LEADER_PID=$C; STANDBY_REST=$A_REST; fi
kill -9 "$LEADER_PID"
for p in $(sed -n 's/^pid //p' "$CL/cluster.state" | tail -n +2); do kill -9 "$p"; done
for i in 1 2; do
  "$WEIR" taskmanager $HA $COMMON > "$DIR/tm-new-$i.log" 2>&1 &
  PIDS="$PIDS $!"
done
wait_for 30 "the remaining standby takes over" leads "$STANDBY_REST"
wait_for 60 "the second q5 recovered" restored "$STANDBY_REST" "$JOB3"
wait_for 120 "the second q5 finished" state_is "$STANDBY_REST" "$JOB3" FINISHED
wait_for 30 "the client of the second q5 exits" exited "$CLIENT"
wait "$CLIENT" || fail "the client following q5 across the failover failed: $(cat "$DIR/q5d-submit.log")"
grep -q "^RESULT query=q5 " "$DIR/q5d-submit.log" || fail "the client did not report the result: $(cat "$DIR/q5d-submit.log")"
[ "$(sorted_output "$DIR/q5-local")" = "$(sorted_output "$DIR/q5-d")" ] \
  || fail "q5 after losing the leader and every TaskManager differs from the failure-free run"
# Neither the finished nor the canceled job ran again under the last leader.
for f in "$A_LOG" "$DIR/jm-c.log"; do
  grep -q "recovering job $JOB2" "$f" && fail "the canceled job was recovered: $f"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$STANDBY_REST/jobs/$JOB")" = 404 ] || fail "the finished job is known to the last leader"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$STANDBY_REST/jobs/$JOB2")" = 404 ] || fail "the canceled job is known to the last leader"

wait_for 30 "the last job's library blob removed" no_blobs

"$WEIR" cluster stop --dir "$CL" > /dev/null 2>&1 || true
echo "HA CLI: OK"
