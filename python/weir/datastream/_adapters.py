"""Per-subtask function objects for the engine's Python operators (internal).

Each operator spec's ``create(runtime_context)`` runs on the subtask's thread when the operator opens: it
copies the user's function object (each parallel instance gets its own, as PyFlink's pickled functions
do), calls ``open``, and returns the object the engine calls per record.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from weir.datastream.state import _RuntimeContext

MAP, FLAT_MAP, FILTER, PROCESS = 0, 1, 2, 3


def _own_copy(fn: Any) -> Any:
    """A copy of a function object for one subtask; plain functions and uncopyable objects are shared."""
    if callable(fn) and not hasattr(fn, "open"):
        return fn
    try:
        return copy.deepcopy(fn)
    except Exception:
        return fn


def _method(fn: Any, name: str, what: str, base: str) -> Callable[..., Any]:
    m = getattr(fn, name, None)
    if m is not None and callable(m):
        return m
    if callable(fn):
        return fn
    raise TypeError(f"{what}() needs a {base} or a callable, got {fn!r}")


class _Lifecycle:
    def __init__(self) -> None:
        self._opened: list[Any] = []

    def _open(self, fn: Any, ctx: Any) -> None:
        if hasattr(fn, "open") and callable(fn.open):
            fn.open(ctx)
            self._opened.append(fn)

    def close(self) -> None:
        for fn in self._opened:
            if hasattr(fn, "close"):
                fn.close()


class ChainSpec:
    """Fused stateless stages (map, flat_map, filter, process) and an optional key selector at the end."""

    def __init__(self) -> None:
        self.stages: list[tuple[int, Any, str, Any]] = []  # kind, function, name, declared output spec
        self.key: Any = None

    def create(self, core_ctx: Any) -> Any:
        return _ChainImpl(self, _RuntimeContext(core_ctx))


_STAGE_METHODS = {
    MAP: ("map", "map", "MapFunction"),
    FLAT_MAP: ("flat_map", "flat_map", "FlatMapFunction"),
    FILTER: ("filter", "filter", "FilterFunction"),
    PROCESS: ("process_element", "process", "ProcessFunction"),
}


class _ChainImpl(_Lifecycle):
    def __init__(self, spec: ChainSpec, ctx: Any) -> None:
        super().__init__()
        self.stages: list[tuple[int, Callable[..., Any], Any]] = []
        for kind, fn, _, out_spec in spec.stages:
            own = _own_copy(fn)
            method, what, base = _STAGE_METHODS[kind]
            call = _method(own, method, what, base)
            self._open(own, ctx)
            self.stages.append((kind, call, out_spec))
        if spec.key is not None:
            own = _own_copy(spec.key)
            self.key_fn = _method(own, "get_key", "key_by", "KeySelector")
            self._open(own, ctx)


class KeyedProcessSpec:
    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def create(self, core_ctx: Any) -> Any:
        impl = _Impl()
        own = _own_copy(self.fn)
        if not hasattr(own, "process_element"):
            raise TypeError(f"process() on a keyed stream needs a KeyedProcessFunction, got {self.fn!r}")
        impl.process_element = own.process_element
        on_timer = getattr(own, "on_timer", None)
        impl.on_timer = on_timer
        impl._open(own, _RuntimeContext(core_ctx))
        return impl


class ReduceSpec:
    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def create(self, core_ctx: Any) -> Any:
        impl = _Impl()
        own = _own_copy(self.fn)
        impl.reduce = _method(own, "reduce", "reduce", "ReduceFunction")
        impl._open(own, _RuntimeContext(core_ctx))
        return impl


class TwoInputSpec:
    """connect(): co-map, co-flat-map, co-process, broadcast process (keyed or not)."""

    def __init__(self, fn: Any, kind: str) -> None:
        self.fn = fn
        self.kind = kind

    def create(self, core_ctx: Any) -> Any:
        impl = _Impl()
        own = _own_copy(self.fn)
        k = self.kind
        if k == "map":
            m1, m2 = own.map1, own.map2
            impl.process1 = lambda v, ctx: (m1(v),)
            impl.process2 = lambda v, ctx: (m2(v),)
        elif k == "flat_map":
            f1, f2 = own.flat_map1, own.flat_map2
            impl.process1 = lambda v, ctx: f1(v)
            impl.process2 = lambda v, ctx: f2(v)
        elif k == "process":
            impl.process1 = own.process_element1
            impl.process2 = own.process_element2
            impl.on_timer = getattr(own, "on_timer", None)
        elif k == "broadcast":
            impl.process1 = own.process_element
            impl.process2 = own.process_broadcast_element
            impl.on_timer = getattr(own, "on_timer", None)
        else:
            raise ValueError(f"internal: unknown two-input kind {k}")
        impl._open(own, _RuntimeContext(core_ctx))
        return impl


class WindowProcessSpec:
    """A ProcessWindowFunction, or a WindowFunction adapted to one."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def create(self, core_ctx: Any) -> Any:
        impl = _Impl()
        own = _own_copy(self.fn)
        if hasattr(own, "process"):
            impl.process = own.process
        elif hasattr(own, "apply"):
            apply = own.apply
            impl.process = lambda key, ctx, elements: apply(key, ctx.window(), elements)
        elif callable(own):
            impl.process = own
        else:
            raise TypeError(f"a window function must be a ProcessWindowFunction or WindowFunction, got {own!r}")
        impl._open(own, _RuntimeContext(core_ctx))
        return impl


