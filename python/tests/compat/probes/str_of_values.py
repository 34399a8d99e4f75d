"""Probe: str() and repr() of values as a PyFlink program sees them, inside a function and after execute_and_collect."""

from decimal import Decimal

from pyflink.common import Row, Types
from pyflink.datastream import StreamExecutionEnvironment


def describe(where: str, value) -> str:
    return f"{where}: type={type(value).__name__} str={value!s} repr={value!r}"


def main() -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    cases = [
        ("ROW", Types.ROW([Types.STRING(), Types.INT()]), Row("a", 1)),
        ("ROW_NAMED", Types.ROW_NAMED(["k", "v"], [Types.STRING(), Types.INT()]), Row(k="a", v=1)),
        ("ROW_NAMED positional", Types.ROW_NAMED(["k", "v"], [Types.STRING(), Types.INT()]), Row("a", 1)),
        ("TUPLE", Types.TUPLE([Types.STRING(), Types.INT()]), ("a", 1)),
        ("TUPLE from list", Types.TUPLE([Types.STRING(), Types.INT()]), ["a", 1]),
        ("pickled tuple", None, ("a", 1)),
        ("pickled Row", None, Row(k="a", v=1)),
        ("DOUBLE", Types.DOUBLE(), 0.1),
        ("DOUBLE whole", Types.DOUBLE(), 3.0),
        ("FLOAT", Types.FLOAT(), 0.1),
        ("BIG_DEC", Types.BIG_DEC(), Decimal("1.10")),
        ("pickled Decimal", None, Decimal("1.10")),
        ("LONG", Types.LONG(), 2**40),
        ("BOOLEAN", Types.BOOLEAN(), True),
        # Types.LIST(Types.INT()) with [1, 2] fails in from_collection (ClassCastException: Object[] to List)
        ("BASIC_ARRAY", Types.BASIC_ARRAY(Types.INT()), [1, 2]),
        ("MAP", Types.MAP(Types.STRING(), Types.INT()), {"a": 1}),
        # (None, 1) under TUPLE([STRING, INT]) collects fine straight from the source, but a Python
        # function on it fails the job: "IllegalArgumentException: The String record must not be null."
    ]
    streams = []
    for name, type_info, value in cases:
        ds = env.from_collection([value], type_info=type_info)
        # a map without output_type runs in a Python worker and returns a pickled string
        streams.append(ds.map(lambda v, n=name: describe("in function " + n, v)))
        with ds.execute_and_collect() as results:
            for r in results:
                print(describe("collected " + name, r))
    # the same values after a map without output_type (pickled)
    for name, type_info, value in cases[:4]:
        ds = env.from_collection([value], type_info=type_info).map(lambda v: v)
        with ds.execute_and_collect() as results:
            for r in results:
                print(describe("collected after untyped map " + name, r))
    out = streams[0].union(*streams[1:])
    with out.execute_and_collect() as results:
        for r in sorted(results):
            print(r)


if __name__ == "__main__":
    main()
