"""connect with a CoMapFunction and a CoFlatMapFunction on streams without type_info (pickled values)."""

import sys

from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import CoFlatMapFunction, CoMapFunction


class Describe(CoMapFunction):
    def map1(self, value):
        return f"number {value} squared is {value * value}"

    def map2(self, value):
        return f"word {value!r} has {len(value)} letters"


class Explode(CoFlatMapFunction):
    def flat_map1(self, value):
        for i in range(value):
            yield value, i

    def flat_map2(self, value):
        for letter in value:
            yield letter, None


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    numbers = env.from_collection([3, 1, 2])
    words = env.from_collection(["ab", "flink", "c"])

    described = numbers.connect(words).map(Describe())
    exploded = numbers.connect(words).flat_map(Explode())
    out = described.union(exploded.map(lambda pair: f"exploded {pair}"))

    with out.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
