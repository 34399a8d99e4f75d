# Shared by the CLI tests that start real processes (sourced after `set -eu` and WEIR=...): a temp
# directory, background processes killed on exit, a failure that prints every log, and bounded waits.
DIR=$(mktemp -d)
# What the processes put in the temp directory (a JobManager's blobStore-*, RocksDB's working files) goes in
# DIR too: a process the test SIGKILLs leaves nothing in /tmp.
export TMPDIR="$DIR"
PIDS=""
cleanup() {
  for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$DIR"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
  exit 1
}
now_ms() { date +%s%3N; }
# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 50 ms until it succeeds or time runs out.
wait_for() {
  limit=$(( $(now_ms) + $1 * 1000 )); what="$2"; shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$(now_ms)" -lt "$limit" ] || fail "timed out waiting for: $what"
    sleep 0.05
  done
}
alive() { kill -0 "$1" 2>/dev/null; }
exited() { ! kill -0 "$1" 2>/dev/null; }
