"""Jobs through the embedded MiniCluster, checked against references computed here in plain Python."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter, defaultdict
from typing import Any, Iterator

import pytest

from weir.common import Row, Types, WatermarkStrategy
from weir.common.time import Duration
from weir.common.watermark_strategy import TimestampAssigner
from weir.datastream import (
    AggregateFunction,
    KeyedProcessFunction,
    OutputTag,
    ProcessFunction,
    StreamExecutionEnvironment,
)
from weir.datastream.state import ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor
from weir.datastream.window import TumblingEventTimeWindows

WORDS = ["to be or not to be", "that is the question", "to sleep perchance to dream", "be quick"]


def env_with(parallelism: int) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    return env


@pytest.mark.parametrize("p", [1, 3])
def test_word_count_with_generator_flat_map(p: int) -> None:
    env = env_with(p)

    def split(line: str) -> Iterator[tuple[str, int]]:
        for w in line.split():
            yield w, 1

    ds = (
        env.from_collection(WORDS, type_info=Types.STRING())
        .flat_map(split, output_type=Types.TUPLE([Types.STRING(), Types.INT()]))
        .key_by(lambda t: t[0], key_type=Types.STRING())
        .reduce(lambda a, b: (a[0], a[1] + b[1]))
    )
    with ds.execute_and_collect() as results:
        out = list(results)
    final: dict[str, int] = {}
    for w, c in out:
        final[w] = max(final.get(w, 0), c)
    assert final == dict(Counter(w for line in WORDS for w in line.split()))
    assert len(out) == sum(len(line.split()) for line in WORDS)  # rolling: one result per record


def test_map_filter_chain_without_types_keeps_python_objects() -> None:
    env = env_with(2)
    data = [(i, str(i), {"k": [i]}) for i in range(100)]
    out = (
        env.from_collection(data)
        .map(lambda t: (t[0] * 2, t[1], t[2]))
        .filter(lambda t: t[0] % 3 == 0)
        .execute_and_collect()
    )
    got = sorted(out, key=lambda t: t[0])
    assert got == [(i * 2, str(i), {"k": [i]}) for i in range(100) if (i * 2) % 3 == 0]


def test_row_named_output_type_names_fields() -> None:
    env = env_with(1)
    out = list(
        env.from_collection([1, 2])
        .map(lambda i: Row(i, str(i)), output_type=Types.ROW_NAMED(["id", "name"], [Types.INT(), Types.STRING()]))
        .execute_and_collect()
    )
    assert [repr(r) for r in out] == ["Row(id=1, name='1')", "Row(id=2, name='2')"]
    assert out[0].name == "1"


class RunningStats(KeyedProcessFunction):
    """Value, list and map state per key."""

    def open(self, ctx: Any) -> None:
        self.total = ctx.get_state(ValueStateDescriptor("total", Types.LONG()))
        self.seen = ctx.get_list_state(ListStateDescriptor("seen", Types.LONG()))
        self.counts = ctx.get_map_state(MapStateDescriptor("counts", Types.LONG(), Types.LONG()))

    def process_element(self, value: tuple[str, int], ctx: Any) -> Iterator[Any]:
        t = (self.total.value() or 0) + value[1]
        self.total.update(t)
        self.seen.add(value[1])
        self.counts.put(value[1], (self.counts.get(value[1]) or 0) + 1)
        yield ctx.get_current_key(), t, len(self.seen.get()), dict(self.counts.items())


@pytest.mark.parametrize("backend", ["hashmap", "rocksdb"])
def test_keyed_state_kinds(backend: str) -> None:
    env = env_with(2)
    env._config["state.backend.type"] = backend
    data = [(k, v) for v in range(1, 6) for k in ("a", "b", "c")]
    out = list(env.from_collection(data).key_by(lambda t: t[0]).process(RunningStats()).execute_and_collect())
    last = {}
    for k, total, n, counts in out:
        if n > last.get(k, (0, 0, 0))[1]:
            last[k] = (total, n, counts)
    assert last == {k: (15, 5, {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}) for k in ("a", "b", "c")}


class MapStateOps(KeyedProcessFunction):
    """Every MapState operation, mirrored on a dict per key: emits (key, state's view, dict's view)."""

    def open(self, ctx: Any) -> None:
        self.m = ctx.get_map_state(MapStateDescriptor("m", Types.STRING(), Types.LONG()))
        self.mirror: dict[Any, dict[str, int]] = {}

    def process_element(self, value: tuple[str, str, int], ctx: Any) -> Iterator[Any]:
        key, op, n = value
        d = self.mirror.setdefault(key, {})
        m = self.m
        w = f"w{n % 4}"
        if op == "put":
            m.put(w, n)
            d[w] = n
        elif op == "setitem":
            m[w] = n * 10
            d[w] = n * 10
        elif op == "put_all":
            m.put_all({"x": n, "y": n + 1})
            d.update({"x": n, "y": n + 1})
        elif op == "remove":
            m.remove(w)
            d.pop(w, None)
        elif op == "delitem":
            del m["x"]
            d.pop("x", None)
        elif op == "clear":
            m.clear()
            d.clear()
        got = (
            sorted(m.items()),
            sorted(m.keys()),
            sorted(m.values()),
            sorted(iter(m)),
            m.is_empty(),
            m.contains(w),
            w in m,
            m.get(w),
            m[w],
        )
        want = (
            sorted(d.items()),
            sorted(d.keys()),
            sorted(d.values()),
            sorted(d),
            not d,
            w in d,
            w in d,
            d.get(w),
            d.get(w),
        )
        yield key, got == want, got


@pytest.mark.parametrize("backend", ["hashmap", "rocksdb"])
def test_map_state_operations_match_a_dict(backend: str) -> None:
    env = env_with(2)
    env._config["state.backend.type"] = backend
    ops = ["put", "setitem", "put", "put_all", "remove", "put", "delitem", "setitem", "clear", "put", "put_all"]
    data = [(k, op, i) for i, op in enumerate(ops) for k in ("a", "b", "c")]
    out = list(env.from_collection(data).key_by(lambda t: t[0]).process(MapStateOps()).execute_and_collect())
    assert len(out) == len(data)
    assert [o for o in out if not o[1]] == []


class Ts(TimestampAssigner):
    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        return value[1]


class TimeoutAlert(KeyedProcessFunction):
    """Emits (key, count) when a key saw no record for 100 ms of event time."""

    def open(self, ctx: Any) -> None:
        self.count = ctx.get_state(ValueStateDescriptor("count", Types.INT()))

    def process_element(self, value: Any, ctx: Any) -> Iterator[Any]:
        self.count.update((self.count.value() or 0) + 1)
        ctx.timer_service().register_event_time_timer(ctx.timestamp() + 100)
        return iter(())

    def on_timer(self, timestamp: int, ctx: Any) -> Iterator[Any]:
        yield ctx.get_current_key(), timestamp, self.count.value()


def test_event_time_timers_fire_at_the_end_of_input() -> None:
    env = env_with(2)
    data = [("a", 1000), ("b", 1010), ("a", 1050)]
    ds = env.from_collection(data).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(Ts())
    )
    out = sorted(ds.key_by(lambda t: t[0]).process(TimeoutAlert()).execute_and_collect())
    assert out == [("a", 1100, 2), ("a", 1150, 2), ("b", 1110, 1)]


class Avg(AggregateFunction):
    def create_accumulator(self) -> tuple[int, int]:
        return 0, 0

    def add(self, value: Any, acc: tuple[int, int]) -> tuple[int, int]:
        return acc[0] + value[2], acc[1] + 1

    def get_result(self, acc: tuple[int, int]) -> float:
        return acc[0] / acc[1]

    def merge(self, a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
        return a[0] + b[0], a[1] + b[1]


def test_tumbling_window_aggregate_matches_reference() -> None:
    env = env_with(2)
    data = [(k, t, (t * 7 + len(k)) % 13) for t in range(0, 5000, 37) for k in ("x", "yy")]
    ds = env.from_collection(data).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(0)).with_timestamp_assigner(Ts())
    )
    out = sorted(
        ds.key_by(lambda t: t[0])
        .window(TumblingEventTimeWindows.of(Duration.of_seconds(1)))
        .aggregate(Avg())
        .execute_and_collect()
    )
    ref: dict[tuple[str, int], list[int]] = defaultdict(list)
    for k, t, v in data:
        ref[(k, t // 1000)].append(v)
    assert out == sorted(sum(vs) / len(vs) for vs in ref.values())


class Classify(ProcessFunction):
    def __init__(self, tag: OutputTag) -> None:
        self.tag = tag

    def process_element(self, value: int, ctx: Any) -> Iterator[Any]:
        if value % 2:
            yield self.tag, f"odd {value}"
        else:
            yield value


def test_side_output() -> None:
    env = env_with(2)
    tag = OutputTag("odd", Types.STRING())
    main = env.from_collection(list(range(10)), type_info=Types.INT()).process(Classify(tag), output_type=Types.INT())
    both = main.map(lambda v: f"even {v}").union(main.get_side_output(tag))
    assert sorted(both.execute_and_collect()) == sorted(
        [f"even {i}" for i in range(0, 10, 2)] + [f"odd {i}" for i in range(1, 10, 2)]
    )


class WhereAmI:
    """Tags each record with the subtask that saw it."""

    def open(self, ctx: Any) -> None:
        self.index = ctx.get_index_of_this_subtask()

    def map(self, value: int) -> tuple[int, int]:
        return value, self.index


def test_partition_custom_sends_each_record_to_the_chosen_partition() -> None:
    env = env_with(3)
    out = list(
        env.from_collection(list(range(60)))
        .partition_custom(lambda key, n: (key * 7) % n, lambda v: v)
        .map(WhereAmI())
        .execute_and_collect()
    )
    assert sorted(v for v, _ in out) == list(range(60))
    assert all(i == (v * 7) % 3 for v, i in out), out


def test_partition_custom_refuses_a_partition_out_of_range() -> None:
    env = env_with(2)
    env.from_collection([1, 2]).partition_custom(lambda key, n: n, lambda v: v).print()
    with pytest.raises(Exception, match=r"returned 2, not a partition in 0..1"):
        env.execute()


def test_batch_mode_reduce_emits_one_final_value_per_key() -> None:
    from weir.datastream import RuntimeExecutionMode

    env = env_with(2)
    env.set_runtime_mode(RuntimeExecutionMode.BATCH)
    words = [w for line in WORDS for w in line.split()]
    out = list(
        env.from_collection(words, type_info=Types.STRING())
        .map(lambda w: (w, 1), output_type=Types.TUPLE([Types.STRING(), Types.INT()]))
        .key_by(lambda t: t[0])
        .sum(1)
        .execute_and_collect()
    )
    assert sorted(out) == sorted(Counter(words).items())


def test_dropping_the_client_of_a_running_job_with_python_functions_ends_the_job() -> None:
    """The last reference to an execute_async job's client cancels the job and waits for its tasks, which
    need the GIL for their Python map: the process must not hang holding it."""
    job = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jobs", "drop_a_running_job_client.py")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run(
        [sys.executable, job], capture_output=True, text=True, timeout=120, env=dict(os.environ, PYTHONPATH=root)
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "dropped"


def test_python_before_and_after_a_cpp_operator_in_one_task_under_backpressure() -> None:
    """map -> timestamps (C++) -> key_by share a task; the window task is slower, so outputs fill up.
    Before batch-end hooks ran upstream first, the key selector's operator kept the GIL while the map's
    flush waited for buffers the window task could not free without the GIL: the job hung."""
    n = 300_000
    job = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jobs", "python_on_both_sides_of_a_cpp_operator.py")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run(
        [sys.executable, job, str(n)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=root),
    )
    assert r.returncode == 0, r.stderr
    want: dict[tuple[str, int], list[int]] = {}
    for i in range(n):
        acc = want.setdefault((str(i % 100), (i // 10) // 1000 * 1000 + 1000), [0, 0])
        acc[0] += 1
        acc[1] += i
    got = {}
    for line in r.stdout.split("\n"):
        if line.strip():
            key, end, count, total = line.split()
            got[(key, int(end))] = [int(count), int(total)]
    assert got == want


def test_pyflink_python_worker_keys_are_accepted() -> None:
    """PyFlink programs often tune their Python workers; the keys are accepted and change nothing."""
    from weir.common import Configuration

    config = Configuration()
    config.set_string("python.execution-mode", "process")
    config.set_string("python.fn-execution.bundle.size", "1000")
    config.set_string("python.fn-execution.bundle.time", "10 ms")
    env = StreamExecutionEnvironment.get_execution_environment(config)
    out = sorted(env.from_collection([1, 2, 3]).map(lambda v: v * 2).execute_and_collect())
    assert out == [2, 4, 6]
    config.set_string("python.execution-mode", "sideways")
    with pytest.raises(Exception, match="python.execution-mode"):
        bad = StreamExecutionEnvironment.get_execution_environment(config)
        bad.from_collection([1]).print()
        bad.execute()
