"""Bad input gets a clear error that names the problem; nothing crashes."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from weir import _core
from weir.common import Types
from weir.datastream import KeyedProcessFunction, ProcessFunction, StreamExecutionEnvironment
from weir.datastream.state import ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_function_that_raises_fails_the_job_with_the_python_traceback() -> None:
    env = StreamExecutionEnvironment.get_execution_environment()

    def boom(v: int) -> int:
        if v == 3:
            raise ValueError("record three is bad")
        return v

    env.from_collection([1, 2, 3, 4]).map(boom).print()
    with pytest.raises(_core.JobExecutionError) as e:
        env.execute("raising job")
    text = str(e.value)
    assert "record three is bad" in text and "ValueError" in text and "in boom" in text


def test_wrong_type_for_declared_type_names_type_and_value() -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1, 2]).map(lambda v: "not a number", output_type=Types.INT()).print()
    with pytest.raises(_core.JobExecutionError, match=r"'not a number'.*declared type Integer"):
        env.execute()


def test_from_collection_checks_values_against_type_info() -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1, "two"], type_info=Types.INT()).print()
    with pytest.raises(TypeError, match=r"'two'.*Integer"):
        env.execute()


class StoresWrongType(KeyedProcessFunction):
    def __init__(self, kind: str) -> None:
        self.kind = kind

    def open(self, ctx: Any) -> None:
        self.v = ctx.get_state(ValueStateDescriptor("v", Types.LONG()))
        self.m = ctx.get_map_state(MapStateDescriptor("m", Types.STRING(), Types.LONG()))

    def process_element(self, value: Any, ctx: Any) -> Any:
        if self.kind == "value":
            self.v.update("ten")
        elif self.kind == "map value":
            self.m.put("a", "ten")
        else:
            self.m[7] = 1
        yield value


@pytest.mark.parametrize(
    "kind,message",
    [("value", r"'ten'.*declared type Long"), ("map value", r"'ten'.*declared type Long"), ("map key", r"7.*String")],
)
def test_state_value_of_the_wrong_type_names_type_and_value(kind: str, message: str) -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1]).key_by(lambda v: v).process(StoresWrongType(kind)).print()
    with pytest.raises(_core.JobExecutionError, match=message) as e:
        env.execute()
    assert "TypeError" in str(e.value) and "process_element" in str(e.value)


class UsesWrongDescriptor(KeyedProcessFunction):
    def open(self, ctx: Any) -> None:
        self.s = ctx.get_state(ListStateDescriptor("l", Types.INT()))

    def process_element(self, value: Any, ctx: Any) -> Any:
        yield value


def test_state_descriptor_of_the_wrong_kind() -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1]).key_by(lambda v: v).process(UsesWrongDescriptor()).print()
    with pytest.raises(
        _core.JobExecutionError, match=r"get_state\(\) needs a ValueStateDescriptor, got ListStateDescriptor 'l'"
    ):
        env.execute()


def test_timer_on_a_non_keyed_stream() -> None:
    class Timers(ProcessFunction):
        def process_element(self, value: Any, ctx: Any) -> Any:
            ctx.timer_service().register_event_time_timer(1)
            yield value

    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1]).process(Timers()).print()
    with pytest.raises(_core.JobExecutionError, match=r"timers can only be used .* on keyed streams"):
        env.execute()


def test_bad_configuration_key_is_named() -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env._config["execution.checkpointing.intervall"] = "1 s"
    env.from_collection([1]).print()
    with pytest.raises(_core.ConfigError, match="execution.checkpointing.intervall"):
        env.execute()


def test_unpicklable_function_runs_because_weir_does_not_pickle_functions() -> None:
    import threading

    lock = threading.Lock()  # not picklable: PyFlink would fail to ship this function
    env = StreamExecutionEnvironment.get_execution_environment()

    def guarded(v: int) -> int:
        with lock:
            return v + 1

    assert sorted(env.from_collection([1, 2]).map(guarded).execute_and_collect()) == [2, 3]


def test_unpicklable_record_without_type_names_its_type() -> None:
    import threading

    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1]).map(lambda v: threading.Lock()).rebalance().print()
    with pytest.raises(_core.JobExecutionError, match="cannot encode a value of type '_thread.lock'"):
        env.execute()


@pytest.mark.parametrize(
    "source, message",
    [("import weir\ndef broken(:\n", "SyntaxError"), (None, "No such file")],
)
def test_job_file_missing_or_broken(tmp_path: Any, source: str | None, message: str) -> None:
    path = os.path.join(str(tmp_path), "job.py")
    if source is not None:
        with open(path, "w") as f:
            f.write(source)
    r = subprocess.run(
        [sys.executable, path],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=PACKAGE_ROOT),
    )
    assert r.returncode != 0 and message in r.stderr
