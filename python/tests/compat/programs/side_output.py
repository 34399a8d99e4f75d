"""Side outputs: a ProcessFunction yields (OutputTag, value) pairs, get_side_output reads them, union of tags."""

import sys

from pyflink.common import Types
from pyflink.datastream import OutputTag, StreamExecutionEnvironment
from pyflink.datastream.functions import ProcessFunction

LARGE = OutputTag("large", Types.TUPLE([Types.STRING(), Types.INT()]))
INVALID = OutputTag("invalid", Types.STRING())

PAYMENTS = [("p1", 40), ("p2", 2500), ("p3", -5), ("p4", 120), ("p5", 9000), ("p6", 0)]


class RoutePayments(ProcessFunction):
    """Normal payments go to the main output, large ones to LARGE, non-positive ones to INVALID."""

    def process_element(self, value, ctx: ProcessFunction.Context):
        payment_id, amount = value
        if amount <= 0:
            yield INVALID, f"{payment_id} has amount {amount}"
        elif amount >= 1000:
            yield LARGE, value
            yield payment_id, amount // 100
        else:
            yield payment_id, amount


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    ds = env.from_collection(PAYMENTS, type_info=Types.TUPLE([Types.STRING(), Types.INT()]))
    main_out = ds.process(RoutePayments(), output_type=Types.TUPLE([Types.STRING(), Types.INT()]))
    large = main_out.get_side_output(LARGE)
    invalid = main_out.get_side_output(INVALID)

    out = main_out.map(lambda r: "main " + str(r), output_type=Types.STRING()).union(
        large.map(lambda r: "large " + str(r), output_type=Types.STRING()),
        invalid.map(lambda r: "invalid " + r, output_type=Types.STRING()),
    )

    with out.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
