"""Session windows (EventTimeSessionWindows.with_gap) with a ProcessWindowFunction that reports each session."""

import sys
from typing import Iterable

from pyflink.common import Time, Types, WatermarkStrategy
from pyflink.common.watermark_strategy import TimestampAssigner
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import ProcessWindowFunction
from pyflink.datastream.window import EventTimeSessionWindows

# (user, page, timestamp in ms), in timestamp order
VISITS = [
    ("ann", "home", 1000),
    ("ben", "home", 1200),
    ("ann", "search", 2000),
    ("ann", "item", 4500),
    ("ben", "cart", 9000),
    ("ann", "home", 12000),
    ("ann", "cart", 13500),
    ("ben", "pay", 14000),
]


class VisitTimestamp(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp: int) -> int:
        return value[2]


class DescribeSession(ProcessWindowFunction):
    def process(self, key: str, context: ProcessWindowFunction.Context, elements: Iterable):
        pages = [visit[1] for visit in sorted(elements, key=lambda v: v[2])]
        yield f"{key} {context.window()} pages={pages} count={len(pages)}"


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    ds = env.from_collection(
        VISITS, type_info=Types.TUPLE([Types.STRING(), Types.STRING(), Types.LONG()])
    ).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(VisitTimestamp())
    )
    sessions = (
        ds.key_by(lambda v: v[0], key_type=Types.STRING())
        .window(EventTimeSessionWindows.with_gap(Time.seconds(3)))
        .process(DescribeSession(), output_type=Types.STRING())
    )

    with sessions.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
