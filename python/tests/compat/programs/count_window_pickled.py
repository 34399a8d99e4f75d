"""Count windows on a stream without type_info (pickled tuples): count_window(3).reduce and count_window(2, 1).apply."""

import sys
from typing import Iterable

from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import WindowFunction
from pyflink.datastream.window import CountWindow

ORDERS = [
    ("tea", 2),
    ("coffee", 1),
    ("tea", 5),
    ("coffee", 3),
    ("tea", 1),
    ("tea", 4),
    ("coffee", 2),
    ("tea", 7),
    ("coffee", 6),
]


class PairUp(WindowFunction):
    """Emits the quantities of each window of the last two orders of a product."""

    def apply(self, key: str, window: CountWindow, inputs: Iterable):
        yield key, [quantity for _, quantity in inputs]


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    ds = env.from_collection(ORDERS)
    by_product = ds.key_by(lambda o: o[0])
    threes = by_product.count_window(3).reduce(lambda a, b: (a[0], a[1] + b[1]))
    pairs = by_product.count_window(2, 1).apply(PairUp())
    out = threes.map(lambda r: "sum of 3: " + str(r)).union(pairs.map(lambda r: "last 2: " + str(r)))

    with out.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
