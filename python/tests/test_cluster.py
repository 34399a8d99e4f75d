"""A Python job on a standalone cluster: `weir run --python`, TaskManagers that plan the script with their
embedded interpreter, and a TaskManager SIGKILLed mid-job. The job's keyed state is exactly once: each
key's final count and sum equal a reference computed here.

Needs the weir CLI built with Python (scripts/build); skipped when it is missing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from typing import Any, Callable

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WEIR = os.environ.get("WEIR_CLI", os.path.join(ROOT, "build", "release", "weir"))

JOB = '''
import os, sys
from weir.common import Types, WatermarkStrategy
from weir.datastream import KeyedProcessFunction, SinkFunction, StreamExecutionEnvironment
from weir.datastream.state import ValueStateDescriptor

N, KEYS, OUT = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]


class Totals(KeyedProcessFunction):
    """Counts and sums per key; emits once, when the input ends (the final watermark fires the timer)."""

    def open(self, ctx):
        self.count = ctx.get_state(ValueStateDescriptor("count", Types.LONG()))
        self.total = ctx.get_state(ValueStateDescriptor("total", Types.LONG()))

    def process_element(self, value, ctx):
        if self.count.value() is None:
            ctx.timer_service().register_event_time_timer(2**62)
        self.count.update((self.count.value() or 0) + 1)
        self.total.update((self.total.value() or 0) + value)
        return ()

    def on_timer(self, ts, ctx):
        yield f"{ctx.get_current_key()} {self.count.value()} {self.total.value()}"


class Lines(SinkFunction):
    """One file per subtask, rewritten by every attempt (results come only at the end of input)."""

    def open(self, ctx):
        self.f = open(os.path.join(OUT, f"part-{ctx.get_index_of_this_subtask()}"), "w")

    def invoke(self, value, context):
        self.f.write(value + "\\n")

    def finish(self):
        self.f.flush()
        os.fsync(self.f.fileno())
        self.f.close()


env = StreamExecutionEnvironment.get_execution_environment()
env.enable_checkpointing(200)
(env.from_sequence(1, N)
    .map(lambda v: v * 3 % 1000003)
    .key_by(lambda v: v % KEYS)
    .process(Totals(), output_type=Types.STRING())
    .add_sink(Lines()))
env.execute("python totals")
'''


def wait_for(what: str, cond: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        # Another process's state (its log, its REST answers) can only be polled: a short pause between
        # checks of the condition, never a wait by itself.
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def line_of(path: str, prefix: str) -> str | None:
    if not os.path.exists(path):
        return None
    with open(path) as f:
        for line in f:
            if line.startswith(prefix):
                return line
    return None


def rest(addr: str, path: str) -> Any:
    with urllib.request.urlopen(f"http://{addr}{path}", timeout=5) as r:
        return json.loads(r.read())


def start_jobmanager(d: str, procs: list[subprocess.Popen[bytes]], *flags: str) -> tuple[str, str]:
    """`weir jobmanager` on free ports, logging to d/jm.log; returns its (RPC, REST) addresses."""
    jm_log = os.path.join(d, "jm.log")
    procs.append(
        subprocess.Popen(
            [WEIR, "jobmanager", "-D", "jobmanager.rpc.port=0", "-D", "rest.port=0", *flags],
            stdout=open(jm_log, "w"),
            stderr=subprocess.STDOUT,
        )
    )
    rpc = wait_for("JOBMANAGER line", lambda: line_of(jm_log, "JOBMANAGER ")).split("rpc=")[1].split()[0]
    rest_addr = wait_for("REST line", lambda: line_of(jm_log, "REST http=")).split("http=")[1].split()[0]
    return rpc, rest_addr


def start_taskmanager(
    d: str, procs: list[subprocess.Popen[bytes]], name: str, rpc: str, *flags: str
) -> subprocess.Popen[bytes]:
    """`weir taskmanager` registering at the JobManager at `rpc`, logging to d/<name>.log; returns once up."""
    log = os.path.join(d, f"{name}.log")
    p = subprocess.Popen(
        [WEIR, "taskmanager", "-D", f"jobmanager.rpc.port={rpc.split(':')[1]}", *flags],
        stdout=open(log, "w"),
        stderr=subprocess.STDOUT,
    )
    procs.append(p)
    wait_for(f"{name} up", lambda: line_of(log, "TASKMANAGER "))
    return p


def stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


@pytest.mark.skipif(not os.path.exists(WEIR), reason="the weir CLI is not built")
@pytest.mark.parametrize("backend", ["hashmap", "rocksdb"])
def test_python_job_survives_a_taskmanager_sigkill(tmp_path: Any, backend: str) -> None:
    d = str(tmp_path)
    out, chk = os.path.join(d, "out"), os.path.join(d, "chk")
    os.makedirs(out)
    job = os.path.join(d, "totals.py")
    with open(job, "w") as f:
        f.write(JOB)
    hb = ["-D", "heartbeat.interval=200ms", "-D", "heartbeat.timeout=1500ms"]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        rpc, rest_addr = start_jobmanager(d, procs, *hb)
        tms = [
            start_taskmanager(d, procs, f"tm{i}", rpc, "-D", "taskmanager.numberOfTaskSlots=2", *hb) for i in range(2)
        ]
        n, keys = 400_000, 13
        client = subprocess.Popen(
            [
                WEIR,
                "run",
                "--jobmanager",
                rest_addr,
                "-p",
                "2",
                "-D",
                f"state.backend.type={backend}",
                "-D",
                f"execution.checkpointing.dir={chk}",
                "-D",
                "restart-strategy.type=fixed-delay",
                "-D",
                "restart-strategy.fixed-delay.attempts=5",
                "-D",
                "restart-strategy.fixed-delay.delay=100ms",
                "--python",
                job,
                str(n),
                str(keys),
                out,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        procs.append(client)

        def running_with_checkpoint() -> Any:
            jobs = rest(rest_addr, "/jobs/overview").get("jobs", [])
            for j in jobs:
                if j.get("state") == "RUNNING":
                    c = rest(rest_addr, f"/jobs/{j['jid']}/checkpoints")
                    if c.get("counts", {}).get("completed", 0) >= 1:
                        return j["jid"]
            return None

        jid = wait_for("a completed checkpoint", running_with_checkpoint, 120)
        tms[0].send_signal(signal.SIGKILL)
        output, _ = client.communicate(timeout=240)
        text = output.decode()
        assert client.returncode == 0, text
        assert "FINISHED" in text and "(restarts: 0)" not in text, text
        assert rest(rest_addr, f"/jobs/{jid}")["state"] == "FINISHED"
        got: dict[int, tuple[int, int]] = {}
        for name in os.listdir(out):
            with open(os.path.join(out, name)) as f:
                for line in f:
                    k, c, s = map(int, line.split())
                    assert k not in got, f"key {k} emitted twice"
                    got[k] = (c, s)
        ref: dict[int, tuple[int, int]] = {}
        for v in range(1, n + 1):
            x = v * 3 % 1000003
            c, s = ref.get(x % keys, (0, 0))
            ref[x % keys] = (c + 1, s + x)
        assert got == ref
    finally:
        stop_all(procs)


FAILING_JOB = """
from weir.datastream import StreamExecutionEnvironment

