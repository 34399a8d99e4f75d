"""Tumbling event-time windows with reduce, timestamps from a TimestampAssigner, monotonous watermarks."""

import sys

from pyflink.common import Time, Types, WatermarkStrategy
from pyflink.common.watermark_strategy import TimestampAssigner
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.window import TumblingEventTimeWindows

# (page, clicks, timestamp in ms), in timestamp order
CLICKS = [
    ("home", 1, 100),
    ("cart", 2, 1500),
    ("home", 3, 4000),
    ("home", 1, 4999),
    ("cart", 5, 5000),
    ("home", 2, 7300),
    ("cart", 1, 9999),
    ("home", 4, 12000),
]


class ClickTimestamp(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp: int) -> int:
        return value[2]


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    ds = env.from_collection(
        CLICKS, type_info=Types.TUPLE([Types.STRING(), Types.INT(), Types.LONG()])
    ).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(ClickTimestamp())
    )
    totals = (
        ds.key_by(lambda c: c[0], key_type=Types.STRING())
        .window(TumblingEventTimeWindows.of(Time.seconds(5)))
        .reduce(lambda a, b: (a[0], a[1] + b[1], max(a[2], b[2])))
    )

    with totals.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
