"""Probe: a Row built positionally in a function, seen by the next (chained) function and after a key_by."""

from pyflink.common import Row, Types
from pyflink.datastream import StreamExecutionEnvironment

NAMED = Types.ROW_NAMED(["who", "years"], [Types.STRING(), Types.INT()])


def describe(where: str, row) -> str:
    fields = getattr(row, "_fields", None)
    try:
        who = row.who
    except AttributeError as error:
        who = f"AttributeError: {error}"
    return f"{where}: str={row} _fields={fields} row.who -> {who}"


def main() -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    ds = env.from_collection([("ada", 36)], type_info=Types.TUPLE([Types.STRING(), Types.INT()]))
    rows = ds.map(lambda p: Row(p[0], p[1]), output_type=NAMED)
    chained = rows.map(lambda r: describe("next map (chained)", r), output_type=Types.STRING())
    keyed = rows.key_by(lambda r: r[0], key_type=Types.STRING()).map(
        lambda r: describe("after key_by", r), output_type=Types.STRING()
    )
    print("in the driver: str(Row('ada', 36)) =", str(Row("ada", 36)), " str(Row(who='ada')) =", Row(who="ada"))
    with chained.union(keyed).execute_and_collect() as results:
        for line in sorted(results):
            print(line)
    # keyword Rows in another order than the declared fields
    shuffled = ds.map(lambda p: Row(years=p[1], who=p[0]), output_type=NAMED)
    with (
        shuffled.key_by(lambda r: 0)
        .map(lambda r: describe("keywords in other order, after key_by", r))
        .execute_and_collect() as results
    ):
        for line in results:
            print(line)
    with rows.execute_and_collect() as results:
        for r in results:
            print(describe("collected", r))


if __name__ == "__main__":
    main()
