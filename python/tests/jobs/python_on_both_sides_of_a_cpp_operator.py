"""A chain with Python before and after a C++ operator, under backpressure (run by test_datastream.py).

map (Python) -> assign_timestamps_and_watermarks (C++, Python assigner) -> key_by (Python) in one task,
then a window with a Python AggregateFunction in another. Prints one line per window result:
``key window_end count total``.
"""

from __future__ import annotations

import sys
from typing import Any

from weir.common import Duration, Types, WatermarkStrategy
from weir.common.watermark_strategy import TimestampAssigner
from weir.datastream import StreamExecutionEnvironment
from weir.datastream.functions import AggregateFunction, ProcessWindowFunction
from weir.datastream.window import TumblingEventTimeWindows


class Ts(TimestampAssigner):
    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        return value[1] // 10


class CountSum(AggregateFunction):
    def create_accumulator(self) -> tuple[int, int]:
        return 0, 0

    def add(self, value: Any, acc: tuple[int, int]) -> tuple[int, int]:
        return acc[0] + 1, acc[1] + value[1]

    def get_result(self, acc: tuple[int, int]) -> tuple[int, int]:
        return acc

    def merge(self, a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
        return a[0] + b[0], a[1] + b[1]


class WithWindow(ProcessWindowFunction):
    def process(self, key: Any, context: Any, elements: Any) -> Any:
        for count, total in elements:
            yield f"{key} {context.window().end} {count} {total}"


def main(n: int) -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    (
        env.from_sequence(0, n - 1)
        .map(lambda i: (str(i % 100), i), output_type=Types.TUPLE([Types.STRING(), Types.LONG()]))
        .assign_timestamps_and_watermarks(
            WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(0)).with_timestamp_assigner(Ts())
        )
        .key_by(lambda t: t[0])
        .window(TumblingEventTimeWindows.of(Duration.of_seconds(1)))
        .aggregate(CountSum(), WithWindow(), accumulator_type=Types.TUPLE([Types.LONG(), Types.LONG()]))
        .print()
    )
    env.execute("python on both sides of a C++ operator")


if __name__ == "__main__":
    main(int(sys.argv[1]))