def check(v):
    if v == 7:
        raise ValueError(f"record {v} is not allowed")
    return v

env = StreamExecutionEnvironment.get_execution_environment()
env.from_sequence(1, 10).map(check).print()
env.execute("failing python job")
"""


@pytest.mark.skipif(not os.path.exists(WEIR), reason="the weir CLI is not built")
def test_python_exception_reaches_the_cli_and_the_exception_history(tmp_path: Any) -> None:
    d = str(tmp_path)
    job = os.path.join(d, "failing.py")
    with open(job, "w") as f:
        f.write(FAILING_JOB)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        rpc, rest_addr = start_jobmanager(d, procs)
        start_taskmanager(d, procs, "tm", rpc)
        r = subprocess.run(
            [WEIR, "run", "--jobmanager", rest_addr, "--python", job], capture_output=True, text=True, timeout=120
        )
        assert r.returncode != 0
        out = r.stdout + r.stderr
        assert "FAILED" in out and "ValueError: record 7 is not allowed" in out, out
        jid = rest(rest_addr, "/jobs/overview")["jobs"][0]["jid"]
        history = json.dumps(rest(rest_addr, f"/jobs/{jid}/exceptions"))
        assert "record 7 is not allowed" in history and "in check" in history, history
    finally:
        stop_all(procs)
