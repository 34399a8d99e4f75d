"""Sliding event-time windows with an AggregateFunction (average) and a ProcessWindowFunction adding the window."""

import sys
from typing import Iterable

from pyflink.common import Duration, Time, Types, WatermarkStrategy
from pyflink.common.watermark_strategy import TimestampAssigner
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import AggregateFunction, ProcessWindowFunction
from pyflink.datastream.window import SlidingEventTimeWindows, TimeWindow

# (timestamp in ms, sensor, temperature), out of order by less than 1 s
TEMPERATURES = [
    (0, "t1", 20.0),
    (1000, "t2", 15.5),
    (3000, "t1", 22.0),
    (2500, "t1", 21.0),
    (4000, "t2", 16.5),
    (6000, "t1", 25.0),
    (5500, "t2", 14.0),
    (9000, "t1", 19.0),
]


class EventTimestamp(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp: int) -> int:
        return value[0]


class AverageTemperature(AggregateFunction):
    def create_accumulator(self):
        return 0.0, 0

    def add(self, value, accumulator):
        return accumulator[0] + value[2], accumulator[1] + 1

    def get_result(self, accumulator):
        return accumulator[0] / accumulator[1], accumulator[1]

    def merge(self, a, b):
        return a[0] + b[0], a[1] + b[1]


class WithWindow(ProcessWindowFunction):
    def process(self, key: str, context: ProcessWindowFunction.Context, elements: Iterable):
        window: TimeWindow = context.window()
        for average, count in elements:
            yield key, window.start, window.end, count, average


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    ds = env.from_collection(
        TEMPERATURES, type_info=Types.TUPLE([Types.LONG(), Types.STRING(), Types.DOUBLE()])
    ).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_seconds(1)).with_timestamp_assigner(EventTimestamp())
    )
    averages = (
        ds.key_by(lambda t: t[1], key_type=Types.STRING())
        .window(SlidingEventTimeWindows.of(Time.seconds(4), Time.seconds(2)))
        .aggregate(
            AverageTemperature(),
            window_function=WithWindow(),
            accumulator_type=Types.TUPLE([Types.DOUBLE(), Types.INT()]),
            output_type=Types.TUPLE([Types.STRING(), Types.LONG(), Types.LONG(), Types.INT(), Types.DOUBLE()]),
        )
    )

    with averages.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
