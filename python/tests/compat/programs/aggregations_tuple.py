"""Rolling sum/min/max/min_by/max_by by position on typed tuples, each directly keyed from the source."""

import sys

from pyflink.common import Types
from pyflink.datastream import StreamExecutionEnvironment

# (player, score, round)
SCORES = [
    ("ann", 5, 1),
    ("bob", 7, 1),
    ("ann", 3, 2),
    ("bob", 9, 2),
    ("ann", 8, 3),
    ("ann", 3, 4),
    ("bob", 2, 3),
]


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    ds = env.from_collection(SCORES, type_info=Types.TUPLE([Types.STRING(), Types.INT(), Types.INT()]))

    def keyed():
        return ds.key_by(lambda s: s[0], key_type=Types.STRING())

    outputs = [
        keyed().sum(1).map(lambda r: "sum(1) " + str(r), output_type=Types.STRING()),
        keyed().min(1).map(lambda r: "min(1) " + str(r), output_type=Types.STRING()),
        keyed().max(1).map(lambda r: "max(1) " + str(r), output_type=Types.STRING()),
        keyed().min_by(1).map(lambda r: "min_by(1) " + str(r), output_type=Types.STRING()),
        keyed().max_by(1).map(lambda r: "max_by(1) " + str(r), output_type=Types.STRING()),
        keyed().sum(2).map(lambda r: "sum(2) " + str(r), output_type=Types.STRING()),
    ]
    out = outputs[0].union(*outputs[1:])

    with out.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
