"""DataStream, KeyedStream, WindowedStream, ConnectedStreams, BroadcastStream, as PyFlink's.

Transformations record nodes of the job graph; nothing runs until ``execute()``. Chains of Python functions
(map, flat_map, filter, process, key_by) with equal parallelism are fused into one engine operator, so
their records pass between them as Python objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator

from weir.common.time import Duration, _millis
from weir.common.typeinfo import TypeInformation, _check_type
from weir.common.types import Row
from weir.common.watermark_strategy import WatermarkStrategy
from weir.datastream import _adapters as ad
from weir.datastream.output_tag import OutputTag
from weir.datastream.state import MapStateDescriptor
from weir.datastream.window import (
    CountEvictor,
    CountSlidingWindowAssigner,
    CountTumblingWindowAssigner,
    Trigger,
    WindowAssigner,
)

if TYPE_CHECKING:
    from weir.datastream.stream_execution_environment import StreamExecutionEnvironment

__all__ = [
    "DataStream",
    "KeyedStream",
    "WindowedStream",
    "ConnectedStreams",
    "BroadcastStream",
    "BroadcastConnectedStream",
    "DataStreamSink",
    "CloseableIterator",
]


class _Edge:
    def __init__(self, node: _Node, partition: str | None = None, side_tag: OutputTag | None = None) -> None:
        self.node = node
        self.partition = partition
        self.side_tag = side_tag


class _Node:
    """One transformation of the program."""

    def __init__(
        self, env: StreamExecutionEnvironment, kind: str, inputs: list[_Edge], name: str, **attrs: Any
    ) -> None:
        self.env = env
        self.id = len(env._nodes)
        env._nodes.append(self)
        self.kind = kind
        self.inputs = inputs
        self.name = name
        self.uid: str | None = None
        self.parallelism: int | None = None
        self.max_parallelism: int | None = None
        self.chaining = "always"
        self.slot_sharing_group: str | None = None
        self.out_type: TypeInformation | None = attrs.pop("out_type", None)
        self.attrs = attrs


def _out_type(t: TypeInformation | None, what: str) -> TypeInformation | None:
    if t is not None:
        _check_type(t, f"{what}: output_type")
    return t


class DataStream:
    """A stream of records being defined."""

    def __init__(
        self,
        node: _Node,
        partition: str | None = None,
        side_tag: OutputTag | None = None,
        union: list[_Edge] | None = None,
    ) -> None:
        self._node = node
        self._partition = partition
        self._side_tag = side_tag
        self._union = union

    # ---- internals ----
    @property
    def _env(self) -> StreamExecutionEnvironment:
        return self._node.env

    def _edges(self) -> list[_Edge]:
        if self._union is not None:
            return [_Edge(e.node, self._partition or e.partition, e.side_tag) for e in self._union]
        return [_Edge(self._node, self._partition, self._side_tag)]

    def _type(self) -> TypeInformation | None:
        if self._side_tag is not None:
            return self._side_tag.type_info
        return self._node.out_type

    def _add(self, kind: str, name: str, **attrs: Any) -> _Node:
        return _Node(self._env, kind, self._edges(), name, **attrs)

    def _stage(self, stage: int, fn: Any, name: str, output_type: TypeInformation | None) -> DataStream:
        if fn is None:
            raise TypeError(f"{name}() needs a function, got None")
        return DataStream(self._add("stage", name, stage=stage, fn=fn, out_type=output_type))

    def _only_node(self, what: str) -> _Node:
        if self._union is not None or self._side_tag is not None:
            raise ValueError(f"{what} can only be set on the result of one operator (not a union or side output)")
        return self._node

    # ---- properties of the producing operator ----
    def get_name(self) -> str:
        return self._node.name

    def name(self, name: str) -> DataStream:
        self._only_node("name").name = name
        return self

    def uid(self, uid: str) -> DataStream:
        self._only_node("uid").uid = uid
        return self

    def set_description(self, description: str) -> DataStream:
        return self

    def set_uid_hash(self, uid_hash: str) -> DataStream:
        return self.uid(uid_hash)

    def set_parallelism(self, parallelism: int) -> DataStream:
        if not isinstance(parallelism, int) or parallelism < 1:
            raise ValueError(f"parallelism must be at least 1, got {parallelism!r}")
        self._only_node("parallelism").parallelism = parallelism
        return self

    def set_max_parallelism(self, max_parallelism: int) -> DataStream:
        if not isinstance(max_parallelism, int) or not 1 <= max_parallelism <= 32768:
            raise ValueError(f"max parallelism must be in 1..32768, got {max_parallelism!r}")
        self._only_node("max parallelism").max_parallelism = max_parallelism
        return self

    def get_type(self) -> TypeInformation | None:
        return self._type()

    def force_non_parallel(self) -> DataStream:
        n = self._only_node("parallelism")
        n.parallelism = 1
        n.max_parallelism = 1
        return self

    def start_new_chain(self) -> DataStream:
        self._only_node("chaining").chaining = "head"
        return self

    def disable_chaining(self) -> DataStream:
        self._only_node("chaining").chaining = "never"
        return self

    def slot_sharing_group(self, slot_sharing_group: Any) -> DataStream:
        """Recorded; Weir's scheduler shares slots among all of a job's operators."""
        self._only_node("slot sharing group").slot_sharing_group = str(slot_sharing_group)
        return self

    # ---- transformations ----
    def map(self, func: Any, output_type: TypeInformation | None = None) -> DataStream:
        return self._stage(ad.MAP, func, "Map", _out_type(output_type, "map"))

    def flat_map(self, func: Any, output_type: TypeInformation | None = None) -> DataStream:
        return self._stage(ad.FLAT_MAP, func, "FlatMap", _out_type(output_type, "flat_map"))

    def filter(self, func: Any) -> DataStream:
        return self._stage(ad.FILTER, func, "Filter", self._type())

    def process(self, func: Any, output_type: TypeInformation | None = None) -> DataStream:
        if not hasattr(func, "process_element"):
            raise TypeError(f"process() needs a ProcessFunction, got {func!r}")
        if hasattr(func, "on_timer") and type(func).on_timer is not _default_on_timer():
            raise TypeError("timers (on_timer) are only supported on keyed streams: use key_by() before process()")
        return self._stage(ad.PROCESS, func, "Process", _out_type(output_type, "process"))

    def key_by(self, key_selector: Any, key_type: TypeInformation | None = None) -> KeyedStream:
        if key_type is not None:
            _check_type(key_type, "key_by: key_type")
        if not (callable(key_selector) or hasattr(key_selector, "get_key")):
            raise TypeError(f"key_by() needs a KeySelector or a callable, got {key_selector!r}")
        node = self._add("key_by", "KeyBy", key=key_selector, key_type=key_type, out_type=self._type())
        return KeyedStream(node)

    def assign_timestamps_and_watermarks(self, watermark_strategy: WatermarkStrategy) -> DataStream:
        if not isinstance(watermark_strategy, WatermarkStrategy):
            raise TypeError(f"assign_timestamps_and_watermarks needs a WatermarkStrategy, got {watermark_strategy!r}")
        return DataStream(
            self._add("timestamps", "Timestamps/Watermarks", strategy=watermark_strategy, out_type=self._type())
        )

    def union(self, *streams: DataStream) -> DataStream:
        edges = self._edges()
        for s in streams:
            if not isinstance(s, DataStream) or isinstance(s, KeyedStream):
                raise TypeError(f"union() takes DataStreams, got {s!r}")
            edges += s._edges()
        return DataStream(self._node, union=edges)

    def connect(self, ds: Any) -> Any:
        if isinstance(ds, BroadcastStream):
            return BroadcastConnectedStream(self, ds)
        if not isinstance(ds, DataStream):
            raise TypeError(f"connect() takes a DataStream or BroadcastStream, got {ds!r}")
        return ConnectedStreams(self, ds)

    def get_side_output(self, output_tag: OutputTag) -> DataStream:
        if not isinstance(output_tag, OutputTag):
            raise TypeError(f"get_side_output needs an OutputTag, got {output_tag!r}")
        return DataStream(self._only_node("get_side_output"), side_tag=output_tag)

    # ---- partitioning ----
    def _partitioned(self, kind: str) -> DataStream:
        return DataStream(self._node, kind, self._side_tag, self._union)

    def shuffle(self) -> DataStream:
        return self._partitioned("shuffle")

    def rebalance(self) -> DataStream:
        return self._partitioned("rebalance")

    def rescale(self) -> DataStream:
        return self._partitioned("rescale")

    def forward(self) -> DataStream:
        return self._partitioned("forward")

    def global_(self) -> DataStream:
        return self._partitioned("global")

    def broadcast(
        self, broadcast_state_descriptor: MapStateDescriptor | None = None, *other: MapStateDescriptor
    ) -> Any:
        if broadcast_state_descriptor is None:
            return self._partitioned("broadcast")
        descriptors = [broadcast_state_descriptor, *other]
        for d in descriptors:
            if not isinstance(d, MapStateDescriptor):
                raise TypeError(f"broadcast() takes MapStateDescriptors, got {d!r}")
        return BroadcastStream(self, descriptors)

    def partition_custom(self, partitioner: Any, key_selector: Any) -> DataStream:
        part = partitioner.partition if hasattr(partitioner, "partition") else partitioner
        key = key_selector.get_key if hasattr(key_selector, "get_key") else key_selector
        return DataStream(
            self._add("partition_custom", "PartitionCustom", partitioner=part, key=key, out_type=self._type())
        )

    # ---- sinks ----
    def print(self, sink_identifier: str | None = None) -> DataStreamSink:
        return DataStreamSink(self._add("sink", "Print to Std. Out", spec=ad.PrintSpec(sink_identifier)))

    def add_sink(self, sink_func: Any) -> DataStreamSink:
        return DataStreamSink(self._add("sink", "Sink", spec=ad.SinkSpec(sink_func)))

    def sink_to(self, sink: Any) -> DataStreamSink:
        spec = getattr(sink, "_sink_spec", None)
        if spec is None:
            raise TypeError(f"sink_to() needs a Sink (e.g. FileSink), got {sink!r}")
        return DataStreamSink(self._add("sink", getattr(sink, "_name", "Sink"), spec=spec()))

    def execute_and_collect(self, job_execution_name: str | None = None, limit: int | None = None) -> Any:
        node = self._add("collect", "Collect Sink")
        values = self._env._execute_collect(node, job_execution_name or "Weir Streaming Job")
        if limit is not None:
            return values[:limit]
        return CloseableIterator(values)


def _default_on_timer() -> Any:
    from weir.datastream.functions import KeyedProcessFunction

    return KeyedProcessFunction.on_timer


class CloseableIterator:
    """The results of execute_and_collect: an iterator, and a context manager that closes it."""

    def __init__(self, values: list[Any]) -> None:
        self._it: Iterator[Any] = iter(values)

    def __iter__(self) -> CloseableIterator:
        return self

    def __next__(self) -> Any:
        return next(self._it)

    def next(self) -> Any:
        return next(self._it)

    def close(self) -> None:
        self._it = iter(())

    def __enter__(self) -> CloseableIterator:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class DataStreamSink:
    """A sink: set its name, uid and parallelism."""

    def __init__(self, node: _Node) -> None:
        self._node = node

    def name(self, name: str) -> DataStreamSink:
        self._node.name = name
        return self

    def uid(self, uid: str) -> DataStreamSink:
        self._node.uid = uid
        return self

    def set_parallelism(self, parallelism: int) -> DataStreamSink:
        if not isinstance(parallelism, int) or parallelism < 1:
            raise ValueError(f"parallelism must be at least 1, got {parallelism!r}")
        self._node.parallelism = parallelism
        return self

    def set_description(self, description: str) -> DataStreamSink:
        return self

    def disable_chaining(self) -> DataStreamSink:
        self._node.chaining = "never"
        return self

    def slot_sharing_group(self, slot_sharing_group: Any) -> DataStreamSink:
        self._node.slot_sharing_group = str(slot_sharing_group)
        return self


# ---------------------------------------------------------------- keyed streams


def _field_reduce(position: int | str, mode: str) -> Callable[[Any, Any], Any]:
    """sum/min/max/min_by/max_by over a tuple position, a Row field (name or position) or a number."""

    def get(v: Any) -> Any:
        if isinstance(v, Row) and isinstance(position, str):
            return v[position]
        if isinstance(v, (tuple, list, Row)):
            return v[position]
        if position not in (0, None):
            raise TypeError(f"cannot aggregate field {position!r} of a {type(v).__name__}")
        return v

    def put(v: Any, x: Any) -> Any:
        if isinstance(v, Row):
            idx = v._fields.index(position) if isinstance(position, str) else position
            values = list(v._values)
            values[idx] = x
            r = Row(*values)
            if "_fields" in v.__dict__:
                r._fields = v._fields
            r._row_kind = v._row_kind
            return r
        if isinstance(v, tuple):
            return v[:position] + (x,) + v[position + 1 :]
        if isinstance(v, list):
            return v[:position] + [x] + v[position + 1 :]
        return x

    def reduce(a: Any, b: Any) -> Any:
        fa, fb = get(a), get(b)
        if mode == "sum":
            return put(a, fa + fb)
        if mode == "min":
            return put(a, fb if fb < fa else fa)
        if mode == "max":
            return put(a, fb if fb > fa else fa)
        if mode == "min_by":
            return b if fb < fa else a
        return b if fb > fa else a

    return reduce


class KeyedStream(DataStream):
    """A stream partitioned by key: keyed state and timers are available downstream."""

    def __init__(self, node: _Node) -> None:
        super().__init__(node)

    def _keyed(self, kind: str, name: str, **attrs: Any) -> _Node:
        return _Node(self._env, kind, [_Edge(self._node)], name, **attrs)

    def _type(self) -> TypeInformation | None:
        return self._node.out_type

    def process(self, func: Any, output_type: TypeInformation | None = None) -> DataStream:
        if not hasattr(func, "process_element"):
            raise TypeError(f"process() needs a KeyedProcessFunction, got {func!r}")
        return DataStream(
            self._keyed(
                "keyed_process",
                "KeyedProcess",
                spec=ad.KeyedProcessSpec(func),
                out_type=_out_type(output_type, "process"),
            )
        )

    def reduce(self, func: Any) -> DataStream:
        return DataStream(self._keyed("keyed_reduce", "Keyed Reduce", spec=ad.ReduceSpec(func), out_type=self._type()))

    def sum(self, position_to_sum: int | str = 0) -> DataStream:
        return self.reduce(_field_reduce(position_to_sum, "sum")).name("Sum")

    def min(self, position_to_min: int | str = 0) -> DataStream:
        return self.reduce(_field_reduce(position_to_min, "min")).name("Min")

    def max(self, position_to_max: int | str = 0) -> DataStream:
        return self.reduce(_field_reduce(position_to_max, "max")).name("Max")

    def min_by(self, position_to_min_by: int | str = 0) -> DataStream:
        return self.reduce(_field_reduce(position_to_min_by, "min_by")).name("MinBy")

    def max_by(self, position_to_max_by: int | str = 0) -> DataStream:
        return self.reduce(_field_reduce(position_to_max_by, "max_by")).name("MaxBy")

    def window(self, window_assigner: WindowAssigner) -> WindowedStream:
        if not isinstance(window_assigner, WindowAssigner):
            raise TypeError(f"window() needs a WindowAssigner, got {window_assigner!r}")
        return WindowedStream(self, window_assigner)

    def count_window(self, size: int, slide: int = 0) -> WindowedStream:
        if size <= 0:
            raise ValueError(f"count_window needs a size of at least 1, got {size}")
        if slide < 0:
            raise ValueError(f"count_window needs a non-negative slide, got {slide}")
        a = CountTumblingWindowAssigner.of(size) if slide == 0 else CountSlidingWindowAssigner.of(size, slide)
        return WindowedStream(self, a)


class WindowedStream:
    """A keyed stream cut into windows, before its window function is chosen."""

    def __init__(self, keyed: KeyedStream, assigner: WindowAssigner) -> None:
        self._keyed = keyed
        self._assigner = assigner
        self._trigger: Trigger | None = None
        self._lateness = 0
        self._late_tag: OutputTag | None = None
        self._evictor = 0

    def trigger(self, trigger: Trigger) -> WindowedStream:
        if not isinstance(trigger, Trigger):
            raise TypeError(f"trigger() needs a Trigger, got {trigger!r}")
        trigger._engine_spec()
        self._trigger = trigger
        return self

    def allowed_lateness(self, time_ms: Duration | int) -> WindowedStream:
        ms = _millis(time_ms, "allowed_lateness")
        if ms < 0:
            raise ValueError(f"allowed lateness must not be negative, got {ms}")
        self._lateness = ms
        return self

    def side_output_late_data(self, output_tag: OutputTag) -> WindowedStream:
        if not isinstance(output_tag, OutputTag):
            raise TypeError(f"side_output_late_data needs an OutputTag, got {output_tag!r}")
        self._late_tag = output_tag
        return self

    def evictor(self, evictor: CountEvictor) -> WindowedStream:
        if not isinstance(evictor, CountEvictor):
            raise TypeError("Weir supports CountEvictor as a window evictor")
        self._evictor = evictor._count
        return self

    def _build(self, function: tuple[Any, ...], output_type: TypeInformation | None, name: str) -> DataStream:
        self._assigner._engine_spec()
        if isinstance(self._assigner, CountSlidingWindowAssigner):
            if function[0] == "reduce" and function[2] is None:
                output_type = self._keyed._type()
            function = ("process", ad.FullCountWindowSpec(self._assigner._size, function))
        node = _Node(
            self._keyed._env,
            "window",
            [_Edge(self._keyed._node)],
            name,
            assigner=self._assigner,
            trigger=self._trigger,
            lateness=self._lateness,
            late_tag=self._late_tag,
            evictor=self._evictor,
            function=function,
            out_type=output_type,
        )
        return DataStream(node)

    def reduce(
        self, reduce_function: Any, window_function: Any = None, output_type: TypeInformation | None = None
    ) -> DataStream:
        fn = reduce_function.reduce if hasattr(reduce_function, "reduce") else reduce_function
        if not callable(fn):
            raise TypeError(f"reduce() needs a ReduceFunction or a callable, got {reduce_function!r}")
        pwf = ad.WindowProcessSpec(window_function) if window_function is not None else None
        out = output_type if window_function is not None else self._keyed._type()
        return self._build(("reduce", fn, pwf), out, "Window(Reduce)")

    def aggregate(
        self,
        aggregate_function: Any,
        window_function: Any = None,
        accumulator_type: TypeInformation | None = None,
        output_type: TypeInformation | None = None,
    ) -> DataStream:
        for m in ("create_accumulator", "add", "get_result"):
            if not hasattr(aggregate_function, m):
                raise TypeError(f"aggregate() needs an AggregateFunction (it has no {m}()), got {aggregate_function!r}")
        pwf = ad.WindowProcessSpec(window_function) if window_function is not None else None
        return self._build(
            ("aggregate", aggregate_function, accumulator_type, None, pwf), output_type, "Window(Aggregate)"
        )

    def process(self, process_window_function: Any, output_type: TypeInformation | None = None) -> DataStream:
        return self._build(("process", ad.WindowProcessSpec(process_window_function)), output_type, "Window(Process)")

    def apply(self, window_function: Any, output_type: TypeInformation | None = None) -> DataStream:
        return self._build(("process", ad.WindowProcessSpec(window_function)), output_type, "Window(Apply)")


# ---------------------------------------------------------------- two inputs


class ConnectedStreams:
    """Two streams processed together (co-map, co-flat-map, co-process)."""

    def __init__(self, first: DataStream, second: DataStream) -> None:
        self._first, self._second = first, second

    def key_by(
        self, key_selector1: Any, key_selector2: Any, key_type: TypeInformation | None = None
    ) -> ConnectedStreams:
        return ConnectedStreams(
            self._first.key_by(key_selector1, key_type), self._second.key_by(key_selector2, key_type)
        )

    def _mode(self) -> str:
        k1, k2 = isinstance(self._first, KeyedStream), isinstance(self._second, KeyedStream)
        if k1 != k2:
            raise TypeError("connect(): both streams must be keyed (key_by) or neither")
        return "keyed" if k1 else "plain"

    def _two(self, kind: str, fn: Any, output_type: TypeInformation | None, name: str) -> DataStream:
        node = _Node(
            self._first._env,
            "two_input",
            [
                _Edge(self._first._node, self._first._partition, self._first._side_tag),
                _Edge(self._second._node, self._second._partition, self._second._side_tag),
            ],
            name,
            mode=self._mode(),
            spec=ad.TwoInputSpec(fn, kind),
            out_type=output_type,
        )
        return DataStream(node)

    def map(self, func: Any, output_type: TypeInformation | None = None) -> DataStream:
        if not (hasattr(func, "map1") and hasattr(func, "map2")):
            raise TypeError(f"map() on connected streams needs a CoMapFunction, got {func!r}")
        return self._two("map", func, output_type, "Co-Map")

    def flat_map(self, func: Any, output_type: TypeInformation | None = None) -> DataStream:
        if not (hasattr(func, "flat_map1") and hasattr(func, "flat_map2")):
            raise TypeError(f"flat_map() on connected streams needs a CoFlatMapFunction, got {func!r}")
        return self._two("flat_map", func, output_type, "Co-Flat Map")

    def process(self, func: Any, output_type: TypeInformation | None = None) -> DataStream:
        if not (hasattr(func, "process_element1") and hasattr(func, "process_element2")):
            raise TypeError(f"process() on connected streams needs a (Keyed)CoProcessFunction, got {func!r}")
        return self._two("process", func, output_type, "Co-Process")


class BroadcastStream:
    """A stream whose records reach every parallel instance and update broadcast state."""

    def __init__(self, stream: DataStream, descriptors: list[MapStateDescriptor]) -> None:
        self._stream = stream
        self._descriptors = descriptors


class BroadcastConnectedStream:
    """A stream connected with a broadcast stream: process with a (Keyed)BroadcastProcessFunction."""

    def __init__(self, stream: DataStream, broadcast: BroadcastStream) -> None:
        self._stream = stream
        self._broadcast = broadcast

    def process(self, func: Any, output_type: TypeInformation | None = None) -> DataStream:
        if not (hasattr(func, "process_element") and hasattr(func, "process_broadcast_element")):
            raise TypeError(f"process() needs a BroadcastProcessFunction, got {func!r}")
        keyed = isinstance(self._stream, KeyedStream)
        s, b = self._stream, self._broadcast._stream
        node = _Node(
            s._env,
            "two_input",
            [_Edge(s._node, s._partition, s._side_tag), _Edge(b._node, None, b._side_tag)],
            "Broadcast Process",
            mode="keyed_broadcast" if keyed else "broadcast",
            spec=ad.TwoInputSpec(func, "broadcast"),
            out_type=_out_type(output_type, "process"),
        )
        return DataStream(node)
