#!/bin/sh
# A cluster whose checkpoints and savepoints live only on S3 (a real s3proxy on loopback): q5 with
# checkpoints on s3:// survives a SIGKILLed TaskManager with exactly the failure-free output; q3 stopped
# with a savepoint on s3:// at p=2 and resumed from it at p=1 gives one uninterrupted run's output; the
# JobManager's blob store is on S3 too, and a job library uploaded to it runs on the cluster.
# Every wait polls a condition against a deadline.
# Usage: s3_cluster_cli_test.sh path/to/weir path/to/s3proxy.jar [path/to/word_count_job.so]
set -eu
WEIR="$1"
JAR="$2"
WORDCOUNT_LIB="${3:-}"
. "$(dirname "$0")/process_lib.sh"
[ -f "$JAR" ] || fail "no s3proxy jar at $JAR (scripts/setup fetches it)"

# The S3 server: s3proxy with its filesystem backend in $DIR/s3, on a free port.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$DIR/s3/weir"
cat > "$DIR/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=cli-key
s3proxy.credential=cli-secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$DIR/s3
CONF
java -jar "$JAR" --properties "$DIR/s3proxy.conf" > "$DIR/s3proxy.log" 2>&1 &
PIDS="$PIDS $!"
answers() { curl -s -o /dev/null "http://127.0.0.1:$PORT/"; }
wait_for 90 "s3proxy answering" answers
S3="-D s3.endpoint=http://127.0.0.1:$PORT -D s3.access-key=cli-key -D s3.secret-key=cli-secret -D s3.path.style.access=true"

sorted_output() { cat "$1"/part-* 2>/dev/null | sort; }
HB="-D heartbeat.interval=200ms -D heartbeat.timeout=1500ms"
CL="$DIR/cluster"
"$WEIR" cluster start -n 2 --dir "$CL" -D blob.storage.directory=s3://weir/blobs -D rest.port=0 -D jobmanager.rpc.port=0 \
  -D taskmanager.numberOfTaskSlots=1 -D restart-strategy.type=fixed-delay -D restart-strategy.fixed-delay.attempts=20 \
  -D restart-strategy.fixed-delay.delay=100ms $HB $S3 > "$DIR/start.log" 2>&1 || fail "cluster start: $(cat "$DIR/start.log")"
for p in $(sed -n 's/^pid //p' "$CL/cluster.state"); do PIDS="$PIDS $p"; done
REST=$(sed -n 's/^CLUSTER rest=\([^ ]*\) .*/\1/p' "$DIR/start.log")
RPC=$(sed -n 's/^CLUSTER .* rpc=\([^ ]*\) .*/\1/p' "$DIR/start.log")
JMPID=$(sed -n 's/^pid //p' "$CL/cluster.state" | head -1)

EVENTS=300000
"$WEIR" nexmark --query q5 --events $EVENTS -p 2 --sink "file:$DIR/q5-local" > "$DIR/q5-local.log" 2>&1 || fail "local q5"
"$WEIR" nexmark --jobmanager "$REST" --detached --query q5 --events $EVENTS -p 2 --tps 50000 --sink "file:$DIR/q5-remote" \
  --checkpoint-interval 200ms --checkpoint-dir s3://weir/chk $S3 > "$DIR/q5-submit.log" 2>&1 \
  || fail "q5 submit: $(cat "$DIR/q5-submit.log")"
JOB=$(sed -n 's/.*JobID \([0-9a-f]*\).*/\1/p' "$DIR/q5-submit.log")
[ -n "$JOB" ] || fail "no job id: $(cat "$DIR/q5-submit.log")"
job_json() { curl -s "http://$REST/jobs/$JOB$1"; }
checkpoints_at_least() { [ "$(job_json /checkpoints | sed -n 's/.*"counts":{"completed":\([0-9]*\).*/\1/p')" -ge "$1" ]; }
finished() { job_json "" | grep -q '"state":"FINISHED"'; }
wait_for 60 "two checkpoints of q5 on S3" checkpoints_at_least 2
ls "$DIR/s3/weir/chk/$JOB" > /dev/null 2>&1 || fail "no checkpoint of job $JOB in the bucket"
VICTIM=""
for p in $PIDS; do
  if [ "$p" != "$JMPID" ] && alive "$p" && ps -o args= -p "$p" | grep -q taskmanager; then VICTIM=$p; break; fi
done
[ -n "$VICTIM" ] || fail "no TaskManager to kill"
kill -9 "$VICTIM"
"$WEIR" taskmanager -D blob.storage.directory="$DIR/blobs-new" -D jobmanager.rpc.port="${RPC##*:}" \
  -D taskmanager.numberOfTaskSlots=1 $HB $S3 > "$DIR/tm-new.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 120 "q5 finished" finished
