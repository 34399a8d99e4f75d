#!/bin/sh
# The distributed cluster's processes on loopback (issue 6, control plane): a JobManager on a free port,
# two TaskManagers that register and offer their slots, one SIGKILLed and reported lost within
# heartbeat.timeout, one stopped by SIGTERM that says goodbye; bad flags and keys, an unreachable
# JobManager. Every wait polls a condition against a deadline. Usage: cluster_cli_test.sh path/to/weir
set -eu
WEIR="$1"
. "$(dirname "$0")/process_lib.sh"
HB="-D heartbeat.interval=200ms -D heartbeat.timeout=1500ms"  # generous: ctest runs tests in parallel

# The allocator the build linked in: jemalloc in a release build, the C library's (or a sanitizer's) otherwise.
VERSION=$("$WEIR" --version)
case "${WEIR_EXPECTED_ALLOCATOR:-}:$VERSION" in
  "jemalloc:weir "*" (jemalloc "[0-9]*")") ;;
  "system:weir "*" (glibc malloc)") ;;
  *) fail "--version names the wrong allocator for WEIR_EXPECTED_ALLOCATOR=${WEIR_EXPECTED_ALLOCATOR:-}: $VERSION" ;;
esac

# JobManager on any free port; its first stdout line says where.
"$WEIR" jobmanager -D jobmanager.rpc.port=0 -D rest.port=0 $HB > "$DIR/jm.log" 2>&1 &
JM=$!; PIDS="$PIDS $JM"
wait_for 10 "JOBMANAGER line" grep -q '^JOBMANAGER rpc=127.0.0.1:[0-9]* ' "$DIR/jm.log"
ADDR=$(sed -n 's/^JOBMANAGER rpc=\([^ ]*\) .*/\1/p' "$DIR/jm.log")
PORT=${ADDR##*:}

# A second JobManager on the same port fails with an error naming the key.
if "$WEIR" jobmanager -D jobmanager.rpc.port="$PORT" > "$DIR/dup.out" 2>&1; then fail "second JobManager on $PORT started"; fi
grep -q "jobmanager.rpc.port" "$DIR/dup.out" || fail "port-in-use error does not name the key: $(cat "$DIR/dup.out")"

# Two TaskManagers, with a configuration file for one of them.
printf 'taskmanager.numberOfTaskSlots: 3\njobmanager.rpc.port: %s\n' "$PORT" > "$DIR/tm.yaml"
"$WEIR" taskmanager --conf "$DIR/tm.yaml" $HB > "$DIR/tm1.log" 2>&1 &
TM1=$!; PIDS="$PIDS $TM1"
"$WEIR" taskmanager -D jobmanager.rpc.port="$PORT" -D taskmanager.numberOfTaskSlots=2 $HB > "$DIR/tm2.log" 2>&1 &
TM2=$!; PIDS="$PIDS $TM2"
wait_for 10 "TASKMANAGER line of tm1" grep -q '^TASKMANAGER id=' "$DIR/tm1.log"
wait_for 10 "TASKMANAGER line of tm2" grep -q '^TASKMANAGER id=' "$DIR/tm2.log"
ID1=$(sed -n 's/^TASKMANAGER id=\([^ ]*\) .*/\1/p' "$DIR/tm1.log")
ID2=$(sed -n 's/^TASKMANAGER id=\([^ ]*\) .*/\1/p' "$DIR/tm2.log")
grep -q "^TASKMANAGER id=$ID1 rpc=127.0.0.1:[0-9]* data_port=[1-9][0-9]* slots=3$" "$DIR/tm1.log" || fail "tm1 line: $(head -1 "$DIR/tm1.log")"
listed() { "$WEIR" list-taskmanagers --jobmanager "$ADDR" > "$DIR/list.out" 2>&1 && grep -q "$1" "$DIR/list.out"; }
wait_for 10 "tm1 registered with 3 slots" listed "^TASKMANAGER id=$ID1 .* slots=3 offered=3 status=ALIVE "
wait_for 10 "tm2 registered with 2 slots" listed "^TASKMANAGER id=$ID2 .* slots=2 offered=2 status=ALIVE "
grep -q "TaskManager $ID1 registered" "$DIR/jm.log" || fail "JobManager did not log tm1's registration"
# glibc's arena cap (taskmanager.memory.malloc-arena-max) is said not to apply on jemalloc.
if [ "${WEIR_EXPECTED_ALLOCATOR:-}" = jemalloc ]; then
  grep -q "malloc-arena-max: not applied, this process runs on jemalloc" "$DIR/tm1.log" ||
    fail "tm1 did not log that it runs on jemalloc: $(cat "$DIR/tm1.log")"
fi

# Alive throughout two heartbeat timeouts (3 s, checked continuously): heartbeats flow both ways.
T0=$(now_ms)
while [ $(( $(now_ms) - T0 )) -lt 3000 ]; do
  listed "^TASKMANAGER id=$ID1 .* status=ALIVE " || fail "tm1 not alive within 3 s: $(cat "$DIR/list.out")"
  listed "^TASKMANAGER id=$ID2 .* status=ALIVE " || fail "tm2 not alive within 3 s: $(cat "$DIR/list.out")"
done

# SIGKILL tm2: the JobManager reports it lost once heartbeat.timeout (1.5 s) has passed since its last
# heartbeat, checked every 100 ms; the test allows scheduling slack on a loaded machine.
KILLED=$(now_ms)
kill -9 "$TM2"
wait_for 10 "tm2 reported lost" grep -q "TaskManager $ID2 at .* lost: no heartbeat for" "$DIR/jm.log"
TOOK=$(( $(now_ms) - KILLED ))
SILENT=$(sed -n "s/.*TaskManager $ID2 at .* lost: no heartbeat for \([0-9]*\) ms.*/\1/p" "$DIR/jm.log")
[ "$SILENT" -ge 1500 ] && [ "$SILENT" -le 2000 ] || fail "tm2 reported lost after $SILENT ms of silence (heartbeat.timeout is 1500 ms)"
[ "$TOOK" -le 3000 ] || fail "tm2 reported lost $TOOK ms after SIGKILL (heartbeat.timeout is 1500 ms)"
listed "^TASKMANAGER id=$ID2 .* offered=0 status=LOST " || fail "tm2 not LOST: $(cat "$DIR/list.out")"
listed "^TASKMANAGER id=$ID1 .* status=ALIVE " || fail "tm1 not alive after tm2 died: $(cat "$DIR/list.out")"

# The JobManager dies and a new one starts on the same port: tm1 notices (its heartbeats fail or are
# refused by a JobManager that does not know it) and registers at the new one.
kill -9 "$JM"
wait "$JM" 2>/dev/null || true
"$WEIR" jobmanager -D jobmanager.rpc.port="$PORT" -D rest.port=0 $HB > "$DIR/jm.log" 2>&1 &
JM=$!; PIDS="$PIDS $JM"
wait_for 10 "tm1 registered at the new JobManager" listed "^TASKMANAGER id=$ID1 .* offered=3 status=ALIVE "
[ "$(grep -c "registered at JobManager $ADDR" "$DIR/tm1.log")" -eq 2 ] || fail "tm1 did not register twice"
listed "^TASKMANAGER id=$ID2 " && fail "the new JobManager knows the dead tm2"

kill -TERM "$TM1"
wait_for 10 "tm1 exits on SIGTERM" exited "$TM1"
wait "$TM1" || fail "tm1 exited with status $? on SIGTERM"
grep -q "TaskManager $ID1 disconnected: SIGTERM received" "$DIR/jm.log" || fail "JobManager did not log tm1's goodbye"
listed "^TASKMANAGER id=$ID1 .* status=DISCONNECTED " || fail "tm1 not DISCONNECTED: $(cat "$DIR/list.out")"

# The JobManager exits 0 on SIGTERM.
kill -TERM "$JM"
wait_for 10 "JobManager exits on SIGTERM" exited "$JM"
wait "$JM" || fail "JobManager exited with status $? on SIGTERM"

# Heartbeats below one second: interval 100 ms, timeout 400 ms; a SIGKILLed TaskManager is lost after
# 400 ms of silence (the test allows up to 1 s on a loaded machine). A data port in use is an error
# naming taskmanager.data.port.
FAST="-D heartbeat.interval=100ms -D heartbeat.timeout=400ms"
"$WEIR" jobmanager -D jobmanager.rpc.port=0 -D rest.port=0 $FAST > "$DIR/fastjm.log" 2>&1 &
FJM=$!; PIDS="$PIDS $FJM"
wait_for 10 "fast JOBMANAGER line" grep -q '^JOBMANAGER rpc=' "$DIR/fastjm.log"
FADDR=$(sed -n 's/^JOBMANAGER rpc=\([^ ]*\) .*/\1/p' "$DIR/fastjm.log")
if "$WEIR" taskmanager -D jobmanager.rpc.port="${FADDR##*:}" -D taskmanager.data.port="${FADDR##*:}" > "$DIR/busy.out" 2>&1; then
  fail "TaskManager started on a data port in use"
fi
grep -q "error: cannot listen on 127.0.0.1:${FADDR##*:} (taskmanager.data.port)" "$DIR/busy.out" || fail "busy data port: $(cat "$DIR/busy.out")"
"$WEIR" taskmanager -D jobmanager.rpc.port="${FADDR##*:}" $FAST > "$DIR/fasttm.log" 2>&1 &
FTM=$!; PIDS="$PIDS $FTM"
wait_for 10 "fast TaskManager registered" grep -q "registered at JobManager" "$DIR/fasttm.log"
FID=$(sed -n 's/^TASKMANAGER id=\([^ ]*\) .*/\1/p' "$DIR/fasttm.log")
kill -9 "$FTM"
wait_for 10 "fast TaskManager reported lost" grep -q "TaskManager $FID at .* lost" "$DIR/fastjm.log"
SILENT=$(sed -n "s/.*TaskManager $FID at .* lost: no heartbeat for \([0-9]*\) ms.*/\1/p" "$DIR/fastjm.log")
[ "$SILENT" -ge 400 ] && [ "$SILENT" -le 1000 ] || fail "lost after $SILENT ms of silence with heartbeat.timeout=400ms"
kill -TERM "$FJM"
wait_for 10 "fast JobManager exits" exited "$FJM"

# Unreachable JobManager: the client command and a TaskManager fail with errors naming the address.
if "$WEIR" list-taskmanagers --jobmanager "$ADDR" > "$DIR/unreach.out" 2>&1; then fail "list-taskmanagers succeeded without a JobManager"; fi
grep -q "error: cannot reach the JobManager at $ADDR" "$DIR/unreach.out" || fail "unreachable: $(cat "$DIR/unreach.out")"
START=$(now_ms)
if "$WEIR" taskmanager -D jobmanager.rpc.port="$PORT" -D taskmanager.registration.timeout=1s $HB > "$DIR/tm3.log" 2>&1; then
  fail "TaskManager without a JobManager exited 0"
fi
grep -q "error: could not register at the JobManager at $ADDR within 1000 ms (taskmanager.registration.timeout)" "$DIR/tm3.log" \
  || fail "registration timeout: $(cat "$DIR/tm3.log")"
[ $(( $(now_ms) - START )) -lt 5000 ] || fail "TaskManager took too long to give up"

# Bad flags and keys: exit status 2 and a message naming the key.
expect_config_error() {  # EXPECTED_TEXT ARGS...
  want="$1"; shift
  set +e; "$WEIR" "$@" > "$DIR/bad.out" 2>&1; rc=$?; set -e
  [ "$rc" -eq 2 ] || fail "'weir $*' exited $rc, expected 2: $(cat "$DIR/bad.out")"
  grep -q "$want" "$DIR/bad.out" || fail "'weir $*' said: $(cat "$DIR/bad.out")"
}
expect_config_error "heartbeat.timeout': must be greater than heartbeat.interval" jobmanager -D heartbeat.interval=2s -D heartbeat.timeout=1s
expect_config_error "heartbeat.interval': must be greater than 0" taskmanager -D jobmanager.rpc.port=1 -D heartbeat.interval=0ms
expect_config_error "jobmanager.rpc.port" jobmanager -D jobmanager.rpc.port=70000
expect_config_error "taskmanager.memory.malloc-arena-max" taskmanager -D jobmanager.rpc.port=1 -D taskmanager.memory.malloc-arena-max=-2
expect_config_error "blob.service.cleanup.interval" taskmanager -D jobmanager.rpc.port=1 -D blob.service.cleanup.interval=-1
expect_config_error "jobmanager.rpc.port' must name" taskmanager -D jobmanager.rpc.port=0
expect_config_error "unknown configuration key 'jobmanager.rpc.prot'" jobmanager -D jobmanager.rpc.prot=1
expect_config_error "invalid --jobmanager 'localhost'" list-taskmanagers --jobmanager localhost
set +e; "$WEIR" list-taskmanagers > "$DIR/bad.out" 2>&1; rc=$?; set -e
[ "$rc" -ne 0 ] && grep -q -- "--jobmanager" "$DIR/bad.out" || fail "missing --jobmanager: $(cat "$DIR/bad.out")"
echo "cluster CLI: ok"
