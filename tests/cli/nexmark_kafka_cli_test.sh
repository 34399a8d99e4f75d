#!/bin/sh
# Nexmark over Kafka, exactly once end to end (issue 16 items 4 and 5) against one real Kafka broker
# (scripts/kafka-local: Kafka 4.x in KRaft mode on loopback, started once for the whole test):
# - `weir nexmark-gen --sink kafka:events` fills a 4-partition topic with exactly nexmark-gen's stdout dump;
# - q17 (per-auction running statistics: a keyed aggregation with one row per bid) read from the topic gives
#   the generator source's rows, also exactly once into Kafka with injected task failures (embedded); so does
#   q5 (sliding windows) at least once;
# - on a cluster of two TaskManagers, q17 from the topic into a topic with exactly-once delivery and 200 ms
#   checkpoints while TaskManagers are SIGKILLed at seeded random moments (each after a random number of
#   checkpoints) and replaced: a read_committed consumer sees every row of the failure-free run exactly once
#   and nothing else, and the job restarted once per kill;
# - bad input: missing topics, unreachable brokers, missing or contradictory flags are errors naming them.
# Every wait polls a condition against a deadline. WEIR_TEST_SEED picks other kill moments (and events).
# Usage: nexmark_kafka_cli_test.sh path/to/weir path/to/scripts/kafka-local
set -eu
WEIR="$1"
KAFKA_LOCAL="$2"
. "$(dirname "$0")/process_lib.sh"
KPID=""
stop_kafka() {
  # kafka-local stops its broker on TERM; a SIGKILL would leave the JVM behind.
  if [ -n "$KPID" ]; then kill "$KPID" 2>/dev/null || true; wait "$KPID" 2>/dev/null || true; fi
}
trap 'stop_kafka; cleanup' EXIT
SEED="${WEIR_TEST_SEED:-16}"
EVENTS=200000
KILLS=3
echo "seed=$SEED"
# A seeded random number in 0 .. $2-1 for draw $1.
draw() { awk -v s="$SEED" -v d="$1" -v n="$2" 'BEGIN { srand(s * 1000 + d); print int(rand() * n) }'; }
rows() { find "$1" -type f ! -name '.*' ! -name '_*' -exec cat {} + | LC_ALL=C sort; }
expect_error() {  # expect_error PATTERN COMMAND...
  pattern="$1"; shift
  if "$@" > "$DIR/err.out" 2>&1; then fail "succeeded: $*"; fi
  grep -q "$pattern" "$DIR/err.out" || fail "error of '$*' does not say '$pattern': $(cat "$DIR/err.out")"
}

# One broker (the client compiler starts the JVM faster) and a cluster of two one-slot TaskManagers, started
# side by side.
WEIR_KAFKA_JVM_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto" "$KAFKA_LOCAL" --dir "$DIR/kafka" \
  --topic events:4 --topic q17-out:4 --topic q17-embedded:2 --topic q5-out:1 > "$DIR/kafka-local.log" 2>&1 &
KPID=$!
HB="-D heartbeat.interval=200ms -D heartbeat.timeout=1500ms"  # generous: ctest runs tests in parallel
CL="$DIR/cluster"
"$WEIR" cluster start -n 2 --dir "$CL" -D blob.storage.directory="$DIR" -D rest.port=0 -D jobmanager.rpc.port=0 \
  -D taskmanager.numberOfTaskSlots=1 -D restart-strategy.type=fixed-delay -D restart-strategy.fixed-delay.attempts=20 \
  -D restart-strategy.fixed-delay.delay=100ms $HB > "$DIR/start.log" 2>&1 || fail "cluster start: $(cat "$DIR/start.log")"
for p in $(sed -n 's/^pid //p' "$CL/cluster.state"); do PIDS="$PIDS $p"; done
JMPID=$(sed -n 's/^pid //p' "$CL/cluster.state" | head -1)
REST=$(sed -n 's/^CLUSTER rest=\([^ ]*\) .*/\1/p' "$DIR/start.log")
RPC=$(sed -n 's/^CLUSTER .* rpc=\([^ ]*\) .*/\1/p' "$DIR/start.log")
[ -n "$REST" ] && [ -n "$RPC" ] || fail "no CLUSTER line: $(cat "$DIR/start.log")"
kafka_ready_or_gone() { grep -q "bootstrap servers:" "$DIR/kafka-local.log" || exited "$KPID"; }
wait_for 120 "the Kafka broker and its topics" kafka_ready_or_gone
B=$(sed -n 's/^ *bootstrap servers: //p' "$DIR/kafka-local.log")
[ -n "$B" ] || fail "no bootstrap servers: $(cat "$DIR/kafka-local.log")"

# Bad input names what is wrong.
expect_error "topic 'missing' does not exist on Kafka brokers $B" \
  "$WEIR" nexmark-gen --events 10 --sink kafka:missing --bootstrap-servers "$B"
