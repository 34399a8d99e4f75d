"""connect two keyed streams with a KeyedCoProcessFunction: a join that buffers whichever side comes first."""

import sys

from pyflink.common import Types
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import KeyedCoProcessFunction, RuntimeContext
from pyflink.datastream.state import ListStateDescriptor, ValueStateDescriptor

ORDERS = [("o1", "apple", 3), ("o2", "pear", 1), ("o3", "apple", 2), ("o4", "kiwi", 5), ("o5", "pear", 4)]
PRICES = [("pear", 0.5), ("apple", 1.25), ("plum", 2.0)]


class JoinOrdersWithPrices(KeyedCoProcessFunction):
    """Emits each order with its total once the product's price is known, whichever arrives first."""

    def open(self, runtime_context: RuntimeContext) -> None:
        self.price = runtime_context.get_state(ValueStateDescriptor("price", Types.DOUBLE()))
        self.waiting = runtime_context.get_list_state(
            ListStateDescriptor("waiting", Types.TUPLE([Types.STRING(), Types.STRING(), Types.INT()]))
        )

    def process_element1(self, value, ctx: KeyedCoProcessFunction.Context):
        price = self.price.value()
        if price is None:
            self.waiting.add(value)
        else:
            yield value[0], ctx.get_current_key(), value[2] * price

    def process_element2(self, value, ctx: KeyedCoProcessFunction.Context):
        self.price.update(value[1])
        for order in self.waiting.get():
            yield order[0], ctx.get_current_key(), order[2] * value[1]
        self.waiting.clear()


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    orders = env.from_collection(ORDERS, type_info=Types.TUPLE([Types.STRING(), Types.STRING(), Types.INT()]))
    prices = env.from_collection(PRICES, type_info=Types.TUPLE([Types.STRING(), Types.DOUBLE()]))
    joined = (
        orders.connect(prices)
        .key_by(lambda o: o[1], lambda p: p[0], key_type=Types.STRING())
        .process(
            JoinOrdersWithPrices(),
            output_type=Types.TUPLE([Types.STRING(), Types.STRING(), Types.DOUBLE()]),
        )
    )

    with joined.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
