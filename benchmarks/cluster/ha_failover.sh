#!/bin/sh
# Failover of the leading JobManager with ZooKeeper HA (issue #14), default settings (session timeout 3 s,
# heartbeat.interval 500 ms, heartbeat.timeout 2 s; others with -D, e.g. a shorter session timeout):
# `weir cluster start --zookeeper --jobmanagers 2 -n 2` (one slot each) runs Nexmark q5 at parallelism 2 with
# checkpoints every second; once two checkpoints completed, the leader is SIGKILLed. Printed per round, split
# at the timestamps the new leader and the TaskManagers log:
#   detection_ms  SIGKILL -> the standby's latch fires ("leader latch: this JobManager leads"): the killed
#                 leader's session expires on the server (the session timeout, the floor of failover time),
#                 its latch node is deleted and the standby's watch on it fires
#   election_ms   latch -> leadership granted and published ("granted leadership": RPC server started, REST
#                 routes in, leader address published in ZooKeeper, fenced)
#   recovery_ms   published -> jobs recovered ("recovered N job(s)": job graph and result stores read,
#                 checkpoint pointers listed and the metadata loaded, JobMaster started and scheduling)
#   registered_ms  SIGKILL -> the last TaskManager registered at the new leader with its slots offered
#                 ("registered at JobManager" in the TaskManagers' logs; they follow the published leader at
#                 once, concurrently with the job recovery)
#   deploy_ms     max(recovered, registered) -> the last task deployment accepted by a TaskManager ("deployed
#                 task": slots allocated, tasks submitted)
#   restore_ms    last deployment -> every task RUNNING under the new leader (a task reports RUNNING after its
#                 restore), polled on the REST API every 10 ms
#   total_ms      SIGKILL -> every task RUNNING
# Usage: benchmarks/cluster/ha_failover.sh build/release/weir [ROUNDS] [-D key=value ...]
set -eu
WEIR="$1"
ROUNDS="${2:-3}"
shift; [ $# -gt 0 ] && shift
EXTRA="$*"
DIR=$(mktemp -d)
trap '"$WEIR" cluster stop --dir "$DIR/cl" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
ms() { date +%s%3N; }
log_ms() {  # HH:MM:SS.mmm of today -> epoch ms
  frac=$(echo "${1##*.}" | sed 's/^0*//'); echo $(( $(date -d "$(date +%Y-%m-%d) ${1%.*}" +%s) * 1000 + ${frac:-0} ))
}
for round in $(seq 1 "$ROUNDS"); do
  rm -rf "$DIR/cl" "$DIR/chk"
  "$WEIR" cluster start --zookeeper --jobmanagers 2 -n 2 --dir "$DIR/cl" -D rest.port=0 -D jobmanager.rpc.port=0 \
    -D taskmanager.numberOfTaskSlots=1 $EXTRA > "$DIR/start.log"
  REST=$(sed -n 's/^CLUSTER rest=\([^ ]*\) .*/\1/p' "$DIR/start.log")
  RESTS=$(sed -n 's/.* rests=\([^ ]*\).*/\1/p' "$DIR/start.log")
  if [ "$REST" = "${RESTS%%,*}" ]; then
    LEADER=$(sed -n 's/^pid //p' "$DIR/cl/cluster.state" | head -1); NEW_REST=${RESTS##*,}; NEW_LOG="$DIR/cl/jobmanager-1.log"
  else
    LEADER=$(sed -n 's/^standby //p' "$DIR/cl/cluster.state"); NEW_REST=${RESTS%%,*}; NEW_LOG="$DIR/cl/jobmanager.log"
  fi
  "$WEIR" nexmark --jobmanager "$REST" --detached --query q5 --events 100000000 -p 2 --tps 200000 \
    --sink blackhole --checkpoint-interval 1s --checkpoint-dir "$DIR/chk" > "$DIR/submit.log"
  JOB=$(sed -n 's/.*JobID \([0-9a-f]*\).*/\1/p' "$DIR/submit.log")
  until curl -s "http://$REST/jobs/$JOB/checkpoints" | grep -q '"counts":{"completed":[2-9]'; do sleep 0.05; done
  KILLED=$(ms)
  kill -9 "$LEADER"
  until curl -s "http://$NEW_REST/jobs/$JOB" | grep -q '"status-counts":{"CANCELED":0,"CANCELING":0,"CREATED":0,"DEPLOYING":0,"FAILED":0,"FINISHED":0,"RUNNING":6'; do sleep 0.01; done
  RUNNING=$(ms)
  LATCH=$(log_ms "$(grep "leader latch: this JobManager leads" "$NEW_LOG" | head -1 | cut -c1-12)")
  GRANTED=$(log_ms "$(grep "granted leadership" "$NEW_LOG" | head -1 | cut -c1-12)")
  RECOVERED=$(log_ms "$(grep "recovered [0-9]* job(s)" "$NEW_LOG" | head -1 | cut -c1-12)")
  REGISTERED=0; DEPLOYED=0
  for tm in "$DIR"/cl/taskmanager-*.log; do
    line=$(grep "registered at JobManager" "$tm" | tail -1 | cut -c1-12)
    [ -n "$line" ] && t=$(log_ms "$line") && [ "$t" -gt "$REGISTERED" ] && REGISTERED=$t
    line=$(grep "deployed task" "$tm" | tail -1 | cut -c1-12)
    [ -n "$line" ] && t=$(log_ms "$line") && [ "$t" -gt "$DEPLOYED" ] && DEPLOYED=$t
  done
  READY=$RECOVERED; [ "$REGISTERED" -gt "$READY" ] && READY=$REGISTERED
  echo "HA_FAILOVER round=$round detection_ms=$((LATCH - KILLED)) election_ms=$((GRANTED - LATCH)) recovery_ms=$((RECOVERED - GRANTED)) registered_ms=$((REGISTERED - KILLED)) deploy_ms=$((DEPLOYED - READY)) restore_ms=$((RUNNING - DEPLOYED)) total_ms=$((RUNNING - KILLED))"
  "$WEIR" cluster stop --dir "$DIR/cl" > /dev/null
done