expect_error "Kafka brokers 127.0.0.1:1 did not answer" \
  "$WEIR" nexmark-gen --events 10 --sink kafka:events --bootstrap-servers 127.0.0.1:1 --kafka-timeout-ms 500
expect_error "needs --bootstrap-servers" "$WEIR" nexmark-gen --events 10 --sink kafka:events
expect_error "topic 'missing' does not exist on Kafka brokers $B" \
  "$WEIR" nexmark --query q17 --source kafka:missing --bootstrap-servers "$B"
expect_error "topic 'missing' does not exist on Kafka brokers $B" \
  "$WEIR" nexmark --query q17 --events 10 --sink kafka:missing --bootstrap-servers "$B"
expect_error "Kafka brokers 127.0.0.1:1 did not answer" \
  "$WEIR" nexmark --query q17 --source kafka:events --bootstrap-servers 127.0.0.1:1 --kafka-timeout-ms 500
expect_error "topic 'missing' does not exist on Kafka brokers $B" \
  "$WEIR" nexmark --jobmanager "$REST" --query q17 --source kafka:missing --bootstrap-servers "$B"
expect_error "needs --bootstrap-servers" "$WEIR" nexmark --query q17 --source kafka:events
expect_error "bad --delivery-guarantee 'twice'" \
  "$WEIR" nexmark --query q17 --events 10 --sink kafka:q17-out --bootstrap-servers "$B" --delivery-guarantee twice
expect_error "apply to --sink kafka:TOPIC only" "$WEIR" nexmark --query q17 --events 10 --delivery-guarantee exactly-once
expect_error "bad --source 'kafka:'" "$WEIR" nexmark --query q17 --source kafka:

# The topic holds exactly the events of nexmark-gen's stdout dump, one JSON object per record.
"$WEIR" nexmark-gen --events $EVENTS --seed "$SEED" --sink kafka:events --bootstrap-servers "$B" > "$DIR/gen.log" 2>&1 \
  || fail "nexmark-gen into Kafka: $(cat "$DIR/gen.log")"
grep -q "^WROTE events=$EVENTS topic=events " "$DIR/gen.log" || fail "nexmark-gen: $(cat "$DIR/gen.log")"
"$WEIR" kafka-read --bootstrap-servers "$B" --topic events > "$DIR/events.kafka" 2> "$DIR/read-events.log" \
  || fail "kafka-read events"
"$WEIR" nexmark-gen --events $EVENTS --seed "$SEED" > "$DIR/events.dump" || fail "nexmark-gen to stdout"
[ "$(LC_ALL=C sort "$DIR/events.kafka")" = "$(LC_ALL=C sort "$DIR/events.dump")" ] \
  || fail "the topic's records differ from nexmark-gen's dump ($(wc -l < "$DIR/events.kafka") records)"

# The failure-free reference: q17 on the generator source at parallelism 1.
"$WEIR" nexmark --query q17 --events $EVENTS --seed "$SEED" -p 1 --sink "file:$DIR/q17-ref" > "$DIR/ref.log" 2>&1 \
  || fail "reference q17: $(cat "$DIR/ref.log")"
rows "$DIR/q17-ref" > "$DIR/q17-ref.rows"
[ "$(wc -l < "$DIR/q17-ref.rows")" -gt 100000 ] || fail "the reference has only $(wc -l < "$DIR/q17-ref.rows") rows"

# Embedded: from the topic, exactly once into a topic, two injected task failures.
"$WEIR" nexmark --query q17 --source kafka:events --bootstrap-servers "$B" -p 2 --tps 100000 --sink kafka:q17-embedded \
  --delivery-guarantee exactly-once --checkpoint-interval 100ms --inject-failures 2 --seed "$SEED" > "$DIR/embedded.log" 2>&1 \
  || fail "embedded q17 from Kafka: $(cat "$DIR/embedded.log")"
grep -q "^RECOVERY query=q17 restarts=2 .*failures_injected=2 " "$DIR/embedded.log" \
  || fail "the embedded run did not recover from two injected failures: $(cat "$DIR/embedded.log")"
"$WEIR" kafka-read --bootstrap-servers "$B" --topic q17-embedded > "$DIR/q17-embedded.kafka" 2> "$DIR/read-embedded.log" \
  || fail "kafka-read q17-embedded"
[ "$(LC_ALL=C sort "$DIR/q17-embedded.kafka")" = "$(cat "$DIR/q17-ref.rows")" ] \
  || fail "q17 from Kafka into Kafka with injected failures: $(wc -l < "$DIR/q17-embedded.kafka") committed rows differ from the reference's $(wc -l < "$DIR/q17-ref.rows")"

# A windowed query (q5: sliding windows fired by watermarks per partition) from the topic, at least once into a
# topic without failures: the generator source's rows.
"$WEIR" nexmark --query q5 --events $EVENTS --seed "$SEED" -p 2 --sink "file:$DIR/q5-ref" > "$DIR/q5-ref.log" 2>&1 \
  || fail "reference q5: $(cat "$DIR/q5-ref.log")"