class PassThroughWindowSpec:
    """The window function of reduce/aggregate without one: emits the pre-aggregated value."""

    def create(self, core_ctx: Any) -> Any:
        impl = _Impl()
        impl.process = lambda key, ctx, elements: elements
        return impl


class SinkSpec:
    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def create(self, core_ctx: Any) -> Any:
        impl = _Impl()
        own = _own_copy(self.fn)
        invoke = getattr(own, "invoke", None)
        if invoke is None:
            if not callable(own):
                raise TypeError(f"add_sink() needs a SinkFunction or a callable, got {own!r}")
            impl.invoke = lambda v, ctx: own(v)
        else:
            impl.invoke = invoke
        fin = getattr(own, "finish", None)
        if fin is not None:
            impl.finish = fin
        impl._open(own, _RuntimeContext(core_ctx))
        return impl


class PrintSpec:
    """print(): ``str(record)`` lines on stdout, prefixed like Flink's print sink."""

    def __init__(self, identifier: str | None) -> None:
        self.identifier = identifier

    def create(self, core_ctx: Any) -> Any:
        impl = _Impl()
        n = core_ctx.get_number_of_parallel_subtasks()
        i = core_ctx.get_index_of_this_subtask()
        prefix = ""
        if self.identifier and n > 1:
            prefix = f"{self.identifier}:{i + 1}> "
        elif self.identifier:
            prefix = f"{self.identifier}> "
        elif n > 1:
            prefix = f"{i + 1}> "

        def invoke(value: Any, ctx: Any) -> None:
            print(prefix + str(value), flush=False)

        impl.invoke = invoke
        return impl


class _Impl(_Lifecycle):
    on_timer: Any = None


class FullCountWindowSpec:
    """Sliding count windows as PyFlink's CountSlidingWindowAssigner: only full windows fire.

    The engine's count_window(size, slide) fires every ``slide`` elements over the last ``size`` (Java
    Flink's countWindow), which includes the first, incomplete windows; PyFlink emits only windows of
    ``size`` elements. A reduce or aggregate on such windows folds the window's elements here.
    """

    def __init__(self, size: int, function: tuple[Any, ...]) -> None:
        self.size = size
        self.function = function

    def create(self, core_ctx: Any) -> Any:
        impl = _Impl()
        size = self.size
        kind = self.function[0]
        if kind == "process":
            inner = self.function[1].create(core_ctx)
            impl._opened.append(inner)
            fold = None
            then = inner.process
        elif kind == "reduce":
            reduce = self.function[1]
            pwf = self.function[2].create(core_ctx) if self.function[2] is not None else None
            if pwf is not None:
                impl._opened.append(pwf)

            def fold(elements: list[Any]) -> Any:
                acc = elements[0]
                for e in elements[1:]:
                    acc = reduce(acc, e)
                return acc

            then = pwf.process if pwf is not None else None
        else:  # aggregate
            agg = self.function[1]
            pwf = self.function[4].create(core_ctx) if self.function[4] is not None else None
            if pwf is not None:
                impl._opened.append(pwf)

            def fold(elements: list[Any]) -> Any:
                acc = agg.create_accumulator()
                for e in elements:
                    acc = agg.add(e, acc)
                return agg.get_result(acc)

            then = pwf.process if pwf is not None else None

        def process(key: Any, ctx: Any, elements: list[Any]) -> Any:
            if len(elements) < size:
                return ()
            if fold is None:
                return then(key, ctx, elements)
            value = fold(elements)
            return then(key, ctx, [value]) if then is not None else (value,)

        impl.process = process
        return impl


class BatchReduce:
    """reduce in BATCH mode, as Flink's batch execution: one final value per key, at the end of input.

    Keeps the reduced value in keyed state and emits it from an event-time timer at the largest
    timestamp, which the final watermark of the bounded input fires.
    """

    _END_OF_TIME = 2**63 - 1

    def __init__(self, reduce: Callable[[Any, Any], Any], value_type: Any) -> None:
        self.reduce = reduce
        self.value_type = value_type

    def open(self, ctx: Any) -> None:
        from weir.datastream.state import ValueStateDescriptor

        self.state = ctx.get_state(ValueStateDescriptor("_batch_reduce", self.value_type))

    def process_element(self, value: Any, ctx: Any) -> Any:
        current = self.state.value()
        if current is None:
            ctx.timer_service().register_event_time_timer(self._END_OF_TIME)
            self.state.update(value)
        else:
            self.state.update(self.reduce(current, value))
        return ()

    def on_timer(self, timestamp: int, ctx: Any) -> Any:
        yield self.state.value()
