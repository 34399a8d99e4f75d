"""User function interfaces, as PyFlink's ``pyflink.datastream.functions``.

Any of them may also be given as a plain callable where PyFlink accepts one (``map(lambda v: ...)``).
Functions that produce several results (``flat_map``, ``process_element``, ``on_timer``, ``process``) yield
them (or return an iterable); a process function sends a value to a side output with
``yield output_tag, value``. Each parallel subtask works on its own copy of a function object.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Generic, Iterable, TypeVar

__all__ = [
    "Function",
    "RuntimeContext",
    "MapFunction",
    "FlatMapFunction",
    "FilterFunction",
    "ReduceFunction",
    "AggregateFunction",
    "KeySelector",
    "NullByteKeySelector",
    "ProcessFunction",
    "KeyedProcessFunction",
    "CoMapFunction",
    "CoFlatMapFunction",
    "CoProcessFunction",
    "KeyedCoProcessFunction",
    "BroadcastProcessFunction",
    "KeyedBroadcastProcessFunction",
    "ProcessWindowFunction",
    "ProcessAllWindowFunction",
    "WindowFunction",
    "AllWindowFunction",
    "SinkFunction",
    "Partitioner",
    "TimerService",
]

W = TypeVar("W")
IN = TypeVar("IN")
OUT = TypeVar("OUT")
KEY = TypeVar("KEY")


class RuntimeContext(ABC):
    """What a function sees of its parallel instance: its index, the parallelism, and keyed state."""

    @abstractmethod
    def get_index_of_this_subtask(self) -> int: ...

    @abstractmethod
    def get_number_of_parallel_subtasks(self) -> int: ...

    @abstractmethod
    def get_state(self, state_descriptor: Any) -> Any: ...


class Function(ABC):  # noqa: B024 - PyFlink's Function has only optional methods
    """Base of every user function: ``open`` before the first record, ``close`` after the last."""

    def open(self, runtime_context: RuntimeContext) -> None:  # noqa: B027
        pass

    def close(self) -> None:  # noqa: B027
        pass


class MapFunction(Function):
    @abstractmethod
    def map(self, value: Any) -> Any: ...


class FlatMapFunction(Function):
    @abstractmethod
    def flat_map(self, value: Any) -> Iterable[Any]: ...


class FilterFunction(Function):
    @abstractmethod
    def filter(self, value: Any) -> bool: ...


class ReduceFunction(Function):
    @abstractmethod
    def reduce(self, value1: Any, value2: Any) -> Any: ...


class AggregateFunction(Function):
    """Incremental aggregation: an accumulator per key (and window), results read from it."""

    @abstractmethod
    def create_accumulator(self) -> Any: ...

    @abstractmethod
    def add(self, value: Any, accumulator: Any) -> Any: ...

    @abstractmethod
    def get_result(self, accumulator: Any) -> Any: ...

    def merge(self, acc_a: Any, acc_b: Any) -> Any:
        raise NotImplementedError("merge() is needed for merging windows (session windows)")


class KeySelector(Function):
    @abstractmethod
    def get_key(self, value: Any) -> Any: ...


class NullByteKeySelector(KeySelector):
    """Puts every record under one key."""

    def get_key(self, value: Any) -> Any:
        return 0


class TimerService(ABC):
    """Clocks and (on keyed streams) timers: ``ctx.timer_service()``."""

    @abstractmethod
    def current_processing_time(self) -> int: ...

    @abstractmethod
    def current_watermark(self) -> int: ...

    @abstractmethod
    def register_processing_time_timer(self, timestamp: int) -> None: ...

    @abstractmethod
    def register_event_time_timer(self, timestamp: int) -> None: ...

    @abstractmethod
    def delete_processing_time_timer(self, timestamp: int) -> None: ...

    @abstractmethod
    def delete_event_time_timer(self, timestamp: int) -> None: ...


class _HasContext:
    class Context(ABC):
        """The record's timestamp and the timer service (the engine passes its own implementation)."""

        @abstractmethod
        def timestamp(self) -> int: ...

        @abstractmethod
        def timer_service(self) -> TimerService: ...

    class OnTimerContext(Context):
        @abstractmethod
        def time_domain(self) -> Any: ...


class ProcessFunction(Function, _HasContext):
    @abstractmethod
    def process_element(self, value: Any, ctx: ProcessFunction.Context) -> Iterable[Any]: ...