"$WEIR" nexmark --query q5 --source kafka:events --bootstrap-servers "$B" -p 3 --sink kafka:q5-out \
  --delivery-guarantee at-least-once --checkpoint-interval 100ms > "$DIR/q5.log" 2>&1 || fail "q5 from Kafka: $(cat "$DIR/q5.log")"
grep -q "^RESULT query=q5 events=$EVENTS " "$DIR/q5.log" || fail "q5 RESULT line: $(cat "$DIR/q5.log")"
"$WEIR" kafka-read --bootstrap-servers "$B" --topic q5-out > "$DIR/q5-out.kafka" 2> "$DIR/read-q5.log" || fail "kafka-read q5-out"
[ -s "$DIR/q5-out.kafka" ] || fail "q5 wrote nothing into Kafka"
[ "$(LC_ALL=C sort "$DIR/q5-out.kafka")" = "$(rows "$DIR/q5-ref")" ] || fail "q5 from Kafka into Kafka differs from the generator's"

# The cluster: q17 from the topic into a topic exactly once, paced so the kills land mid-job.
"$WEIR" nexmark --jobmanager "$REST" --detached --query q17 --source kafka:events --bootstrap-servers "$B" -p 2 \
  --tps 20000 --sink kafka:q17-out --delivery-guarantee exactly-once --transactional-id-prefix nexmark-kafka-test \
  --checkpoint-interval 200ms --checkpoint-dir "$DIR/chk" > "$DIR/submit.log" 2>&1 || fail "submit: $(cat "$DIR/submit.log")"
JOB=$(sed -n 's/.*JobID \([0-9a-f]*\).*/\1/p' "$DIR/submit.log")
[ -n "$JOB" ] || fail "no job id: $(cat "$DIR/submit.log")"
job_json() { curl -s "http://$REST/jobs/$JOB$1"; }
completed() { job_json /checkpoints | sed -n 's/.*"counts":{"completed":\([0-9]*\).*/\1/p'; }
restarts() { job_json "" | sed -n 's/.*"restarts":\([0-9]*\).*/\1/p'; }
checkpoints_at_least() { [ "$(completed)" -ge "$1" ]; }
restarts_at_least() { [ "$(restarts)" -ge "$1" ]; }
finished() { job_json "" | grep -q '"state":"FINISHED"'; }
KILLED=""
round=1
while [ $round -le $KILLS ]; do
  # Each kill waits for the previous failover to complete a checkpoint, so each is a failure of its own, and
  # lands after a seeded random number (1-4) of checkpoints of the running attempt.
  wait_for 60 "restart $((round - 1))" restarts_at_least $((round - 1))
  target=$(( $(completed) + 1 + $(draw "$round" 4) ))
  wait_for 60 "checkpoint $target before kill $round" checkpoints_at_least $target
  finished && fail "the job finished before kill $round: nothing was killed mid-job"
  tms=""
  for p in $PIDS; do
    # A SIGKILLed TaskManager of `cluster start` may linger as a zombie (kill -0 still succeeds): skip the killed.
    case " $KILLED " in *" $p "*) continue ;; esac
    if [ "$p" != "$JMPID" ] && alive "$p"; then tms="$tms $p"; fi
  done
  set -- $tms
  [ $# -gt 0 ] || fail "no TaskManager left to kill"
  shift "$(draw $((round + 100)) $#)"
  echo "kill $round: TaskManager $1 after checkpoint $(completed)"
  kill -9 "$1"
  KILLED="$KILLED $1"
  "$WEIR" taskmanager -D blob.storage.directory="$DIR" -D jobmanager.rpc.port="${RPC##*:}" -D taskmanager.numberOfTaskSlots=1 \
    $HB > "$DIR/tm-new-$round.log" 2>&1 &
  PIDS="$PIDS $!"
  round=$((round + 1))
done
wait_for 120 "q17 on the cluster finished" finished
RESTARTS=$(restarts)
[ "${RESTARTS:-0}" -ge $KILLS ] || fail "q17 restarted ${RESTARTS:-0} times after $KILLS SIGKILLs: $(job_json /exceptions)"
"$WEIR" kafka-read --bootstrap-servers "$B" --topic q17-out > "$DIR/q17-out.kafka" 2> "$DIR/read-out.log" \
  || fail "kafka-read q17-out"
[ "$(LC_ALL=C sort "$DIR/q17-out.kafka")" = "$(cat "$DIR/q17-ref.rows")" ] \
  || fail "read_committed q17-out after $KILLS SIGKILLs: $(wc -l < "$DIR/q17-out.kafka") rows differ from the failure-free $(wc -l < "$DIR/q17-ref.rows")"
echo "q17: $(wc -l < "$DIR/q17-out.kafka") rows exactly once after $KILLS TaskManager kills ($RESTARTS restarts, $(completed) checkpoints)"

"$WEIR" cluster stop --dir "$CL" > "$DIR/stop.log" 2>&1 || fail "cluster stop: $(cat "$DIR/stop.log")"
echo "PASS"
