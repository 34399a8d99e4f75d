"""Broadcast state: broadcast(MapStateDescriptor), connect, KeyedBroadcastProcessFunction with event-time timers."""

import sys

from pyflink.common import Types, WatermarkStrategy
from pyflink.common.watermark_strategy import TimestampAssigner
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import KeyedBroadcastProcessFunction, RuntimeContext
from pyflink.datastream.state import ListStateDescriptor, MapStateDescriptor

RATES = MapStateDescriptor("rates", Types.STRING(), Types.DOUBLE())

# (timestamp in ms, account, currency, amount), in timestamp order
PAYMENTS = [
    (1000, "acc1", "EUR", 10.0),
    (2000, "acc2", "USD", 20.0),
    (3000, "acc1", "GBP", 5.0),
    (4000, "acc1", "USD", 1.0),
    (5000, "acc2", "CHF", 7.0),
]
RATE_UPDATES = [("EUR", 1.0), ("USD", 0.5), ("GBP", 1.25)]


class PaymentTimestamp(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp: int) -> int:
        return value[0]


class ConvertToEur(KeyedBroadcastProcessFunction):
    """Buffers payments until their event-time timer fires, then converts them with the broadcast rates.

    The rate stream has no watermarks, so the operator's watermark (the minimum of both inputs)
    only passes a payment's timestamp once every rate has arrived: the output does not depend on
    how the two inputs interleave.
    """

    def open(self, runtime_context: RuntimeContext) -> None:
        self.buffered = runtime_context.get_list_state(
            ListStateDescriptor("buffered", Types.TUPLE([Types.LONG(), Types.STRING(), Types.STRING(), Types.DOUBLE()]))
        )

    def process_element(self, value, ctx: KeyedBroadcastProcessFunction.ReadOnlyContext):
        self.buffered.add(value)
        ctx.timer_service().register_event_time_timer(value[0])

    def process_broadcast_element(self, value, ctx: KeyedBroadcastProcessFunction.Context):
        ctx.get_broadcast_state(RATES).put(value[0], value[1])

    def on_timer(self, timestamp: int, ctx: KeyedBroadcastProcessFunction.OnTimerContext):
        rates = ctx.get_broadcast_state(RATES)
        remaining = []
        for payment in self.buffered.get():
            if payment[0] > timestamp:
                remaining.append(payment)
            elif rates.contains(payment[2]):
                yield f"{ctx.get_current_key()} at {timestamp}: {payment[3] * rates.get(payment[2])} EUR"
            else:
                yield f"{ctx.get_current_key()} at {timestamp}: no rate for {payment[2]}"
        self.buffered.update(remaining)


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    payments = env.from_collection(
        PAYMENTS,
        type_info=Types.TUPLE([Types.LONG(), Types.STRING(), Types.STRING(), Types.DOUBLE()]),
    ).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(PaymentTimestamp())
    )
    rates = env.from_collection(RATE_UPDATES, type_info=Types.TUPLE([Types.STRING(), Types.DOUBLE()]))

    out = (
        payments.key_by(lambda p: p[1], key_type=Types.STRING())
        .connect(rates.broadcast(RATES))
        .process(ConvertToEur(), output_type=Types.STRING())
    )

    with out.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
