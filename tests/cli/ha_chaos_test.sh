#!/bin/sh
# Chaos: the leading JobManager SIGKILLed again and again (issue #14 item 6), with standbys always there.
# `weir cluster start --zookeeper --jobmanagers 3 -n 2` (a leader, two standbys, two TaskManagers), then a
# checkpointing Nexmark q5 with an exactly-once file sink and incremental heap state (shared chain files). KILLS times the
# current leader is SIGKILLed and a new JobManager started in its place (so two standbys remain):
#  - the first kill at a random moment (seeded; the seed is printed, WEIR_CHAOS_SEED repeats a run);
#  - the others during a checkpoint: once the leader's REST shows one in progress, the TaskManagers are
#    paused (SIGSTOP, resumed right after the kill) so that it stays in flight. Such a kill is proven to
#    have hit the checkpoint when the next leader restores the checkpoint completed before it (the one in
#    flight never completed); at least one kill must be proven.
# After each failover the job must run under the new leader with the same job id, from a checkpoint, and
# once the new leader completed checkpoints of its own, the checkpoint the job restored from is gone and so
# are the shared (incremental) files only it referenced, while every file a retained checkpoint references
# is there. At the end the committed output equals the failure-free run, and no JobManager ran the job
# twice (one JobMaster per leader term, each term's log recovers it once).
# Every wait polls a condition against a deadline. Usage: ha_chaos_test.sh path/to/weir
set -eu
WEIR="$1"
. "$(dirname "$0")/process_lib.sh"
command -v java > /dev/null && [ -f /usr/share/java/zookeeper.jar ] || { echo "SKIP: no ZooKeeper (java, zookeeper.jar)"; exit 0; }
CL="$DIR/cluster"
fail() {  # process_lib's, with the cluster's logs
  echo "FAIL: $*" >&2
  echo "seed: $SEED" >&2
  for f in "$DIR"/*.log "$CL"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }; done
  exit 1
}
SEED="${WEIR_CHAOS_SEED:-$(date +%s)}"
KILLS="${WEIR_CHAOS_KILLS:-3}"
echo "ha_chaos: seed $SEED, $KILLS leader kills"
# random MAX: the next number in [0, MAX) of the seeded sequence.
RNG_STEP=0
random() { RNG_STEP=$((RNG_STEP + 1)); awk -v s="$SEED" -v n="$RNG_STEP" -v m="$1" 'BEGIN { srand(s); for (i = 0; i < n; i++) r = rand(); print int(r * m) }'; }

HB="-D heartbeat.interval=200ms -D heartbeat.timeout=2000ms"
COMMON="-D rest.port=0 -D jobmanager.rpc.port=0 -D taskmanager.numberOfTaskSlots=1 -D restart-strategy.type=fixed-delay \
  -D restart-strategy.fixed-delay.attempts=50 -D restart-strategy.fixed-delay.delay=100ms $HB"
"$WEIR" cluster start --zookeeper --jobmanagers 3 -n 2 --dir "$CL" $COMMON > "$DIR/start.log" 2>&1 \
  || fail "cluster start: $(cat "$DIR/start.log")"
for p in $(sed -n 's/^\(pid\|standby\|zookeeper\) //p' "$CL/cluster.state"); do PIDS="$PIDS $p"; done
TMS=$(sed -n 's/^pid //p' "$CL/cluster.state" | tail -n +2 | tr '\n' ' ')  # the first pid is the JobManager's
[ -n "$TMS" ] || fail "no TaskManager pids in $CL/cluster.state"
QUORUM=$(sed -n 's/.* zookeeper=\([^ ]*\).*/\1/p' "$DIR/start.log")
RESTS=$(sed -n 's/.* rests=\([^ ]*\).*/\1/p' "$DIR/start.log")
[ -n "$QUORUM" ] && [ -n "$RESTS" ] || fail "CLUSTER line: $(cat "$DIR/start.log")"
HA="-D high-availability.type=zookeeper -D high-availability.zookeeper.quorum=$QUORUM -D high-availability.storageDir=$CL/ha"
# JobManagers as "pid rest log" lines: cluster start's, in the order of rests= (the first pid, then standbys).
JMS="$DIR/jobmanagers"
i=0
for p in $(sed -n 's/^pid //p' "$CL/cluster.state" | head -1) $(sed -n 's/^standby //p' "$CL/cluster.state"); do
  i=$((i + 1)); r=$(echo "$RESTS" | cut -d, -f$i)
  if [ $i = 1 ]; then l="$CL/jobmanager.log"; else l="$CL/jobmanager-$((i - 1)).log"; fi
  echo "$p $r $l" >> "$JMS"
done

status_of() { curl -s -o /dev/null -w '%{http_code}' "http://$1/overview"; }
job_json() { curl -s "http://$1/jobs/$JOB$2"; }
state_is() { job_json "$1" "" | grep -q "\"state\":\"$2\""; }
completed() { job_json "$1" /checkpoints | sed -n 's/.*"counts":{[^}]*"completed":\([0-9]*\).*/\1/p'; }
in_progress_of() { sed -n 's/.*"counts":{[^}]*"in_progress":\([0-9]*\).*/\1/p'; }
latest_id_of() { sed -n 's/.*"latest":{"completed":{[^}]*"id":\([0-9]*\).*/\1/p'; }
latest_id() { job_json "$1" /checkpoints | latest_id_of; }
restored_id() { job_json "$1" /checkpoints | sed -n 's/.*"restored":{[^}]*"id":\([0-9]*\).*/\1/p'; }
checkpoints_at_least() { [ "$(completed "$1")" -ge "$2" ] 2>/dev/null; }
restored() { [ -n "$(restored_id "$1")" ]; }
sorted_output() { find "$1" -type f ! -name '.*' -exec cat {} + 2>/dev/null | LC_ALL=C sort; }
LEADER=""
find_leader() {  # sets LEADER to the "pid rest log" line of the JobManager whose REST serves (HTTP 200)
  while read -r p r l; do
    alive "$p" && [ "$(status_of "$r")" = 200 ] && { LEADER="$p $r $l"; return 0; }
  done < "$JMS"
  return 1
}
field() { echo "$LEADER" | cut -d' ' -f"$1"; }

EVENTS=900000
"$WEIR" nexmark --query q5 --events $EVENTS -p 2 --sink "file:$DIR/q5-local" > "$DIR/q5-local.log" 2>&1 || fail "local q5"
[ -n "$(sorted_output "$DIR/q5-local")" ] || fail "the failure-free q5 wrote nothing"
wait_for 30 "a leader" find_leader
# Incremental heap checkpoints: chain files in shared/ (q5's RocksDB state stays in memtables, no SSTs).
STATE="-D state.backend.type=hashmap -D execution.checkpointing.incremental=true"
"$WEIR" nexmark $HA $STATE --detached --query q5 --events $EVENTS -p 2 --tps 15000 --sink "file:$DIR/q5-ha" \
  --checkpoint-interval 300ms --checkpoint-dir "$DIR/chk" > "$DIR/q5-submit.log" 2>&1 || fail "q5 submit: $(cat "$DIR/q5-submit.log")"
JOB=$(sed -n 's/.*JobID \([0-9a-f]*\).*/\1/p' "$DIR/q5-submit.log")
[ -n "$JOB" ] || fail "no job id: $(cat "$DIR/q5-submit.log")"
CHK="$DIR/chk/$JOB"

# The shared files the checkpoint directories present now reference (absolute paths, sorted).
referenced() { for f in "$CHK"/chk-*/*.shared-refs; do [ -f "$f" ] && sed "s|^|$CHK/|" "$f"; done | LC_ALL=C sort -u; }

PROVEN=0
k=0
# KILLS kills; while none is proven to have hit a checkpoint, up to nine more (a checkpoint may complete
# between the REST answer and the TaskManagers' pause; on an idle machine q5's checkpoints take only
# milliseconds: before the pause held them, one run in several saw every one of six kills miss).
while [ $k -lt "$KILLS" ] || { [ "$PROVEN" -eq 0 ] && [ $k -lt $((KILLS + 9)) ]; }; do
  k=$((k + 1))
  wait_for 30 "a leader before kill $k" find_leader
  REST=$(field 2)
  wait_for 60 "q5 running under the leader before kill $k" state_is "$REST" RUNNING
  wait_for 60 "a checkpoint under the leader before kill $k" checkpoints_at_least "$REST" 1
  BEFORE=""
  if [ $k = 1 ]; then
    delay=$(random 1500)
    echo "kill $k: at a random moment, ${delay} ms after the leader's first checkpoint"
    sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
  else
    # During a checkpoint, held in flight: the TaskManagers are paused (no acknowledgement can be sent),
    # then the leader triggers the next checkpoint (every 300 ms) and its REST shows it in progress; LATEST
    # is the one completed before it. One response for both, so they describe the same moment, and a
    # second one agreeing: a checkpoint whose acknowledgements were all sent just before the pause is
    # handled by then. The TaskManagers resume right after the kill, well within the heartbeat timeout.
    kill -STOP $TMS || fail "cannot pause the TaskManagers ($TMS)"
    limit=$(( $(now_ms) + 1500 ))
    until J=$(job_json "$REST" /checkpoints) && [ "$(echo "$J" | in_progress_of)" -ge 1 ] 2>/dev/null \
        && BEFORE=$(echo "$J" | latest_id_of) && [ -n "$BEFORE" ] \
        && [ "$(job_json "$REST" /checkpoints | latest_id_of)" = "$BEFORE" ]; do
      BEFORE=""
      [ "$(now_ms)" -lt "$limit" ] || break
    done
    if [ -n "$BEFORE" ]; then
      echo "kill $k: during a checkpoint held in flight (checkpoint $BEFORE completed before it)"
    else
      echo "kill $k: no checkpoint in progress within 1.5 s of the TaskManagers' pause; a kill at that moment"
    fi
  fi
  OLD_PID=$(field 1)
  kill -9 "$OLD_PID" || fail "the leader $OLD_PID was gone before kill $k"
  [ $k = 1 ] || kill -CONT $TMS || fail "cannot resume the TaskManagers ($TMS)"
  # What each checkpoint directory references, read while no JobManager leads (the next one takes over
  # after the session timeout): the restored one's list is checked once it is subsumed.
  for d in "$CHK"/chk-*; do
    [ -d "$d" ] && cat "$d"/*.shared-refs 2>/dev/null | sed "s|^|$CHK/|" | LC_ALL=C sort -u > "$DIR/refs-${d##*/chk-}"
  done
  # A replacement, so that two standbys remain.
  "$WEIR" jobmanager $HA $COMMON > "$DIR/jm-$k.log" 2>&1 &
  NEW_PID=$!; PIDS="$PIDS $NEW_PID"
  wait_for 30 "the replacement JobManager's REST" grep -q "^REST http=" "$DIR/jm-$k.log"
  echo "$NEW_PID $(sed -n 's/^REST http=//p' "$DIR/jm-$k.log") $DIR/jm-$k.log" >> "$JMS"
  wait_for 30 "a new leader after kill $k" find_leader
  REST=$(field 2)
  [ "$(field 1)" != "$OLD_PID" ] || fail "the killed JobManager still leads"
  wait_for 30 "q5 recovered after kill $k" restored "$REST"
  R=$(restored_id "$REST")
  if [ -n "$BEFORE" ] && [ "$R" = "$BEFORE" ]; then
    PROVEN=$((PROVEN + 1)); echo "kill $k: proven during a checkpoint (restored $R, the one in flight never completed)"
  else
    echo "kill $k: restored checkpoint $R"
  fi
  # Shared incremental state across the failover: once the new leader completed two checkpoints, the
  # restored one is subsumed: its directory and the shared files only it referenced are gone, and every
  # file the newest checkpoint references is there. Checked with the leader paused (SIGSTOP, well within
  # the session timeout) so that no checkpoint completes or is subsumed meanwhile.
  wait_for 60 "two checkpoints after kill $k" checkpoints_at_least "$REST" 2
  LPID=$(field 1)
  kill -STOP "$LPID" || fail "the leader $LPID was gone after kill $k"
  # The newest completed checkpoint: the highest chk-<n> with _metadata (the REST of a stopped process
  # would not answer; a pending checkpoint has no _metadata, a failed one is deleted).
  NEWEST=$(ls "$CHK" | sed -n 's/^chk-\([0-9]*\)$/\1/p' | sort -n | while read -r id; do
    [ -f "$CHK/chk-$id/_metadata" ] && echo "$id"; done | tail -1)
  gone=yes; [ -d "$CHK/chk-$R" ] && gone=no
  cat "$CHK/chk-$NEWEST"/*.shared-refs 2>/dev/null | sed "s|^|$CHK/|" | LC_ALL=C sort -u > "$DIR/refs-newest"
  missing=$(while read -r f; do [ -e "$f" ] || echo "$f"; done < "$DIR/refs-newest")
  for d in "$CHK"/chk-*; do [ -d "$d" ] && cat "$d"/*.shared-refs 2>/dev/null; done | sed "s|^|$CHK/|" | LC_ALL=C sort -u > "$DIR/refs-now"
  lingering=""
  # (`if`, not `[ ] && echo`: a loop whose last test fails would end the script under set -e, silently.)
  [ -f "$DIR/refs-$R" ] && lingering=$(LC_ALL=C comm -23 "$DIR/refs-$R" "$DIR/refs-now" | while read -r f; do if [ -e "$f" ]; then echo "$f"; fi; done)
  kill -CONT "$LPID"
  [ -n "$NEWEST" ] && [ "$NEWEST" -gt "$R" ] || fail "no newer checkpoint than the restored $R after kill $k"
  [ -z "$missing" ] || fail "shared files the newest checkpoint $NEWEST references are missing: $missing"
  # The pause can fall between the deletions of a subsumed checkpoint (its directory, then the shared files
  # only it referenced, on the leader's checkpoint I/O lane): what was there then must be gone soon after.
  # No later checkpoint can reference them again (none present did), so waiting cannot hide a leak.
  echo "$lingering" > "$DIR/lingering"
  all_gone() { [ ! -d "$CHK/chk-$R" ] && ! grep . "$DIR/lingering" | while read -r f; do [ -e "$f" ] && echo "$f"; done | grep -q .; }
  wait_for 30 "the subsumed checkpoint chk-$R and the shared files only it referenced to go (at the pause: directory gone=$gone, files $(echo $lingering))" all_gone
  echo "kill $k: chk-$R subsumed, $(wc -l < "$DIR/refs-newest") shared files referenced by chk-$NEWEST present, $(wc -l < "$DIR/refs-$R" 2>/dev/null || echo 0) of chk-$R checked"
done
[ "$PROVEN" -ge 1 ] || fail "no kill was proven to hit a checkpoint in flight (of $((k - 1)) tried)"

wait_for 120 "q5 finished" state_is "$REST" FINISHED
[ "$(sorted_output "$DIR/q5-local")" = "$(sorted_output "$DIR/q5-ha")" ] \
  || fail "q5 after $k leader kills differs from the failure-free run: $(sorted_output "$DIR/q5-local" | wc -l) vs $(sorted_output "$DIR/q5-ha" | wc -l) rows"
# Exactly one JobMaster per leader: each JobManager that led recovered the job at most once, and the ids
# of the checkpoints were never used twice (kNoOverwrite would have failed).
while read -r p r l; do
  n=$(grep -c "recovering job $JOB" "$l" || true)
  [ "$n" -le 1 ] || fail "$l recovered the job $n times"
done < "$JMS"
[ "$(cat "$DIR"/jm-*.log "$CL"/jobmanager*.log | grep -c "recovering job $JOB")" -eq "$k" ] \
  || fail "the job was recovered $(cat "$DIR"/jm-*.log "$CL"/jobmanager*.log | grep -c "recovering job $JOB") times for $k kills"
grep -h "already exists" "$CL"/*.log "$DIR"/*.log 2>/dev/null && fail "a checkpoint id was used twice"
# The finished job is gone from ZooKeeper, its checkpoints from disk (removed by the job's end step, which
# runs on its I/O lane after the job is FINISHED: waited for, not checked at once).
chk_gone() { [ ! -d "$CHK" ]; }
wait_for 30 "the finished job's checkpoint directory $CHK to go" chk_gone

"$WEIR" cluster stop --dir "$CL" > /dev/null 2>&1 || true
echo "HA chaos: OK ($k kills, $PROVEN during a checkpoint, seed $SEED)"
