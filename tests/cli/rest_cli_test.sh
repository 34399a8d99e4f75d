#!/bin/sh
# The JobManager's REST API on loopback (issue 6, item 6): a JobManager with rest.port=0 and two
# TaskManagers; /overview counts them and their slots, /taskmanagers lists them and shows a SIGKILLed one
# as LOST, /metrics counts the loss; unknown jobs, TaskManagers and paths are 404 with a JSON message, a
# wrong method is 405; a REST port in use and a bad rest.port name the key. Every wait polls against a
# deadline. Usage: rest_cli_test.sh path/to/weir
set -eu
WEIR="$1"
. "$(dirname "$0")/process_lib.sh"
# get METHOD PATH: the body in $DIR/body, the status code on stdout.
get() { curl -s -m 5 -X "$1" -o "$DIR/body" -w '%{http_code}' "http://$REST$2"; }
# json PYTHON_EXPR: evaluates the expression with `j` bound to the last body's JSON; fails when false.
json() { python3 -c "import json,sys; j=json.load(open('$DIR/body')); sys.exit(0 if ($1) else 1)"; }
HB="-D heartbeat.interval=200ms -D heartbeat.timeout=1500ms"

"$WEIR" jobmanager -D jobmanager.rpc.port=0 -D rest.port=0 $HB > "$DIR/jm.log" 2>&1 &
JM=$!; PIDS="$PIDS $JM"
wait_for 10 "REST line" grep -q '^REST http=127.0.0.1:[0-9]*$' "$DIR/jm.log"
grep -q '^JOBMANAGER rpc=127.0.0.1:[0-9]* ' "$DIR/jm.log" || fail "no JOBMANAGER line"
RPC=$(sed -n 's/^JOBMANAGER rpc=\([^ ]*\) .*/\1/p' "$DIR/jm.log")
REST=$(sed -n 's/^REST http=//p' "$DIR/jm.log")

[ "$(get GET /overview)" = 200 ] || fail "/overview: $(cat "$DIR/body")"
json "j['taskmanagers'] == 0 and j['slots-total'] == 0 and j['jobs-running'] == 0 and 'weir-version' in j" \
  || fail "empty /overview: $(cat "$DIR/body")"

"$WEIR" taskmanager -D jobmanager.rpc.port="${RPC##*:}" -D taskmanager.numberOfTaskSlots=3 $HB > "$DIR/tm1.log" 2>&1 &
TM1=$!; PIDS="$PIDS $TM1"
"$WEIR" taskmanager -D jobmanager.rpc.port="${RPC##*:}" -D taskmanager.numberOfTaskSlots=2 $HB > "$DIR/tm2.log" 2>&1 &
TM2=$!; PIDS="$PIDS $TM2"
wait_for 10 "tm1 id" grep -q '^TASKMANAGER id=' "$DIR/tm1.log"
wait_for 10 "tm2 id" grep -q '^TASKMANAGER id=' "$DIR/tm2.log"
ID1=$(sed -n 's/^TASKMANAGER id=\([^ ]*\) .*/\1/p' "$DIR/tm1.log")
ID2=$(sed -n 's/^TASKMANAGER id=\([^ ]*\) .*/\1/p' "$DIR/tm2.log")
overview_full() { get GET /overview && json "j['taskmanagers'] == 2 and j['slots-total'] == 5 and j['slots-available'] == 5"; }
wait_for 10 "/overview with two TaskManagers and 5 slots" overview_full

[ "$(get GET /taskmanagers)" = 200 ] || fail "/taskmanagers"
json "sorted((t['id'], t['slotsNumber'], t['status']) for t in j['taskmanagers']) == sorted([('$ID1', 3, 'ALIVE'), ('$ID2', 2, 'ALIVE')])" \
  || fail "/taskmanagers: $(cat "$DIR/body")"
json "all(t['dataPort'] > 0 and t['address'].startswith('127.0.0.1:') and t['timeSinceLastHeartbeat'] >= 0 for t in j['taskmanagers'])" \
  || fail "/taskmanagers fields: $(cat "$DIR/body")"
[ "$(get GET "/taskmanagers/$ID1")" = 200 ] && json "j['id'] == '$ID1' and j['slotsNumber'] == 3" || fail "/taskmanagers/$ID1: $(cat "$DIR/body")"
[ "$(get GET /taskmanagers/tm-nobody)" = 404 ] && json "j['errors'] == ['TaskManager tm-nobody not found']" \
  || fail "unknown TaskManager: $(cat "$DIR/body")"
"$WEIR" list-taskmanagers --jobmanager "$RPC" | grep -q "^TASKMANAGER id=$ID1 " || fail "list-taskmanagers no longer works"

