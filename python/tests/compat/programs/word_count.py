"""Word count: flat_map with a generator that yields, map to a typed tuple, key_by, rolling reduce."""

import sys

from pyflink.common import Types
from pyflink.datastream import StreamExecutionEnvironment

LINES = [
    "to be or not to be",
    "that is the question",
    "whether tis nobler in the mind to suffer",
    "to sleep perchance to dream",
]


def split(line: str):
    yield from line.split()


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    counts = (
        env.from_collection(LINES, type_info=Types.STRING())
        .flat_map(split, output_type=Types.STRING())
        .map(lambda word: (word, 1), output_type=Types.TUPLE([Types.STRING(), Types.INT()]))
        .key_by(lambda pair: pair[0], key_type=Types.STRING())
        .reduce(lambda a, b: (a[0], a[1] + b[1]))
    )

    with counts.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
