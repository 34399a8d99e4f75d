#!/bin/sh
# Quorum loss with running jobs (issue #14 item 6), through processes as a person runs them: a 3-node ZooKeeper
# ensemble (QuorumPeerMain, started once here), `weir cluster start --jobmanagers 2 -n 2` on it (a leader, a
# standby, two TaskManagers), a checkpointing Nexmark q5 (keyed, exactly-once file sink) and a q0 that retains
# two checkpoints, taken on demand (`weir checkpoint`; its interval is an hour, so that none is in flight when
# the quorum goes):
#  (1) ZooKeeper's own leader member SIGKILLed: one of three lost, the quorum holds. The jobs run on under the
#      same JobManager leader: q5's checkpoints go on and one of q0 is taken, no restart, no step-down;
#  (2) a second member SIGKILLed: no quorum. The leader pauses, then steps down once its session is lost; from
#      then until the quorum is back no JobManager acts: none leads (both REST APIs answer 503), no election,
#      no checkpoint completes (the committed output of both jobs' exactly-once file sinks and the retained
#      checkpoints stay as they are), no task is deployed or TaskManager registered. Meanwhile the newest
#      retained checkpoint of q0 is corrupted;
#  (3) both members started again: exactly one JobManager leads, in a new term; q5 recovers from its latest
#      checkpoint and its committed output equals the failure-free run (nothing lost, nothing twice); q0 falls
#      back to its older retained checkpoint and the new leader logs which one it skipped and why; a checkpoint
#      of q0 taken on demand under the new leader gets a newer id (ZooKeeper's counter).
# Every wait polls a condition against a deadline. Usage: ha_quorum_test.sh path/to/weir
set -eu
WEIR="$1"
. "$(dirname "$0")/process_lib.sh"
command -v java > /dev/null && [ -f /usr/share/java/zookeeper.jar ] || { echo "SKIP: no ZooKeeper (java, zookeeper.jar)"; exit 0; }
command -v python3 > /dev/null || { echo "SKIP: no python3 (free ports, ZooKeeper's four-letter words)"; exit 0; }
CL="$DIR/cluster"
ZKD="$DIR/zk"
fail() {  # process_lib's, with the cluster's and the ensemble's logs
  echo "FAIL: $*" >&2
  for f in "$DIR"/*.log "$CL"/*.log "$ZKD"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 60 "$f" >&2; }; done
  exit 1
}

# --- The ensemble: three QuorumPeerMain members on loopback (as tests/support/zookeeper_ensemble.h) --------
free_ports() {  # free_ports N: N free loopback ports, all bound at once so that they differ
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}
zk4() {  # zk4 PORT WORD: a four-letter word's answer, empty when the member does not answer
  python3 -c '
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
    s.sendall(sys.argv[2].encode())
    out = b""
    while True:
        b = s.recv(4096)
        if not b: break
        out += b
    print(out.decode())
except OSError:
    pass' "$1" "$2"
}
set -- $(free_ports 9)
for i in 1 2 3; do
  mkdir -p "$ZKD/$i/data"
  echo "$i" > "$ZKD/$i/data/myid"
  eval "CPORT_$i=\$$((3 * i - 2))"
done
for i in 1 2 3; do
  {
    echo "tickTime=100"
    echo "initLimit=100"  # ticks a follower may take to connect and sync (10 s: JVMs start slowly)
    echo "syncLimit=20"
    echo "minSessionTimeout=200"
    echo "maxSessionTimeout=60000"
    echo "dataDir=$ZKD/$i/data"
    echo "clientPort=$(eval echo \$CPORT_$i)"
    echo "clientPortAddress=127.0.0.1"
    echo "admin.enableServer=false"
    echo "4lw.commands.whitelist=ruok,srvr"
    echo "maxClientCnxns=0"
    echo "server.1=127.0.0.1:$2:$3"
    echo "server.2=127.0.0.1:$5:$6"
    echo "server.3=127.0.0.1:$8:$9"
  } > "$ZKD/$i/zoo.cfg"
done
QUORUM="127.0.0.1:$CPORT_1,127.0.0.1:$CPORT_2,127.0.0.1:$CPORT_3"
start_member() {
  java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Xmx256m -Dzookeeper.root.logger=INFO,CONSOLE \
    -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar org.apache.zookeeper.server.quorum.QuorumPeerMain \
    "$ZKD/$1/zoo.cfg" >> "$ZKD/member-$1.log" 2>&1 &
  eval "ZKPID_$1=$!"
  PIDS="$PIDS $!"
}
kill_member() { p=$(eval echo \$ZKPID_$1); kill -9 "$p"; wait "$p" 2>/dev/null || true; }
mode() { zk4 "$(eval echo \$CPORT_$1)" srvr | sed -n 's/^Mode: //p'; }
serving() { m=$(mode "$1"); [ "$m" = leader ] || [ "$m" = follower ]; }
all_serving() { serving 1 && serving 2 && serving 3; }
for i in 1 2 3; do start_member $i; done

# The failure-free reference while the JVMs start.
EVENTS=300000
"$WEIR" nexmark --query q5 --events $EVENTS -p 2 --sink "file:$DIR/q5-local" > "$DIR/q5-local.log" 2>&1 || fail "local q5"
wait_for 120 "the ZooKeeper ensemble serves (a leader and two followers)" all_serving

# --- The cluster on the ensemble ---------------------------------------------------------------------------
# The default session timeout (3 s): with ZooKeeper's leader member killed, a JobManager connected to it must
# reconnect within it while the two left elect a new leader, on a loaded machine too.
HA="-D high-availability.type=zookeeper -D high-availability.zookeeper.quorum=$QUORUM \
  -D high-availability.storageDir=$CL/ha -D high-availability.zookeeper.client.session-timeout=3s"
HB="-D heartbeat.interval=200ms -D heartbeat.timeout=2000ms"
COMMON="-D rest.port=0 -D jobmanager.rpc.port=0 -D taskmanager.numberOfTaskSlots=2 -D restart-strategy.type=fixed-delay \
  -D restart-strategy.fixed-delay.attempts=50 -D restart-strategy.fixed-delay.delay=100ms $HB"
"$WEIR" cluster start --jobmanagers 2 -n 2 --dir "$CL" $HA $COMMON > "$DIR/start.log" 2>&1 \
  || fail "cluster start: $(cat "$DIR/start.log") $(cat "$CL"/*.log)"
for p in $(sed -n 's/^\(pid\|standby\) //p' "$CL/cluster.state"); do PIDS="$PIDS $p"; done
RESTS=$(sed -n 's/.* rests=\([^ ]*\).*/\1/p' "$DIR/start.log")
LEADER_REST=$(sed -n 's/^CLUSTER rest=\([^ ]*\) .*/\1/p' "$DIR/start.log")
[ -n "$RESTS" ] && [ -n "$LEADER_REST" ] || fail "CLUSTER line: $(cat "$DIR/start.log")"
REST0=${RESTS%%,*}
REST1=${RESTS##*,}
if [ "$LEADER_REST" = "$REST0" ]; then A_REST=$REST0; A_LOG="$CL/jobmanager.log"; B_REST=$REST1; B_LOG="$CL/jobmanager-1.log"
else A_REST=$REST1; A_LOG="$CL/jobmanager-1.log"; B_REST=$REST0; B_LOG="$CL/jobmanager.log"; fi
TM_LOGS="$CL/taskmanager-0.log $CL/taskmanager-1.log"

status_of() { curl -s -o /dev/null -w '%{http_code}' "http://$1/overview"; }
leads() { [ "$(status_of "$1")" = 200 ]; }
job_json() { curl -s "http://$1/jobs/$2$3"; }
state_is() { job_json "$1" "$2" "" | grep -q "\"state\":\"$3\""; }
completed() { job_json "$1" "$2" /checkpoints | sed -n 's/.*"counts":{"completed":\([0-9]*\).*/\1/p'; }
checkpoints_at_least() { [ "$(completed "$1" "$2")" -ge "$3" ] 2>/dev/null; }
restored_id() { job_json "$1" "$2" /checkpoints | sed -n 's/.*"restored":{[^}]*"id":\([0-9]*\).*/\1/p'; }
restored() { [ "$(restored_id "$1" "$2")" -ge 1 ] 2>/dev/null; }
sorted_output() { find "$1" -type f ! -name '.*' -exec cat {} + 2>/dev/null | LC_ALL=C sort; }
committed_files() { find "$DIR/q5-ha" "$DIR/q0-ha" -type f ! -name '.*' 2>/dev/null | LC_ALL=C sort; }
retained() { find "$DIR/chk" "$DIR/chk0" -name _metadata 2>/dev/null | LC_ALL=C sort; }
count() { cat "$@" 2>/dev/null | grep -c "$COUNTED" || true; }  # lines with $COUNTED in the files named
grants() { COUNTED="granted leadership"; count "$A_LOG" "$B_LOG"; }
deploys() { COUNTED="deployed task"; count $TM_LOGS; }
registrations() { COUNTED="registered at JobManager"; count $TM_LOGS; }

"$WEIR" nexmark $HA --detached --query q5 --events $EVENTS -p 2 --tps 20000 --sink "file:$DIR/q5-ha" \
  --checkpoint-interval 200ms --checkpoint-dir "$DIR/chk" > "$DIR/q5-submit.log" 2>&1 || fail "q5 submit: $(cat "$DIR/q5-submit.log")"
JOB=$(sed -n 's/.*JobID \([0-9a-f]*\).*/\1/p' "$DIR/q5-submit.log")
"$WEIR" nexmark $HA --detached --query q0 --events 100000000 -p 1 --tps 1000 --sink "file:$DIR/q0-ha" \
  --checkpoint-interval 3600s --checkpoint-dir "$DIR/chk0" -D execution.checkpointing.num-retained=2 \
  > "$DIR/q0-submit.log" 2>&1 || fail "q0 submit: $(cat "$DIR/q0-submit.log")"
JOB0=$(sed -n 's/.*JobID \([0-9a-f]*\).*/\1/p' "$DIR/q0-submit.log")
[ -n "$JOB" ] && [ -n "$JOB0" ] || fail "no job ids: $(cat "$DIR/q5-submit.log" "$DIR/q0-submit.log")"
wait_for 60 "2 checkpoints of q5" checkpoints_at_least "$A_REST" "$JOB" 2
wait_for 30 "q0 running" state_is "$A_REST" "$JOB0" RUNNING
# checkpoint_of NAME: a checkpoint of q0 on demand through the leader ZooKeeper names; its id in $NAME.
checkpoint_of() {
  "$WEIR" checkpoint $HA "$JOB0" > "$DIR/checkpoint-$1.log" 2>&1 || fail "weir checkpoint of q0: $(cat "$DIR/checkpoint-$1.log")"
  id=$(sed -n 's/^Checkpoint \([0-9]*\) for job .* completed.*/\1/p' "$DIR/checkpoint-$1.log")
  [ -n "$id" ] || fail "weir checkpoint printed no id: $(cat "$DIR/checkpoint-$1.log")"
  eval "$1=$id"
}
checkpoint_of OLDER0
specs() { find "$CL/ha/default/jobs" -type f 2>/dev/null | grep -q .; }
specs || fail "the running jobs have no specs in storageDir: $(ls -R "$CL/ha")"

# (1) One member of three lost, ZooKeeper's leader at that: the quorum holds, so does the JobManager leader.
ZK_LEADER=""
for i in 1 2 3; do [ "$(mode $i)" = leader ] && ZK_LEADER=$i; done
[ -n "$ZK_LEADER" ] || fail "no member of the ensemble is ZooKeeper's leader"
DONE=$(completed "$A_REST" "$JOB")
kill_member "$ZK_LEADER"
wait_for 30 "q5 checkpoints go on with one member of three lost" checkpoints_at_least "$A_REST" "$JOB" $((DONE + 3))
checkpoint_of NEWEST0
[ "$NEWEST0" -gt "$OLDER0" ] || fail "q0's checkpoint ids did not grow: $OLDER0, then $NEWEST0"
state_is "$A_REST" "$JOB" RUNNING || fail "q5 is not running with two members of three: $(job_json "$A_REST" "$JOB" "")"
job_json "$A_REST" "$JOB" "" | grep -q '"restarts":0' || fail "q5 restarted after losing one member: $(job_json "$A_REST" "$JOB" "")"
grep -q "stepping down" "$A_LOG" && fail "the leader stepped down after losing one member of three"
leads "$B_REST" && fail "the standby leads too"
[ "$(grants)" = 1 ] || fail "$(grants) grants of leadership with one member lost (1 expected)"

# (2) A second member lost: no quorum. The leader steps down once its session is lost (3 s); the TaskManagers
#     cancel its tasks once their heartbeats to it time out (2 s). From then on nobody may act.
SECOND=""
for i in 1 2 3; do [ "$i" != "$ZK_LEADER" ] && [ -z "$SECOND" ] && SECOND=$i; done
kill_member "$SECOND"
wait_for 30 "the leader steps down without a quorum" grep -q "stepping down" "$A_LOG"
tasks_canceled() { for f in $TM_LOGS; do grep -q "canceling .* task(s): the JobManager is lost" "$f" || return 1; done; }
wait_for 30 "both TaskManagers cancel the deposed leader's tasks" tasks_canceled
GRANTS=$(grants); DEPLOYS=$(deploys); REGISTRATIONS=$(registrations)
COMMITTED=$(committed_files); RETAINED=$(retained)
[ -n "$COMMITTED" ] || fail "q0 committed nothing before the quorum was lost"
# q0's newest retained checkpoint gets a torn _metadata: the next leader must fall back to the older one.
[ -f "$DIR/chk0/$JOB0/chk-$OLDER0/_metadata" ] && [ -f "$DIR/chk0/$JOB0/chk-$NEWEST0/_metadata" ] \
  || fail "q0 does not retain checkpoints $OLDER0 and $NEWEST0: $(ls -R "$DIR/chk0")"
printf 'torn' > "$DIR/chk0/$JOB0/chk-$NEWEST0/_metadata"
# Still nobody leads, and nothing was elected, deployed, registered, completed or committed meanwhile: the
# window is the session timeout plus the heartbeat timeout since the quorum went.
for rest in "$A_REST" "$B_REST"; do
  code=$(status_of "$rest")
  [ "$code" = 503 ] || fail "JobManager $rest answered $code without a ZooKeeper quorum (503 expected)"
done
[ "$(grants)" = "$GRANTS" ] || fail "a JobManager was granted leadership without a quorum"
[ "$(deploys)" = "$DEPLOYS" ] || fail "a task was deployed without a quorum"
[ "$(registrations)" = "$REGISTRATIONS" ] || fail "a TaskManager registered at a JobManager without a quorum"
[ "$(committed_files)" = "$COMMITTED" ] || fail "q5 committed output without a quorum (a checkpoint completed)"
[ "$(retained | grep -v "chk-$NEWEST0/")" = "$(echo "$RETAINED" | grep -v "chk-$NEWEST0/")" ] \
  || fail "retained checkpoints changed without a quorum: $(retained) vs $RETAINED"

# (3) The quorum back: exactly one leader, in a new term; the jobs recover.
start_member "$ZK_LEADER"
start_member "$SECOND"
wait_for 120 "the ensemble serves again" all_serving
NEW=""
new_leader() { if leads "$A_REST"; then NEW=$A_REST; elif leads "$B_REST"; then NEW=$B_REST; else return 1; fi; }
limit=$(( $(now_ms) + 30000 ))
until new_leader; do [ "$(now_ms)" -lt "$limit" ] || fail "no leader after the quorum returned"; sleep 0.05; done
if [ "$NEW" = "$A_REST" ]; then OTHER=$B_REST; NEW_LOG=$A_LOG; else OTHER=$A_REST; NEW_LOG=$B_LOG; fi
wait_for 30 "q5 recovered from a checkpoint" restored "$NEW" "$JOB"
wait_for 30 "q0 recovered from a checkpoint" restored "$NEW" "$JOB0"
[ "$(status_of "$OTHER")" = 503 ] || fail "the other JobManager answers $(status_of "$OTHER") while $NEW leads"
wait_for 10 "the other JobManager names the new leader" sh -c "curl -s http://$OTHER/jobs | grep -q $NEW"
[ "$(grants)" = $((GRANTS + 1)) ] || fail "$(($(grants) - GRANTS)) grants of leadership after the quorum returned (1 expected)"
[ "$(restored_id "$NEW" "$JOB0")" = "$OLDER0" ] \
  || fail "q0 restored checkpoint $(restored_id "$NEW" "$JOB0"), not the older retained $OLDER0 (chk-$NEWEST0 is torn)"
grep -q "job $JOB0: skipped checkpoints that cannot be restored: checkpoint $NEWEST0 " "$NEW_LOG" \
  || fail "the new leader did not log why it skipped q0's checkpoint $NEWEST0"
wait_for 30 "q0 running under the new leader" state_is "$NEW" "$JOB0" RUNNING
checkpoint_of AFTER0
[ "$AFTER0" -gt "$NEWEST0" ] || fail "q0's checkpoint under the new leader has id $AFTER0, not above $NEWEST0"
wait_for 120 "q5 finished" state_is "$NEW" "$JOB" FINISHED
[ -n "$(sorted_output "$DIR/q5-local")" ] || fail "local q5 wrote nothing"
[ "$(sorted_output "$DIR/q5-local")" = "$(sorted_output "$DIR/q5-ha")" ] \
  || fail "q5 after the quorum loss differs from the failure-free run: $(sorted_output "$DIR/q5-local" | wc -l) vs $(sorted_output "$DIR/q5-ha" | wc -l) rows"
grep -h "already exists" "$CL"/*.log "$DIR"/*.log 2>/dev/null && fail "a checkpoint id was used twice"
"$WEIR" cancel $HA "$JOB0" > "$DIR/cancel.log" 2>&1 || fail "cancel q0: $(cat "$DIR/cancel.log")"
wait_for 30 "q0 canceled" state_is "$NEW" "$JOB0" CANCELED
# Both jobs ended: their specs are gone from storageDir (and their znodes with them, see ha_stores_test).
wait_for 30 "the ended jobs' specs removed from storageDir" eval '! specs'

"$WEIR" cluster stop --dir "$CL" > /dev/null 2>&1 || true
echo "HA QUORUM: OK"
