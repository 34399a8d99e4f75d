"""ReducingState (running max) and AggregatingState (running average) in a KeyedProcessFunction."""

import sys

from pyflink.common import Types
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import AggregateFunction, KeyedProcessFunction, RuntimeContext
from pyflink.datastream.state import AggregatingStateDescriptor, ReducingStateDescriptor

READINGS = [
    ("s1", 20),
    ("s2", 5),
    ("s1", 24),
    ("s1", 19),
    ("s2", 7),
    ("s2", 3),
    ("s1", 30),
]


class Average(AggregateFunction):
    """Average of ints, accumulated as (sum, count)."""

    def create_accumulator(self):
        return 0, 0

    def add(self, value, accumulator):
        return accumulator[0] + value, accumulator[1] + 1

    def get_result(self, accumulator):
        return accumulator[0] / accumulator[1]

    def merge(self, a, b):
        return a[0] + b[0], a[1] + b[1]


class MaxAndAverage(KeyedProcessFunction):
    def open(self, runtime_context: RuntimeContext) -> None:
        self.max = runtime_context.get_reducing_state(
            ReducingStateDescriptor("max", lambda a, b: max(a, b), Types.INT())
        )
        self.avg = runtime_context.get_aggregating_state(
            AggregatingStateDescriptor("avg", Average(), Types.TUPLE([Types.INT(), Types.INT()]))
        )

    def process_element(self, value, ctx: KeyedProcessFunction.Context):
        self.max.add(value[1])
        self.avg.add(value[1])
        yield value[0], value[1], self.max.get(), self.avg.get()


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    ds = env.from_collection(READINGS, type_info=Types.TUPLE([Types.STRING(), Types.INT()]))
    out = ds.key_by(lambda r: r[0], key_type=Types.STRING()).process(
        MaxAndAverage(),
        output_type=Types.TUPLE([Types.STRING(), Types.INT(), Types.INT(), Types.DOUBLE()]),
    )

    with out.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
