#!/bin/sh
# The web UI end to end in a real browser (issue 17, item 4): a JobManager and two TaskManagers on
# loopback free ports, two endless checkpointing Nexmark queries and a job that fails at once; then
# webui/tests/e2e.test.mjs drives Debian's chromium with playwright-core through the UI the JobManager
# serves (graph, moving numbers, checkpoint history, savepoint, stop with savepoint, cancel, exceptions). Exits 77 (ctest's
# SKIP) with a message naming what is missing when Node.js, chromium or webui/node_modules are not there.
# WEIR_SCREENSHOTS=DIR keeps one PNG per page in DIR (docs/images).
# Usage: webui_test.sh path/to/weir path/to/webui path/to/libweir_word_count_job.so
set -eu
WEIR="$1"
WEBUI="$2"
WORD_COUNT_LIB="$3"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
command -v node > /dev/null 2>&1 || { echo "SKIP: Node.js (node) is not installed; scripts/setup installs it"; exit 77; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || { echo "SKIP: playwright-core needs Node.js 20 or newer; this node is $(node --version)"; exit 77; }
[ -x "$CHROMIUM" ] || { echo "SKIP: no chromium at $CHROMIUM; scripts/setup installs Debian's chromium"; exit 77; }
[ -f "$WEBUI/node_modules/playwright-core/package.json" ] \
  || { echo "SKIP: $WEBUI/node_modules has no playwright-core; run 'npm ci' in $WEBUI (scripts/setup does)"; exit 77; }
. "$(dirname "$0")/../cli/process_lib.sh"

"$WEIR" jobmanager -D jobmanager.rpc.port=0 -D rest.port=0 > "$DIR/jm.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 "REST line" grep -q '^REST http=127.0.0.1:[0-9]*$' "$DIR/jm.log"
RPC=$(sed -n 's/^JOBMANAGER rpc=\([^ ]*\) .*/\1/p' "$DIR/jm.log")
REST=$(sed -n 's/^REST http=//p' "$DIR/jm.log")
curl -s -m 5 "http://$REST/" | grep -q '<script type="module"' \
  || fail "the JobManager does not serve the web UI at /: was the weir binary built without it (webui/dist)? $(curl -s -m 5 "http://$REST/")"
for i in 1 2; do
  "$WEIR" taskmanager -D jobmanager.rpc.port="${RPC##*:}" -D taskmanager.numberOfTaskSlots=2 > "$DIR/tm$i.log" 2>&1 &
  PIDS="$PIDS $!"
done
slots() { curl -s -m 5 "http://$REST/overview" | grep -q '"slots-total":4'; }
wait_for 15 "two TaskManagers with 4 slots" slots

# submit NAME COMMAND ARGS...: a detached job (`weir run` or `weir nexmark`); its id in $JOBID.
submit() {
  name="$1"; shift
  "$WEIR" "$@" --jobmanager "$REST" --detached > "$DIR/$name.out" 2>&1 || fail "submit $name: $(cat "$DIR/$name.out")"
  JOBID=$(sed -n 's/.*JobID \([0-9a-f]\{32\}\).*/\1/p' "$DIR/$name.out")
  [ -n "$JOBID" ] || fail "no job id from $name: $(cat "$DIR/$name.out")"
}
# Two endless Nexmark queries, throttled so that they leave the machine to other tests, with a checkpoint
# every second: q5 (windows on a shuffle: several vertices) and q1 (one vertex), to stop with a savepoint.
submit running nexmark --query q5 --events 1000000000 --tps 20000 -p 2 --sink blackhole \
  --checkpoint-interval 1s --checkpoint-dir "$DIR/ckpt"
RUNNING_JOB=$JOBID
submit stopping nexmark --query q1 --events 1000000000 --tps 5000 -p 1 --sink blackhole \
  --checkpoint-interval 1s --checkpoint-dir "$DIR/ckpt"
STOPPING_JOB=$JOBID
running() { curl -s -m 5 "http://$REST/jobs/$RUNNING_JOB" | grep -q '"state":"RUNNING"'; }
wait_for 30 "q5 RUNNING" running
# A job whose sink cannot open its output (a path under a regular file), with no restarts: it FAILS.
: > "$DIR/a-file"
submit failing run fraud-detection -p 1 --events 1000 --output "$DIR/a-file/out" -D restart-strategy.type=none
FAILED_JOB=$JOBID

mkdir -p "$DIR/shots"
WEIR_REST="$REST" RUNNING_JOB="$RUNNING_JOB" STOPPING_JOB="$STOPPING_JOB" FAILED_JOB="$FAILED_JOB" SAVEPOINT_DIR="$DIR/savepoints" \
  CHROMIUM="$CHROMIUM" WORD_COUNT_LIB="$WORD_COUNT_LIB" WORK_DIR="$DIR/submitted" SCREENSHOTS="${WEIR_SCREENSHOTS:-$DIR/shots}" HISTORY_FOR_SCREENSHOTS="${WEIR_SCREENSHOTS:+15}" \
  node --test --test-reporter=spec "$WEBUI/tests/e2e.test.mjs" > "$DIR/e2e.log" 2>&1 \
  || fail "the browser test failed: $(cat "$DIR/e2e.log")"
cat "$DIR/e2e.log"