# SIGKILL tm2: /taskmanagers shows it LOST, /overview drops it, /metrics counts the loss.
kill -9 "$TM2"
tm2_lost() { get GET "/taskmanagers/$ID2" && json "j['status'] == 'LOST' and j['freeSlots'] == 0"; }
wait_for 10 "tm2 LOST in /taskmanagers/$ID2" tm2_lost
get GET /taskmanagers > /dev/null
json "[t['status'] for t in j['taskmanagers'] if t['id'] == '$ID2'] == ['LOST']" || fail "tm2 in /taskmanagers: $(cat "$DIR/body")"
get GET /overview > /dev/null
json "j['taskmanagers'] == 1 and j['slots-total'] == 3 and j['slots-available'] == 3" || fail "/overview after loss: $(cat "$DIR/body")"
[ "$(get GET /metrics)" = 200 ] || fail "/metrics"
for line in "weir_jobmanager_taskmanagers_registered 1" "weir_jobmanager_taskmanagers_lost_total 1" \
            "weir_jobmanager_slots_total 3" "weir_jobmanager_slots_available 3" "# TYPE weir_jobmanager_taskmanagers_lost_total counter"; do
  grep -qx "$line" "$DIR/body" || fail "/metrics lacks '$line': $(cat "$DIR/body")"
done
grep -q '^weir_jobmanager_uptime_seconds [0-9.]*$' "$DIR/body" || fail "/metrics lacks uptime"

# Jobs: none submitted; unknown ids are 404, malformed ones 400, both naming the id.
[ "$(get GET /jobs)" = 200 ] && json "j == {'jobs': []}" || fail "/jobs: $(cat "$DIR/body")"
[ "$(get GET /jobs/overview)" = 200 ] && json "j == {'jobs': []}" || fail "/jobs/overview: $(cat "$DIR/body")"
JOB=0123456789abcdef0123456789abcdef
[ "$(get GET /jobs/$JOB)" = 404 ] && json "j['errors'] == ['job $JOB not found']" \
  || fail "unknown job: $(cat "$DIR/body")"
[ "$(get PATCH "/jobs/$JOB?mode=cancel")" = 404 ] && json "j['errors'] == ['job $JOB not found']" \
  || fail "cancel of an unknown job: $(cat "$DIR/body")"
[ "$(get GET /jobs/0123456789abcdef/checkpoints)" = 400 ] \
  && json "j['errors'] == [\"malformed job id '0123456789abcdef': a job id is 32 hex digits\"]" \
  || fail "malformed job id: $(cat "$DIR/body")"
[ "$(get GET /config)" = 200 ] && json "'weir-version' in j" || fail "/config: $(cat "$DIR/body")"
[ "$(get GET /jobmanager/config)" = 200 ] && json "{'key': 'rest.port', 'value': '0'} in j" || fail "/jobmanager/config: $(cat "$DIR/body")"

# Errors: unknown path 404, wrong method 405 with Allow, both with a JSON message.
[ "$(get GET /no/such/path)" = 404 ] && json "j['errors'] == ['not found: /no/such/path']" || fail "unknown path: $(cat "$DIR/body")"
[ "$(get POST /overview)" = 405 ] && json "'POST' in j['errors'][0]" || fail "POST /overview: $(cat "$DIR/body")"
curl -s -m 5 -i -X DELETE "http://$REST/taskmanagers" | grep -qi '^Allow: GET' || fail "405 without Allow"

# A second JobManager on the same REST port fails and names the keys; bad rest.port values name the key.
set +e; "$WEIR" jobmanager -D jobmanager.rpc.port=0 -D rest.port="${REST##*:}" > "$DIR/dup.out" 2>&1; rc=$?; set -e
[ "$rc" -ne 0 ] && grep -q "cannot bind the REST server to $REST (rest.address, rest.port)" "$DIR/dup.out" \
  || fail "REST port in use: rc=$rc $(cat "$DIR/dup.out")"
for bad in 70000 abc -1; do
  set +e; "$WEIR" jobmanager -D jobmanager.rpc.port=0 -D rest.port=$bad > "$DIR/bad.out" 2>&1; rc=$?; set -e
  [ "$rc" -eq 2 ] && grep -q "invalid value '$bad' for configuration key 'rest.port'" "$DIR/bad.out" \
    || fail "rest.port=$bad: rc=$rc $(cat "$DIR/bad.out")"
done

kill -TERM "$TM1" "$JM"
wait_for 10 "JobManager exits on SIGTERM" exited "$JM"
wait "$JM" || fail "JobManager exited with status $? on SIGTERM"
echo "REST CLI: ok"
