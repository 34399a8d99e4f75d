"""Rolling sum/min/max/min_by/max_by by field name and by position on named Rows (Types.ROW_NAMED)."""

import sys

from pyflink.common import Row, Types
from pyflink.datastream import StreamExecutionEnvironment

SCORE = Types.ROW_NAMED(["player", "score", "round"], [Types.STRING(), Types.INT(), Types.INT()])

SCORES = [
    Row("ann", 5, 1),
    Row("bob", 7, 1),
    Row("ann", 3, 2),
    Row("bob", 9, 2),
    Row("ann", 8, 3),
    Row("ann", 3, 4),
    Row("bob", 2, 3),
]


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    ds = env.from_collection(SCORES, type_info=SCORE)

    def keyed():
        return ds.key_by(lambda s: s.player, key_type=Types.STRING())

    outputs = [
        keyed().sum("score").map(lambda r: "sum('score') " + str(r), output_type=Types.STRING()),
        keyed().min("score").map(lambda r: "min('score') " + str(r), output_type=Types.STRING()),
        keyed().max("score").map(lambda r: "max('score') " + str(r), output_type=Types.STRING()),
        keyed().min_by("score").map(lambda r: "min_by('score') " + str(r), output_type=Types.STRING()),
        keyed().max_by("score").map(lambda r: "max_by('score') " + str(r), output_type=Types.STRING()),
        keyed().sum(2).map(lambda r: "sum(2) " + str(r), output_type=Types.STRING()),
    ]
    out = outputs[0].union(*outputs[1:])

    with out.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
