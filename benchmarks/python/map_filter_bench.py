"""Records per CPU-second of a Python map + filter, and of a keyed running sum with ValueState.

PYTHONPATH=python python benchmarks/python/map_filter_bench.py [records] [parallelism]
"""

from __future__ import annotations

import resource
import sys
import time
from typing import Any, Iterator

from weir.common.watermark_strategy import TimestampAssigner
from weir.datastream import KeyedProcessFunction, StreamExecutionEnvironment
from weir.datastream.connectors import DiscardingSink
from weir.datastream.functions import AggregateFunction
from weir.datastream.state import ValueStateDescriptor
from weir.datastream.state_backend import EmbeddedRocksDBStateBackend
from weir.datastream.window import TumblingEventTimeWindows

from weir.common import Duration, Time, Types, WatermarkStrategy


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Sum(KeyedProcessFunction):
    def open(self, ctx: Any) -> None:
        self.s = ctx.get_state(ValueStateDescriptor("s", Types.LONG()))

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


def run(name: str, build: Any, n: int, parallelism: int = 1, rocksdb: bool = False) -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    if rocksdb:
        env.set_state_backend(EmbeddedRocksDBStateBackend())
    build(env, n)
    c0, w0 = cpu(), time.time()
    env.execute(name)
    c, w = cpu() - c0, time.time() - w0
    print(
        f"{name} (p={parallelism}): {n} records, {w:.2f} s wall, {c:.2f} CPU-s, "
        f"{n / c / 1e6:.2f} M records per CPU-second, {n / w / 1e6:.2f} M per second"
    )


def map_filter(env: Any, n: int) -> None:
    (
        env.from_sequence(1, n)
        .map(
            lambda i: (i, str(i)),
            output_type=Types.TUPLE([Types.LONG(), Types.STRING()]),
        )
        .filter(lambda t: t[0] % 2 == 0)
        .sink_to(DiscardingSink())
    )


def keyed_sum(env: Any, n: int) -> None:
    (
        env.from_sequence(1, n)
        .map(lambda i: (i, str(i % 1000)))
        .key_by(lambda t: t[1])
        .process(Sum(), output_type=Types.LONG())
        .sink_to(DiscardingSink())
    )


def window_agg(env: Any, n: int) -> None:
    (
        env.from_sequence(1, n)
        .map(
            lambda i: (str(i % 1000), i),
            output_type=Types.TUPLE([Types.STRING(), Types.LONG()]),
        )
        .assign_timestamps_and_watermarks(
            WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(0)).with_timestamp_assigner(Millis())
        )
        .key_by(lambda t: t[0])
        .window(TumblingEventTimeWindows.of(Time.seconds(1)))
        .aggregate(
            Average(),
            accumulator_type=Types.TUPLE([Types.LONG(), Types.LONG()]),
            output_type=Types.DOUBLE(),
        )
        .sink_to(DiscardingSink())
    )


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    p = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    jobs = (
        sys.argv[3].split(",") if len(sys.argv) > 3 else ["map_filter", "keyed_sum", "keyed_sum_rocksdb", "window_agg"]
    )
    if "map_filter" in jobs:
        run("map+filter", map_filter, n, p)
    if "keyed_sum" in jobs:
        run("keyed sum (hashmap)", keyed_sum, n // 2, p)
    if "keyed_sum_rocksdb" in jobs:
        run("keyed sum (rocksdb)", keyed_sum, n // 2, p, rocksdb=True)
    if "window_agg" in jobs:
        run("tumbling window, AggregateFunction", window_agg, n // 2, p)
