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


def collect(ds) -> None:
    with ds.execute_and_collect() as results:
        for line in results:
            print(line)


def main() -> None:
    print("in the driver: str(Row('ada', 36)) =", str(Row("ada", 36)), " str(Row(who='ada')) =", Row(who="ada"))

    def source():
        env = StreamExecutionEnvironment.get_execution_environment()
        env.set_parallelism(1)
        return env.from_collection([("ada", 36)], type_info=Types.TUPLE([Types.STRING(), Types.INT()]))

    # the positional Row's only consumer is the next map: the two are chained in one Python worker
    collect(
        source()
        .map(lambda p: Row(p[0], p[1]), output_type=NAMED)
        .map(lambda r: describe("positional, next map (chained)", r), output_type=Types.STRING())
    )
    # the same under Types.ROW (unnamed) and after a filter
    collect(
        source()
        .map(lambda p: Row(p[0], p[1]), output_type=Types.ROW([Types.STRING(), Types.INT()]))
        .map(lambda r: describe("positional under ROW, next map (chained)", r), output_type=Types.STRING())
    )
    collect(
        source()
        .filter(lambda p: True)
        .map(lambda p: Row(p[0], p[1]), output_type=NAMED)
        .map(lambda r: describe("positional after filter, next map (chained)", r), output_type=Types.STRING())
    )
    # the same after a key_by, which serializes the Row with its declared type
    collect(
        source()
        .map(lambda p: Row(p[0], p[1]), output_type=NAMED)
        .key_by(lambda r: r[0], key_type=Types.STRING())
        .map(lambda r: describe("positional, after key_by", r), output_type=Types.STRING())
    )
    # keyword Rows in another order than the declared fields
    collect(
        source()
        .map(lambda p: Row(years=p[1], who=p[0]), output_type=NAMED)
        .map(lambda r: describe("keywords in other order, next map (chained)", r), output_type=Types.STRING())
    )
    collect(
        source()
        .map(lambda p: Row(years=p[1], who=p[0]), output_type=NAMED)
        .key_by(lambda r: 0, key_type=Types.INT())
        .map(lambda r: describe("keywords in other order, after key_by", r), output_type=Types.STRING())
    )
    # an int returned under Types.DOUBLE(): in the chain, after key_by, and collected
    collect(
        source()
        .map(lambda p: p[1], output_type=Types.DOUBLE())
        .map(lambda v: f"int under DOUBLE, next map (chained): {v!r}", output_type=Types.STRING())
    )
    collect(
        source()
        .map(lambda p: p[1], output_type=Types.DOUBLE())
        .key_by(lambda v: 0, key_type=Types.INT())
        .map(lambda v: f"int under DOUBLE, after key_by: {v!r}", output_type=Types.STRING())
    )
    with source().map(lambda p: p[1], output_type=Types.DOUBLE()).execute_and_collect() as results:
        for v in results:
            print(f"int under DOUBLE, collected: {v!r}")
    # collected directly: the driver deserializes with the declared type
    ds = source().map(lambda p: Row(p[0], p[1]), output_type=NAMED)
    with ds.execute_and_collect() as results:
        for r in results:
            print(describe("positional, collected", r))


if __name__ == "__main__":
    main()
