"""Keyed state in a KeyedProcessFunction: ValueState counts per key, ListState buffers and is cleared."""

import sys

from pyflink.common import Types
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import KeyedProcessFunction, RuntimeContext
from pyflink.datastream.state import ListStateDescriptor, ValueStateDescriptor

PURCHASES = [
    ("alice", "apple"),
    ("bob", "bread"),
    ("alice", "pear"),
    ("carol", "milk"),
    ("alice", "plum"),
    ("bob", "butter"),
    ("alice", "fig"),
    ("bob", "beer"),
]


class BatchOfThree(KeyedProcessFunction):
    """Counts purchases per user and emits every third one together with the two before it."""

    def open(self, runtime_context: RuntimeContext) -> None:
        self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.LONG()))
        self.pending = runtime_context.get_list_state(ListStateDescriptor("pending", Types.STRING()))

    def process_element(self, value, ctx: KeyedProcessFunction.Context):
        count = (self.count.value() or 0) + 1
        self.count.update(count)
        self.pending.add(value[1])
        if count % 3 == 0:
            yield ctx.get_current_key(), count, ",".join(self.pending.get())
            self.pending.clear()
        else:
            yield ctx.get_current_key(), count, "pending=" + str(len(list(self.pending.get())))


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    ds = env.from_collection(PURCHASES, type_info=Types.TUPLE([Types.STRING(), Types.STRING()]))
    out = ds.key_by(lambda p: p[0], key_type=Types.STRING()).process(
        BatchOfThree(), output_type=Types.TUPLE([Types.STRING(), Types.LONG(), Types.STRING()])
    )

    with out.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
