#!/bin/sh
# The client commands' errors that need no job on the cluster (issue 6, items 4 and 7): `weir list`,
# `cancel`, `savepoint`, `stop` and `checkpoint` against an unreachable JobManager name the address they
# tried (from --jobmanager or from rest.address/rest.port) and exit 1; against a real `weir jobmanager`
# an empty cluster lists no jobs, an unknown or malformed job id is refused with the JobManager's
# message and exit status 2; a missing savepoint directory and a bad address are bad input (2); and
# `weir savepoint --dispose PATH` still works without a JobManager. Then, with a TaskManager, the commands
# on real jobs (the fraud-detection example, checkpointing): list, checkpoint, savepoint (its directory
# holds _metadata and a new job resumes from it, as /checkpoints says), stop --drain, cancel. Every wait
# polls against a deadline.
# Usage: client_cli_test.sh path/to/weir
set -eu
WEIR="$1"
. "$(dirname "$0")/process_lib.sh"
# run NAME CMD...: runs a client command, its exit status in $rc, stdout in $DIR/NAME.out, stderr in
# $DIR/NAME.err.
run() {
  name="$1"; shift
  set +e; "$@" > "$DIR/$name.out" 2> "$DIR/$name.err"; rc=$?; set -e
}
expect() {  # expect NAME RC TEXT: exit status RC and TEXT (a fixed string) on stderr
  [ "$rc" -eq "$2" ] && grep -qF -- "$3" "$DIR/$1.err" \
    || fail "$1: want rc=$2 and '$3', got rc=$rc: $(cat "$DIR/$1.out" "$DIR/$1.err")"
}
JOB=0123456789abcdef0123456789abcdef

# A port nothing listens on: a JobManager's REST port, after the JobManager stopped.
"$WEIR" jobmanager -D jobmanager.rpc.port=0 -D rest.port=0 > "$DIR/dead.log" 2>&1 &
DEAD=$!; PIDS="$PIDS $DEAD"
wait_for 10 "first JobManager's REST line" grep -q '^REST http=' "$DIR/dead.log"
DEAD_REST=$(sed -n 's/^REST http=//p' "$DIR/dead.log")
kill -TERM "$DEAD"
wait_for 10 "first JobManager exits" exited "$DEAD"

for cmd in "list" "cancel $JOB" "savepoint $JOB /tmp/sp" "stop --savepoint-path /tmp/sp $JOB" "checkpoint $JOB"; do
  # shellcheck disable=SC2086
  run unreachable "$WEIR" $cmd --jobmanager "$DEAD_REST"
  expect unreachable 1 "cannot reach the JobManager's REST API at $DEAD_REST"
done
# Without --jobmanager the address comes from the configuration.
run from_conf "$WEIR" list -D rest.address=127.0.0.1 -D rest.port="${DEAD_REST##*:}"
expect from_conf 1 "cannot reach the JobManager's REST API at $DEAD_REST"
printf 'rest.port: %s\n' "${DEAD_REST##*:}" > "$DIR/weir.yaml"
run from_file "$WEIR" cancel "$JOB" -c "$DIR/weir.yaml"
expect from_file 1 "cannot reach the JobManager's REST API at 127.0.0.1:${DEAD_REST##*:}"
run bad_address "$WEIR" list --jobmanager nohost
expect bad_address 2 "bad JobManager address 'nohost': want HOST:PORT"

# A real JobManager with no jobs.
"$WEIR" jobmanager -D jobmanager.rpc.port=0 -D rest.port=0 > "$DIR/jm.log" 2>&1 &
JM=$!; PIDS="$PIDS $JM"
wait_for 10 "JobManager's REST line" grep -q '^REST http=' "$DIR/jm.log"
REST=$(sed -n 's/^REST http=//p' "$DIR/jm.log")
run list "$WEIR" list --jobmanager "$REST" --all
[ "$rc" -eq 0 ] && grep -qx "No running jobs." "$DIR/list.out" && grep -qx "No terminated jobs." "$DIR/list.out" \
  || fail "list on an empty cluster: rc=$rc $(cat "$DIR/list.out" "$DIR/list.err")"
for cmd in "cancel $JOB" "savepoint $JOB /tmp/sp" "stop --savepoint-path /tmp/sp --drain $JOB" "checkpoint $JOB"; do
  # shellcheck disable=SC2086
  run unknown "$WEIR" $cmd --jobmanager "$REST"
  expect unknown 2 "error: job $JOB not found (JobManager at $REST)"
done
run malformed "$WEIR" cancel not-a-job --jobmanager "$REST"
expect malformed 2 "malformed job id 'not-a-job': a job id is 32 hex digits"
run no_dir "$WEIR" savepoint "$JOB" --jobmanager "$REST"
expect no_dir 2 "no savepoint directory: weir savepoint JOBID TARGETDIR"
run nothing "$WEIR" savepoint --jobmanager "$REST"
expect nothing 2 "weir savepoint needs JOBID TARGETDIR, or --dispose PATH"