class KeyedProcessFunction(Function, _HasContext):
    @abstractmethod
    def process_element(self, value: Any, ctx: KeyedProcessFunction.Context) -> Iterable[Any]: ...

    def on_timer(self, timestamp: int, ctx: KeyedProcessFunction.OnTimerContext) -> Iterable[Any] | None:
        return None


class CoMapFunction(Function):
    @abstractmethod
    def map1(self, value: Any) -> Any: ...

    @abstractmethod
    def map2(self, value: Any) -> Any: ...


class CoFlatMapFunction(Function):
    @abstractmethod
    def flat_map1(self, value: Any) -> Iterable[Any]: ...

    @abstractmethod
    def flat_map2(self, value: Any) -> Iterable[Any]: ...


class CoProcessFunction(Function, _HasContext):
    @abstractmethod
    def process_element1(self, value: Any, ctx: CoProcessFunction.Context) -> Iterable[Any]: ...

    @abstractmethod
    def process_element2(self, value: Any, ctx: CoProcessFunction.Context) -> Iterable[Any]: ...


class KeyedCoProcessFunction(Function, _HasContext):
    @abstractmethod
    def process_element1(self, value: Any, ctx: KeyedCoProcessFunction.Context) -> Iterable[Any]: ...

    @abstractmethod
    def process_element2(self, value: Any, ctx: KeyedCoProcessFunction.Context) -> Iterable[Any]: ...

    def on_timer(self, timestamp: int, ctx: KeyedCoProcessFunction.OnTimerContext) -> Iterable[Any] | None:
        return None


class _HasBroadcastContext(_HasContext):
    class BaseBroadcastProcessFunctionContext(ABC):  # noqa: B024
        """The record's timestamp, clocks and broadcast state."""

    class ReadOnlyContext(BaseBroadcastProcessFunctionContext):  # noqa: B024
        """get_broadcast_state(descriptor) is read-only here."""

    class Context(BaseBroadcastProcessFunctionContext):  # noqa: B024
        """get_broadcast_state(descriptor) may change the state here."""

    class OnTimerContext(ReadOnlyContext):  # noqa: B024
        """In on_timer: time_domain() and get_current_key()."""


class BroadcastProcessFunction(Function, _HasBroadcastContext):
    """Processes a stream against broadcast state that the broadcast side maintains."""

    @abstractmethod
    def process_element(self, value: Any, ctx: Any) -> Iterable[Any]: ...

    @abstractmethod
    def process_broadcast_element(self, value: Any, ctx: Any) -> Iterable[Any]: ...


class KeyedBroadcastProcessFunction(Function, _HasBroadcastContext):
    @abstractmethod
    def process_element(self, value: Any, ctx: Any) -> Iterable[Any]: ...

    @abstractmethod
    def process_broadcast_element(self, value: Any, ctx: Any) -> Iterable[Any]: ...

    def on_timer(self, timestamp: int, ctx: Any) -> Iterable[Any] | None:
        return None


class ProcessWindowFunction(Function, Generic[IN, OUT, KEY, W]):
    """Called with all elements of a window (or the one pre-aggregated value) when it fires."""

    class Context(ABC, Generic[W]):
        @abstractmethod
        def window(self) -> W: ...

        @abstractmethod
        def current_processing_time(self) -> int: ...

        @abstractmethod
        def current_watermark(self) -> int: ...

    @abstractmethod
    def process(self, key: Any, context: Any, elements: Iterable[Any]) -> Iterable[Any]: ...

    def clear(self, context: Any) -> None:  # noqa: B027
        pass


class ProcessAllWindowFunction(Function):
    @abstractmethod
    def process(self, context: Any, elements: Iterable[Any]) -> Iterable[Any]: ...


class WindowFunction(Function, Generic[IN, OUT, KEY, W]):
    @abstractmethod
    def apply(self, key: Any, window: Any, inputs: Iterable[Any]) -> Iterable[Any]: ...


class AllWindowFunction(Function):
    @abstractmethod
    def apply(self, window: Any, inputs: Iterable[Any]) -> Iterable[Any]: ...


class SinkFunction(Function):
    """A sink written in Python (Weir's addition: PyFlink's sinks are Java classes)."""

    @abstractmethod
    def invoke(self, value: Any, context: Any) -> None: ...

    def finish(self) -> None:  # noqa: B027
        pass


class Partitioner(Function):
    @abstractmethod
    def partition(self, key: Any, num_partitions: int) -> int: ...
