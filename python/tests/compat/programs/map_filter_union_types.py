"""map with output_type Types.ROW_NAMED and Types.TUPLE, filter, union, and how typed results print."""

import sys

from pyflink.common import Row, Types
from pyflink.datastream import StreamExecutionEnvironment

PEOPLE = [("ada", 36, 1.5), ("alan", 41, 2.0), ("grace", 85, 0.25), ("linus", 21, 3.0)]

PERSON = Types.ROW_NAMED(["name", "age", "score"], [Types.STRING(), Types.INT(), Types.DOUBLE()])


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    ds = env.from_collection(PEOPLE, type_info=Types.TUPLE([Types.STRING(), Types.INT(), Types.DOUBLE()]))

    as_rows = ds.map(lambda p: Row(name=p[0], age=p[1], score=p[2]), output_type=PERSON)
    older = as_rows.filter(lambda r: r.age > 30)
    as_tuples = older.map(lambda r: (r.name.upper(), r.age + 1), output_type=Types.TUPLE([Types.STRING(), Types.INT()]))
    # positional Rows under Types.ROW print with field names f0, f1, ... once serialized (here by key_by)
    unnamed = (
        ds.filter(lambda p: p[2] >= 2.0)
        .map(lambda p: Row(p[0], p[2] * 2), output_type=Types.ROW([Types.STRING(), Types.DOUBLE()]))
        .key_by(lambda r: r[0], key_type=Types.STRING())
    )
    # positional Rows under ROW_NAMED get their field names when they cross a shuffle (key_by)
    by_key = ds.map(
        lambda p: Row(p[0], p[1]), output_type=Types.ROW_NAMED(["who", "years"], [Types.STRING(), Types.INT()])
    ).key_by(lambda r: r[0], key_type=Types.STRING())

    out = (
        older.map(lambda r: "row_named " + str(r), output_type=Types.STRING())
        .union(as_tuples.map(lambda t: "tuple " + str(t), output_type=Types.STRING()))
        .union(unnamed.map(lambda r: "row " + str(r), output_type=Types.STRING()))
        .union(by_key.map(lambda r: f"keyed {r} who={r.who} years={r['years']}", output_type=Types.STRING()))
    )

    with out.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