# `weir savepoint --dispose` needs no JobManager and still refuses what is not a savepoint.
mkdir -p "$DIR/not-a-savepoint"
echo keep > "$DIR/not-a-savepoint/file"
run dispose "$WEIR" savepoint --dispose "$DIR/not-a-savepoint"
expect dispose 2 "not a savepoint"
[ -f "$DIR/not-a-savepoint/file" ] || fail "dispose deleted what is not a savepoint"

# Real jobs on a TaskManager.
RPC=$(sed -n 's/^JOBMANAGER rpc=\([^ ]*\) .*/\1/p' "$DIR/jm.log")
"$WEIR" taskmanager -D jobmanager.rpc.port="${RPC##*:}" -D taskmanager.numberOfTaskSlots=4 > "$DIR/tm.log" 2>&1 &
TM=$!; PIDS="$PIDS $TM"
CKPT="-D execution.checkpointing.interval=100ms -D execution.checkpointing.dir=$DIR/ckpt"
# submit NAME [ARGS]: starts an endless fraud-detection job detached; its id in $JOBID once it RUNS.
submit() {
  name="$1"; shift
  # shellcheck disable=SC2086
  "$WEIR" run fraud-detection --events 2000000000 --output "$DIR/out-$name" --jobmanager "$REST" --detached $CKPT "$@" \
    > "$DIR/$name.out" 2>&1 || fail "submit $name: $(cat "$DIR/$name.out")"
  JOBID=$(sed -n 's/.*JobID \([0-9a-f]\{32\}\).*/\1/p' "$DIR/$name.out")
  [ -n "$JOBID" ] || fail "no job id from weir run: $(cat "$DIR/$name.out")"
  wait_for 30 "job $name RUNNING in weir list" sh -c "'$WEIR' list --jobmanager '$REST' | grep -q ' : $JOBID : fraud-detection (RUNNING)$'"
}
submit first
FIRST=$JOBID
run checkpoint "$WEIR" checkpoint "$FIRST" --jobmanager "$REST"
[ "$rc" -eq 0 ] && grep -q "^Checkpoint [0-9]* for job $FIRST completed. Path: $DIR/ckpt/$FIRST/chk-[0-9]*$" "$DIR/checkpoint.out" \
  || fail "checkpoint: rc=$rc $(cat "$DIR/checkpoint.out" "$DIR/checkpoint.err")"
run savepoint "$WEIR" savepoint "$FIRST" "$DIR/sp" --jobmanager "$REST"
SP=$(sed -n 's/^Savepoint completed. Path: //p' "$DIR/savepoint.out")
[ "$rc" -eq 0 ] && [ -f "$SP/_metadata" ] || fail "savepoint: rc=$rc $(cat "$DIR/savepoint.out" "$DIR/savepoint.err")"
run bad_path "$WEIR" savepoint "$FIRST" relative/dir --jobmanager "$REST"
expect bad_path 2 "bad savepoint path 'relative/dir' (target-directory): it must be an absolute path"
run cancel "$WEIR" cancel "$FIRST" --jobmanager "$REST"
[ "$rc" -eq 0 ] && grep -qx "Cancelled job $FIRST." "$DIR/cancel.out" || fail "cancel: rc=$rc $(cat "$DIR/cancel.out" "$DIR/cancel.err")"

submit resumed --from-savepoint "$SP"
RESUMED=$JOBID
get_checkpoints() { curl -s -m 5 "http://$REST/jobs/$RESUMED/checkpoints" > "$DIR/checkpoints.json"; }
get_checkpoints
python3 -c "import json; j=json.load(open('$DIR/checkpoints.json')); assert j['latest']['restored']['external_path'] == '$SP', j" \
  || fail "the resumed job does not report its savepoint: $(cat "$DIR/checkpoints.json")"
run stop "$WEIR" stop --savepoint-path "$DIR/sp" --drain "$RESUMED" --jobmanager "$REST"
STOPPED=$(sed -n 's/^Savepoint completed. Path: //p' "$DIR/stop.out")
[ "$rc" -eq 0 ] && [ -f "$STOPPED/_metadata" ] || fail "stop --drain: rc=$rc $(cat "$DIR/stop.out" "$DIR/stop.err")"
run list_all "$WEIR" list --all --jobmanager "$REST"
grep -q " : $FIRST : fraud-detection (CANCELED)$" "$DIR/list_all.out" && grep -q " : $RESUMED : fraud-detection (FINISHED)$" "$DIR/list_all.out" \
  || fail "list --all: $(cat "$DIR/list_all.out")"
run again "$WEIR" cancel "$RESUMED" --jobmanager "$REST"
expect again 2 "cannot cancel job $RESUMED: it has already ended FINISHED"

kill -TERM "$TM" "$JM"
wait_for 10 "JobManager exits on SIGTERM" exited "$JM"
echo "client CLI: ok"
