#!/bin/sh
# Recovery after SIGKILL of a TaskManager on a local cluster with default settings (heartbeat.interval
# 500 ms, heartbeat.timeout 2 s, exponential-delay restarts from 1 s): a JobManager and three TaskManagers
# with one slot each run Nexmark q5 at parallelism 2 with checkpoints every second; once two checkpoints
# completed, the TaskManager of subtask 1/2 of the source is SIGKILLed. Printed per round:
#   detection_ms   kill -> the JobManager removed the TaskManager (its log line)
#   running_ms     kill -> every task RUNNING again at a new attempt (deployed on the spare TaskManager and
#                  restored from the latest checkpoint: a task reports RUNNING after its restore)
# Usage: benchmarks/cluster/recovery.sh build/release/weir [ROUNDS]
set -eu
WEIR="$1"
ROUNDS="${2:-3}"
DIR=$(mktemp -d)
trap '"$WEIR" cluster stop --dir "$DIR/cl" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
ms() { date +%s%3N; }
log_ms() {  # HH:MM:SS.mmm of today -> epoch ms
  frac=$(echo "${1##*.}" | sed 's/^0*//'); echo $(( $(date -d "$(date +%Y-%m-%d) ${1%.*}" +%s) * 1000 + ${frac:-0} ))
}
for round in $(seq 1 "$ROUNDS"); do
  "$WEIR" cluster start -n 3 --dir "$DIR/cl" -D rest.port=0 -D jobmanager.rpc.port=0 -D taskmanager.numberOfTaskSlots=1 > "$DIR/start.log"
  REST=$(sed -n 's/^CLUSTER rest=\([^ ]*\) .*/\1/p' "$DIR/start.log")
  "$WEIR" nexmark --jobmanager "$REST" --detached --query q5 --events 100000000 -p 2 --tps 200000 \
    --sink blackhole --checkpoint-interval 1s --checkpoint-dir "$DIR/chk" > "$DIR/submit.log"
  JOB=$(sed -n 's/.*JobID \([0-9a-f]*\).*/\1/p' "$DIR/submit.log")
  until curl -s "http://$REST/jobs/$JOB/checkpoints" | grep -q '"counts":{"completed":[2-9]'; do sleep 0.05; done
  TM=$(curl -s "http://$REST/jobs/$JOB" | grep -o '"taskmanager-id":"[^"]*"' | sed -n '2s/.*:"\(.*\)"/\1/p')
  LOG=$(grep -l "^TASKMANAGER id=$TM " "$DIR"/cl/taskmanager-*.out | head -1)
  IDX=$(echo "$LOG" | sed -n 's/.*taskmanager-\([0-9]*\)\.out/\1/p')
  VICTIM=$(sed -n 's/^pid //p' "$DIR/cl/cluster.state" | sed -n "$((IDX + 2))p")
  KILLED=$(ms)
  kill -9 "$VICTIM"
  until curl -s "http://$REST/jobs/$JOB" | grep -q '"restarts":[1-9]'; do sleep 0.01; done
  until curl -s "http://$REST/jobs/$JOB" | grep -q '"status-counts":{"CANCELED":0,"CANCELING":0,"CREATED":0,"DEPLOYING":0,"FAILED":0,"FINISHED":0,"RUNNING":6'; do sleep 0.01; done
  RUNNING=$(ms)
  GONE=$(grep "TaskManager $TM removed" "$DIR/cl/jobmanager.log" | head -1 | cut -c1-12)
  echo "RECOVERY round=$round detection_ms=$(( $(log_ms "$GONE") - KILLED )) running_ms=$(( RUNNING - KILLED )) killed=$TM"
  grep "TaskManager $TM removed" "$DIR/cl/jobmanager.log" | head -1 | sed 's/^/  /'
  "$WEIR" cluster stop --dir "$DIR/cl" > /dev/null
done