RESTARTS=$(job_json "" | sed -n 's/.*"restarts":\([0-9]*\).*/\1/p')
[ "${RESTARTS:-0}" -ge 1 ] || fail "q5 did not restart after a SIGKILL: $(job_json /exceptions)"
[ -n "$(sorted_output "$DIR/q5-local")" ] || fail "local q5 wrote nothing"
[ "$(sorted_output "$DIR/q5-local")" = "$(sorted_output "$DIR/q5-remote")" ] \
  || fail "q5 checkpointing to S3 after a SIGKILL differs from the failure-free run"

"$WEIR" nexmark --query q3 --events $EVENTS -p 1 --sink "file:$DIR/q3-local" > "$DIR/q3-local.log" 2>&1 || fail "local q3"
"$WEIR" nexmark --jobmanager "$REST" --detached --query q3 --events $EVENTS -p 2 --tps 50000 --sink "file:$DIR/sp-a" \
  --checkpoint-interval 200ms --checkpoint-dir s3://weir/chk2 $S3 > "$DIR/sp-submit.log" 2>&1 || fail "submit: $(cat "$DIR/sp-submit.log")"
JOB=$(sed -n 's/.*JobID \([0-9a-f]*\).*/\1/p' "$DIR/sp-submit.log")
has_output() { [ -n "$(sorted_output "$1")" ]; }
wait_for 60 "committed output before the stop" has_output "$DIR/sp-a"
"$WEIR" stop --jobmanager "$REST" --savepoint-path s3://weir/savepoints $S3 "$JOB" > "$DIR/stop-job.log" 2>&1 \
  || fail "weir stop: $(cat "$DIR/stop-job.log")"
SP=$(sed -n 's/^Savepoint completed. Path: //p' "$DIR/stop-job.log")
case "$SP" in s3://weir/savepoints/*) ;; *) fail "the savepoint is not on S3: '$SP'" ;; esac
[ -f "$DIR/s3/weir/${SP#s3://weir/}/_metadata" ] || fail "no _metadata of $SP in the bucket"
wait_for 30 "the stopped job FINISHED" finished
"$WEIR" nexmark --jobmanager "$REST" --query q3 --events $EVENTS -p 1 --sink "file:$DIR/sp-b" --from-savepoint "$SP" $S3 \
  > "$DIR/sp-resume.log" 2>&1 || fail "resume at p=1: $(cat "$DIR/sp-resume.log")"
[ "$(sorted_output "$DIR/sp-b" | wc -l)" -lt "$(sorted_output "$DIR/q3-local" | wc -l)" ] || fail "the resumed job did not start from the savepoint"
[ "$( (sorted_output "$DIR/sp-a"; sorted_output "$DIR/sp-b") | sort)" = "$(sorted_output "$DIR/q3-local")" ] \
  || fail "stop with a savepoint on S3 at p=2 + resume at p=1 differs from one uninterrupted run"

if [ -n "$WORDCOUNT_LIB" ]; then
  # A job library through the blob store on S3: uploaded, stored as an object named by its SHA-256,
  # loaded by the JobManager from a local copy and by the TaskManagers from their (local) caches.
  printf 'to be or not to be\nthat is the question\n' > "$DIR/words.txt"
  "$WEIR" run -p 2 "$WORDCOUNT_LIB" --input "$DIR/words.txt" --output "$DIR/lib-local" > "$DIR/lib-local.log" 2>&1 \
    || fail "local library: $(cat "$DIR/lib-local.log")"
  "$WEIR" run -p 2 --jobmanager "$REST" "$WORDCOUNT_LIB" --input "$DIR/words.txt" --output "$DIR/lib-remote" \
    > "$DIR/lib-remote.log" 2>&1 || fail "library on the cluster: $(cat "$DIR/lib-remote.log")"
  SHA=$(sha256sum "$WORDCOUNT_LIB" | cut -d' ' -f1)
  ls "$DIR"/s3/weir/blobs/blobStore-*/"$SHA" > /dev/null 2>&1 || fail "the library is not an object $SHA in the bucket"
  [ -n "$(sorted_output "$DIR/lib-local")" ] || fail "the local library run wrote nothing"
  [ "$(sorted_output "$DIR/lib-local")" = "$(sorted_output "$DIR/lib-remote")" ] \
    || fail "the library from the blob store on S3 gave other output than locally"
fi

"$WEIR" cluster stop --dir "$CL" > "$DIR/stop.log" 2>&1 || fail "cluster stop: $(cat "$DIR/stop.log")"
echo "PASS"
