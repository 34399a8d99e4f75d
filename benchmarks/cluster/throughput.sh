#!/bin/sh
# Nexmark q0, q5 and q8 at parallelism 2 on the embedded MiniCluster and on a local cluster of a JobManager
# and two TaskManagers with one slot each (so every shuffle crosses the TCP data plane between processes).
# The cluster's events/s come from the job's duration on the JobManager (deployment included); the
# MiniCluster's from `weir nexmark`'s RESULT line. Best of ROUNDS runs each.
# Usage: benchmarks/cluster/throughput.sh build/release/weir [EVENTS] [ROUNDS]
set -eu
WEIR="$1"
EVENTS="${2:-2000000}"
ROUNDS="${3:-2}"
DIR=$(mktemp -d)
trap '"$WEIR" cluster stop --dir "$DIR/cl" >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
"$WEIR" cluster start -n 2 --dir "$DIR/cl" -D rest.port=0 -D jobmanager.rpc.port=0 -D taskmanager.numberOfTaskSlots=1 > "$DIR/start.log"
REST=$(sed -n 's/^CLUSTER rest=\([^ ]*\) .*/\1/p' "$DIR/start.log")
best() { sed -n 's/.*events_per_s=\([0-9]*\).*/\1/p' | sort -n | tail -1; }
for q in q0 q5 q8; do
  local_best=$(for r in $(seq 1 "$ROUNDS"); do "$WEIR" nexmark --query $q --events "$EVENTS" -p 2; done | best)
  cluster_best=$(for r in $(seq 1 "$ROUNDS"); do "$WEIR" nexmark --jobmanager "$REST" --query $q --events "$EVENTS" -p 2; done | best)
  echo "CLUSTER_BENCH query=$q events=$EVENTS minicluster_events_per_s=$local_best cluster_events_per_s=$cluster_best"
done
