"""Probe: the exceptions PyFlink raises for common misuses (each case runs its own small job)."""

import re
import sys
import traceback

from pyflink.common import Duration, Time, Types, WatermarkStrategy
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import KeyedProcessFunction, ProcessFunction, RuntimeContext
from pyflink.datastream.state import ListStateDescriptor, ValueStateDescriptor
from pyflink.datastream.window import TumblingEventTimeWindows

ERROR_LINE = re.compile(r"^\s*([\w.$]*(Error|Exception)(: .*)?)$")


class ListFromValueDescriptor(KeyedProcessFunction):
    def open(self, runtime_context: RuntimeContext) -> None:
        self.state = runtime_context.get_list_state(ValueStateDescriptor("v", Types.INT()))

    def process_element(self, value, ctx):
        self.state.add(value)
        yield value


class ValueFromListDescriptor(KeyedProcessFunction):
    def open(self, runtime_context: RuntimeContext) -> None:
        self.state = runtime_context.get_state(ListStateDescriptor("l", Types.INT()))

    def process_element(self, value, ctx):
        self.state.update(value)
        yield value


class SameNameTwoKinds(KeyedProcessFunction):
    def open(self, runtime_context: RuntimeContext) -> None:
        self.a = runtime_context.get_state(ValueStateDescriptor("same", Types.INT()))
        self.b = runtime_context.get_list_state(ListStateDescriptor("same", Types.INT()))

    def process_element(self, value, ctx):
        self.a.update(value)
        self.b.add(value)
        yield value


class TimerOnNonKeyed(ProcessFunction):
    def process_element(self, value, ctx):
        ctx.timer_service().register_event_time_timer(10)
        yield value


def env():
    e = StreamExecutionEnvironment.get_execution_environment()
    e.set_parallelism(1)
    return e


def ints(e):
    return e.from_collection([1, 2], type_info=Types.INT())


def run(ds) -> None:
    with ds.execute_and_collect() as results:
        for r in results:
            print("    result", r)


CASES = {
    "get_list_state(ValueStateDescriptor)": lambda: run(
        ints(env()).key_by(lambda x: x).process(ListFromValueDescriptor(), Types.INT())
    ),
    "get_state(ListStateDescriptor)": lambda: run(
        ints(env()).key_by(lambda x: x).process(ValueFromListDescriptor(), Types.INT())
    ),
    "same state name for a ValueState and a ListState": lambda: run(
        ints(env()).key_by(lambda x: x).process(SameNameTwoKinds(), Types.INT())
    ),
    "register_event_time_timer in a ProcessFunction on a non-keyed stream": lambda: run(
        ints(env()).process(TimerOnNonKeyed(), Types.INT())
    ),
    "map returning a str under output_type=Types.INT()": lambda: run(
        ints(env()).map(lambda x: "s" + str(x), output_type=Types.INT())
    ),
    "map returning an int under output_type=Types.STRING()": lambda: run(
        ints(env()).map(lambda x: x + 1, output_type=Types.STRING())
    ),
    "TumblingEventTimeWindows.of(Duration.of_seconds(5))": lambda: TumblingEventTimeWindows.of(Duration.of_seconds(5)),
    "event-time window without assign_timestamps_and_watermarks": lambda: run(
        ints(env())
        .key_by(lambda x: x % 2)
        .window(TumblingEventTimeWindows.of(Time.seconds(5)))
        .reduce(lambda a, b: a + b)
    ),
    "for_bounded_out_of_orderness without a timestamp assigner, event-time window": lambda: run(
        ints(env())
        .assign_timestamps_and_watermarks(WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_seconds(1)))
        .key_by(lambda x: x % 2)
        .window(TumblingEventTimeWindows.of(Time.seconds(5)))
        .reduce(lambda a, b: a + b)
    ),
    "sum('x') on a typed tuple": lambda: run(
        env()
        .from_collection([("a", 1), ("a", 2)], type_info=Types.TUPLE([Types.STRING(), Types.INT()]))
        .key_by(lambda t: t[0])
        .sum("x")
    ),
    "sum(1) on plain ints": lambda: run(ints(env()).key_by(lambda x: 0).sum(1)),
    "with_timestamp_assigner(lambda)": lambda: run(
        ints(env()).assign_timestamps_and_watermarks(
            WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(lambda v, ts: v)
        )
    ),
}


def main() -> None:
    chosen = sys.argv[1:] or list(CASES)
    for name in chosen:
        print(f"== {name}")
        try:
            CASES[name]()
            print("    no error")
        except BaseException as error:  # noqa: BLE001 - the point is to show any error
            text = "".join(traceback.format_exception_only(type(error), error))
            text += str(error)
            lines = [m.group(1) for m in map(ERROR_LINE.match, text.splitlines()) if m]
            print(f"    raised {type(error).__module__}.{type(error).__name__}")
            for line in dict.fromkeys(lines[-6:]):
                print("    " + line[:300])


if __name__ == "__main__":
    main()
