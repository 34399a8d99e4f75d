"""Event-time timers: a TimestampAssigner and bounded out-of-orderness watermarks; on_timer emits per-second sums."""

import sys

from pyflink.common import Duration, Types, WatermarkStrategy
from pyflink.common.watermark_strategy import TimestampAssigner
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import KeyedProcessFunction, RuntimeContext
from pyflink.datastream.state import MapStateDescriptor

# (timestamp in ms, sensor, reading); out of order by at most 1.5 s
READINGS = [
    (1000, "a", 3),
    (1500, "b", 10),
    (1200, "a", 4),
    (2100, "a", 1),
    (900, "b", 2),
    (2500, "b", 5),
    (3700, "a", 8),
    (2999, "a", 6),
    (4200, "b", 7),
    (3000, "b", 1),
]


class ReadingTimestamp(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp: int) -> int:
        return value[0]


class PerSecondSum(KeyedProcessFunction):
    """Sums readings per sensor and whole second; a timer at the second's end emits the sum."""

    def open(self, runtime_context: RuntimeContext) -> None:
        self.sums = runtime_context.get_map_state(MapStateDescriptor("sums", Types.LONG(), Types.INT()))

    def process_element(self, value, ctx: KeyedProcessFunction.Context):
        second_end = (ctx.timestamp() // 1000 + 1) * 1000
        current = self.sums.get(second_end) if self.sums.contains(second_end) else 0
        self.sums.put(second_end, current + value[2])
        ctx.timer_service().register_event_time_timer(second_end - 1)

    def on_timer(self, timestamp: int, ctx: KeyedProcessFunction.OnTimerContext):
        second_end = timestamp + 1
        yield ctx.get_current_key(), second_end - 1000, second_end, self.sums.get(second_end)
        self.sums.remove(second_end)


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    ds = env.from_collection(
        READINGS, type_info=Types.TUPLE([Types.LONG(), Types.STRING(), Types.INT()])
    ).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_seconds(2)).with_timestamp_assigner(
            ReadingTimestamp()
        )
    )
    out = ds.key_by(lambda r: r[1], key_type=Types.STRING()).process(
        PerSecondSum(),
        output_type=Types.TUPLE([Types.STRING(), Types.LONG(), Types.LONG(), Types.INT()]),
    )

    with out.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
