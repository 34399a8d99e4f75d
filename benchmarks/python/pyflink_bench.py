"""map_filter_bench.py's two jobs on real PyFlink, for a side-by-side with Weir.

    build/pyflink-venv/bin/python benchmarks/python/pyflink_bench.py [records] [--keyed-records K]
        [--mode process|thread] [--worker default|process] [--sink filter|java] [--jobs map_filter,keyed_sum]

Jobs (as in map_filter_bench.py, parallelism 1, hashmap state):
- map+filter: NumberSequenceSource(1, n) -> map i -> (i, str(i)) (Types.TUPLE) -> filter even -> sink
- keyed sum: NumberSequenceSource(1, k) -> map i -> (i, str(i % 1000)) -> key_by t[1] ->
  KeyedProcessFunction with a ValueState running sum (Types.LONG) -> sink; k = n/2 unless --keyed-records
- window_agg (only with --jobs): map i -> (str(i % 1000), i) -> event time i // 10 ms -> key_by t[0] ->
  1 s tumbling event-time windows -> Python AggregateFunction (average) -> sink; n records

Sink: PyFlink has no Python SinkFunction. `--sink filter` (default) ends the stream with
`.filter(lambda v: False).print()`: one Python call per record, chained into the last Python operator,
so no record goes back to the JVM (map_filter_bench.py as committed in f05d348 ends with
`add_sink(lambda v: None)`, also one Python call per record). `--sink java` uses Flink's Java sink-v2
DiscardingSink instead: every record goes back from Python to the JVM and is dropped there.

Modes: `--mode process` (PyFlink's default python.execution-mode) or `thread` (pemja: Python inside the
JVM). In process mode on a local MiniCluster PyFlink's default worker is "loopback": the JVM starts a
beam_boot Python process per Python operator chain, which only asks this driver to run the Beam SDK
worker in a thread of the driver; the functions then run in the driver process. `--worker process` sets
PyFlink's _python_worker_execution_mode=process: standalone worker processes, as on a cluster.

Timing: the JVM is started and each job is run once with a small count (warm-up) before the timed runs in
the same process: the job over one record (its fixed cost: scheduling, Beam worker start-up, open and
close), then the job over the given count. Measured over each timed env.execute(): wall time, and CPU
seconds of every process involved (this driver, the JVM it started, the Python processes it starts;
read from /proc, see proc_cpu.py), with a breakdown by kind of process.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proc_cpu import TreeCpu, become_subreaper  # noqa: E402

become_subreaper()  # before the JVM starts: adopt the Beam workers that pyflink-udf-runner.sh orphans

# PyFlink starts its JVM from JAVA_HOME; scripts/pyflink-venv records the one it found in the venv.
if not os.environ.get("JAVA_HOME"):
    jh = Path(sys.prefix) / "java_home"
    if jh.exists():
        os.environ["JAVA_HOME"] = jh.read_text().strip()

from pyflink.common import Configuration, Duration, Time, Types, WatermarkStrategy  # noqa: E402
from pyflink.common.watermark_strategy import TimestampAssigner  # noqa: E402
from pyflink.datastream import KeyedProcessFunction, StreamExecutionEnvironment  # noqa: E402
from pyflink.datastream.connectors.base import Sink  # noqa: E402
from pyflink.datastream.connectors.number_seq import NumberSequenceSource  # noqa: E402
from pyflink.datastream.functions import AggregateFunction  # noqa: E402
from pyflink.datastream.state import ValueStateDescriptor  # noqa: E402
from pyflink.datastream.window import TumblingEventTimeWindows  # noqa: E402


class Sum(KeyedProcessFunction):
    def open(self, runtime_context: Any) -> None:
        self.s = runtime_context.get_state(ValueStateDescriptor("s", Types.LONG()))

    def process_element(self, v: Any, ctx: Any) -> Iterator[Any]:
        t = (self.s.value() or 0) + v[0]
        self.s.update(t)
        yield t


class Millis(TimestampAssigner):
    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        return value[1] // 10  # 10,000 records per second of event time: 10 per key and 1 s window


class Average(AggregateFunction):
    def create_accumulator(self) -> tuple[int, int]:
        return 0, 0

    def add(self, value: Any, acc: tuple[int, int]) -> tuple[int, int]:
        return acc[0] + value[1], acc[1] + 1

    def get_result(self, acc: tuple[int, int]) -> float:
        return acc[0] / acc[1]

    def merge(self, a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
        return a[0] + b[0], a[1] + b[1]


def source(env: Any, n: int) -> Any:
    return env.from_source(NumberSequenceSource(1, n), WatermarkStrategy.no_watermarks(), "seq")


def discard(ds: Any, how: str) -> None:
    if how == "filter":
        ds.filter(lambda v: False).print()
    else:
        ds.sink_to(Sink("org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink"))


def map_filter(env: Any, n: int, sink: str) -> None:
    ds = (
        source(env, n)
        .map(lambda i: (i, str(i)), output_type=Types.TUPLE([Types.LONG(), Types.STRING()]))
        .filter(lambda t: t[0] % 2 == 0)
    )
    discard(ds, sink)


def keyed_sum(env: Any, n: int, sink: str) -> None:
    ds = (
        source(env, n).map(lambda i: (i, str(i % 1000))).key_by(lambda t: t[1]).process(Sum(), output_type=Types.LONG())
    )
    discard(ds, sink)


def window_agg(env: Any, n: int, sink: str) -> None:
    ds = (
        source(env, n)
        .map(lambda i: (str(i % 1000), i), output_type=Types.TUPLE([Types.STRING(), Types.LONG()]))
        .assign_timestamps_and_watermarks(
            WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(0)).with_timestamp_assigner(Millis())
        )
        .key_by(lambda t: t[0])
        .window(TumblingEventTimeWindows.of(Time.seconds(1)))
        .aggregate(Average(), accumulator_type=Types.TUPLE([Types.LONG(), Types.LONG()]), output_type=Types.DOUBLE())
    )
    discard(ds, sink)


JOBS = {
    "map_filter": ("map+filter", map_filter),
    "keyed_sum": ("keyed sum (hashmap)", keyed_sum),
    "window_agg": ("tumbling window, AggregateFunction", window_agg),
}


def make_env(mode: str) -> Any:
    config = Configuration()
    config.set_string("python.execution-mode", mode)
    config.set_string("python.executable", sys.executable)  # Beam workers: this venv's python
    env = StreamExecutionEnvironment.get_execution_environment(config)
    env.set_parallelism(1)
    return env


def timed(name: str, build: Any, n: int, mode: str, sink: str) -> tuple[float, TreeCpu]:
    env = make_env(mode)
    build(env, n, sink)
    time.sleep(1.0)  # let the previous job's Python workers exit before the first snapshot
    with TreeCpu() as cpu:
        w0 = time.perf_counter()
        env.execute(name)
        wall = time.perf_counter() - w0
    return wall, cpu


def kinds(cpu: TreeCpu) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in sorted(cpu.by_kind.items(), key=lambda kv: -kv[1]))


def run(job: str, n: int, mode: str, sink: str, warmup: int) -> None:
    name, build = JOBS[job]
    env = make_env(mode)
    build(env, warmup, sink)
    env.execute(f"{name} warm-up")
    # The cost of a job whatever its size (scheduling, Beam worker start-up, operator open/close): the same
    # job over one record.
    w1, c1 = timed(f"{name} one record", build, 1, mode, sink)
    print(
        f"pyflink {mode} {name} (sink {sink}): 1 record, {w1:.2f} s wall, {c1.total:.2f} CPU-s [{kinds(c1)}]",
        flush=True,
    )
    wall, cpu = timed(name, build, n, mode, sink)
    c = cpu.total
    print(
        f"pyflink {mode} {name} (sink {sink}): {n} records, {wall:.2f} s wall, {c:.2f} CPU-s [{kinds(cpu)}], "
        f"{n / c:,.0f} records per CPU-second, {n / wall:,.0f} records per wall second; without the one-record "
        f"job's cost: {n / max(c - c1.total, 1e-9):,.0f} per CPU-second, {n / max(wall - w1, 1e-9):,.0f} per wall "
        f"second",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("records", nargs="?", type=int, default=1_000_000, help="records of map+filter")
    ap.add_argument(
        "--keyed-records",
        type=int,
        default=None,
        help="records of the keyed sum (default records/2, as map_filter_bench.py; PyFlink's keyed "
        "sum is about 50x slower than its map+filter, so pass a smaller count)",
    )
    ap.add_argument("--mode", choices=["process", "thread"], default="process")
    ap.add_argument(
        "--worker",
        choices=["default", "process"],
        default="default",
        help="process mode only: PyFlink's default on a local MiniCluster is 'loopback' (the JVM "
        "starts a beam_boot process that asks this driver to run the worker in a thread of "
        "its own); 'process' sets _python_worker_execution_mode=process (a standalone Python "
        "worker process per operator chain, as on a cluster)",
    )
    ap.add_argument("--sink", choices=["filter", "java"], default="filter")
    ap.add_argument("--jobs", default="map_filter,keyed_sum")
    ap.add_argument("--warmup", type=int, default=20_000, help="records of the warm-up run of each job")
    a = ap.parse_args()
    if a.worker == "process":
        os.environ["_python_worker_execution_mode"] = "process"  # noqa: SIM112 (PyFlink's spelling)
    if a.mode == "thread":
        # pemja's interpreter inside the JVM does not see the venv's packages otherwise
        import site

        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [site.getsitepackages()[0], os.environ.get("PYTHONPATH")])
        )
    for job in a.jobs.split(","):
        n = a.records if job in ("map_filter", "window_agg") else (a.keyed_records or a.records // 2)
        run(job, n, a.mode, a.sink, a.warmup)


if __name__ == "__main__":
    main()
