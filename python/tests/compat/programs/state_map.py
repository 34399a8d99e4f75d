"""MapState in a KeyedProcessFunction: per-user counts per item, with contains, get, put, remove, keys."""

import sys

from pyflink.common import Row, Types
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import KeyedProcessFunction, RuntimeContext
from pyflink.datastream.state import MapStateDescriptor

EVENTS = [
    ("alice", "view", "shoes"),
    ("alice", "view", "hat"),
    ("bob", "view", "shoes"),
    ("alice", "view", "shoes"),
    ("alice", "buy", "shoes"),
    ("bob", "view", "socks"),
    ("bob", "buy", "socks"),
    ("alice", "view", "hat"),
]


class ViewsPerItem(KeyedProcessFunction):
    """Counts views per item; a purchase removes the item and reports how often it was viewed."""

    def open(self, runtime_context: RuntimeContext) -> None:
        self.views = runtime_context.get_map_state(MapStateDescriptor("views", Types.STRING(), Types.INT()))

    def process_element(self, value, ctx: KeyedProcessFunction.Context):
        user, action, item = value
        if action == "view":
            seen = self.views.get(item) if self.views.contains(item) else 0
            self.views.put(item, seen + 1)
        else:
            seen = self.views.get(item)
            self.views.remove(item)
        yield Row(
            user=user,
            action=action,
            item=item,
            views=seen + 1 if action == "view" else seen,
            tracked=",".join(sorted(self.views.keys())),
        )


def main() -> None:
    parallelism = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)

    ds = env.from_collection(EVENTS, type_info=Types.TUPLE([Types.STRING(), Types.STRING(), Types.STRING()]))
    out = ds.key_by(lambda e: e[0], key_type=Types.STRING()).process(
        ViewsPerItem(),
        output_type=Types.ROW_NAMED(
            ["user", "action", "item", "views", "tracked"],
            [Types.STRING(), Types.STRING(), Types.STRING(), Types.INT(), Types.STRING()],
        ),
    )

    with out.execute_and_collect() as results:
        for record in results:
            print(record)


if __name__ == "__main__":
    main()
