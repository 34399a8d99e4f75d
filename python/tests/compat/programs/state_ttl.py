"""State TTL configuration (StateTtlConfig on a ValueStateDescriptor) with a TTL long enough that nothing expires."""

import sys

from pyflink.common import Time, Types
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import KeyedProcessFunction, RuntimeContext
from pyflink.datastream.state import StateTtlConfig, ValueStateDescriptor

LOGINS = [("ann", "web"), ("bob", "app"), ("ann", "app"), ("ann", "web"), ("bob", "web")]


class LastDevice(KeyedProcessFunction):
    """Reports the device of each user's previous login, kept in a ValueState with a one-hour TTL."""

    def open(self, runtime_context: RuntimeContext) -> None:
        ttl = (
            StateTtlConfig.new_builder(Time.hours(1))
            .set_update_type(StateTtlConfig.UpdateType.OnCreateAndWrite)
            .set_state_visibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
            .build()
        )
        descriptor = ValueStateDescriptor("last_device", Types.STRING())
        descriptor.enable_time_to_live(ttl)
        self.last = runtime_context.get_state(descriptor)

    def process_element(self, value, ctx: KeyedProcessFunction.Context):
        previous = self.last.value()
        self.last.update(value[1])
        yield value[0], value[1], previous if previous is not None else "-"


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    ds = env.from_collection(LOGINS, type_info=Types.TUPLE([Types.STRING(), Types.STRING()]))
    out = ds.key_by(lambda login: login[0], key_type=Types.STRING()).process(
        LastDevice(), output_type=Types.TUPLE([Types.STRING(), Types.STRING(), Types.STRING()])
    )

    with out.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
