"""Latency at low load of a record crossing from one Python function to the next, on Weir or on PyFlink.

    PYTHONPATH=python python3 benchmarks/python/latency_bench.py --engine weir [--buffer-timeout 1]
    build/pyflink-venv/bin/python benchmarks/python/latency_bench.py --engine pyflink \
        [--bundle-size 1 --bundle-time 1] [--buffer-timeout 1] [--mode process|thread]

The job (parallelism 1):

    NumberSequenceSource(1, n) -> map Stamp -> rebalance -> map Latency -> collect (execute_and_collect)

- Stamp, the first Python function, paces the input: it sleeps `--interval-ms` (1 ms) per record, then
  returns (i, time.time_ns()), the record's creation time. Before its first record it sleeps `--settle`
  seconds, so that every operator (PyFlink: both Python workers) is up before the first stamped record;
  else start-up would show as latency.
- rebalance() puts a real exchange between the two Python functions (otherwise both engines fuse them
  into one chain and a record passes as a direct call): the record leaves Python, crosses the engine
  (PyFlink: Python worker -> JVM -> network buffer -> JVM -> Python worker; Weir: encode -> local
  channel -> decode) and enters Python again.
- Latency, the Python function right before the sink, returns time.time_ns() - created.
Both timestamps come from the same machine's clock (wall clock, no skew between processes). The
latencies are collected through execute_and_collect; p50/p90/p99/max are printed.

A warm-up job of the same shape (200 records) runs first in the same process (PyFlink: JVM start-up,
class loading).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ap = argparse.ArgumentParser()
ap.add_argument("--engine", choices=["weir", "pyflink"], required=True)
ap.add_argument("--records", type=int, default=2000)
ap.add_argument("--interval-ms", type=float, default=1.0, help="sleep per record in the first map (pacing)")
ap.add_argument("--settle", type=float, default=3.0, help="seconds the first map waits before its first record")
ap.add_argument(
    "--buffer-timeout",
    type=int,
    default=None,
    help="execution.buffer-timeout.interval in ms (unset: the engine's default; Weir 5 ms, Flink 100 ms)",
)
ap.add_argument("--bundle-size", type=int, default=None, help="PyFlink python.fn-execution.bundle.size")
ap.add_argument("--bundle-time", type=int, default=None, help="PyFlink python.fn-execution.bundle.time (ms)")
ap.add_argument("--mode", choices=["process", "thread"], default="process", help="PyFlink python.execution-mode")
ap.add_argument("--warmup", type=int, default=200)
args = ap.parse_args()

if args.engine == "weir":
    from weir.datastream import MapFunction, StreamExecutionEnvironment
    from weir.datastream.connectors import NumberSequenceSource

    from weir.common import Configuration, Types, WatermarkStrategy
else:
    if not os.environ.get("JAVA_HOME") and (Path(sys.prefix) / "java_home").exists():
        os.environ["JAVA_HOME"] = (Path(sys.prefix) / "java_home").read_text().strip()
    if args.mode == "thread":
        # pemja's interpreter inside the JVM does not see the venv's packages otherwise
        import site

        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [site.getsitepackages()[0], os.environ.get("PYTHONPATH")])
        )
    from pyflink.common import Configuration, Types, WatermarkStrategy
    from pyflink.datastream import MapFunction, StreamExecutionEnvironment
    from pyflink.datastream.connectors.number_seq import NumberSequenceSource


class Stamp(MapFunction):
    def __init__(self, interval_s: float, settle_s: float) -> None:
        self.interval_s = interval_s
        self.settle_s = settle_s
        self.first = True

    def map(self, i: Any) -> Any:
        if self.first:
            self.first = False
            time.sleep(self.settle_s)
        time.sleep(self.interval_s)
        return i, time.time_ns()


class Latency(MapFunction):
    def map(self, v: Any) -> Any:
        return time.time_ns() - v[1]


def config() -> Any:
    c = Configuration()
    if args.buffer_timeout is not None:
        c.set_string("execution.buffer-timeout.interval", f"{args.buffer_timeout} ms")
    if args.engine == "pyflink":
        c.set_string("python.executable", sys.executable)
        c.set_string("python.execution-mode", args.mode)
        if args.bundle_size is not None:
            c.set_string("python.fn-execution.bundle.size", str(args.bundle_size))
        if args.bundle_time is not None:
            c.set_string("python.fn-execution.bundle.time", str(args.bundle_time))
    return c


def job(n: int, settle: float) -> list[int]:
    env = StreamExecutionEnvironment.get_execution_environment(config())
    env.set_parallelism(1)
    ds = (
        env.from_source(NumberSequenceSource(1, n), WatermarkStrategy.no_watermarks(), "seq")
        .map(Stamp(args.interval_ms / 1000, settle), output_type=Types.TUPLE([Types.LONG(), Types.LONG()]))
        .rebalance()
        .map(Latency(), output_type=Types.LONG())
    )
    with ds.execute_and_collect("latency") as it:
        return list(it)


def pct(xs: list[int], p: float) -> float:
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] / 1e6


def main() -> None:
    job(args.warmup, 1.0)
    t0 = time.perf_counter()
    lat = sorted(job(args.records, args.settle))
    wall = time.perf_counter() - t0
    settings = [f"engine {args.engine}"]
    if args.engine == "pyflink":
        settings.append(f"mode {args.mode}")
        settings.append(f"bundle.size {args.bundle_size or 'default'}")
        settings.append(f"bundle.time {args.bundle_time if args.bundle_time is not None else 'default'}")
    settings.append(f"buffer-timeout {args.buffer_timeout if args.buffer_timeout is not None else 'default'}")
    print(
        f"latency ({', '.join(settings)}): {len(lat)} records, p50 {pct(lat, 50):.2f} ms, p90 {pct(lat, 90):.2f} ms, "
        f"p99 {pct(lat, 99):.2f} ms, max {lat[-1] / 1e6:.2f} ms, min {lat[0] / 1e6:.3f} ms, "
        f"mean {statistics.fmean(lat) / 1e6:.2f} ms; job {wall:.1f} s wall",
        flush=True,
    )


if __name__ == "__main__":
    main()
