"""Keyed state, as PyFlink's ``pyflink.datastream.state``.

Get state in ``open()`` from the RuntimeContext (``runtime_context.get_state(ValueStateDescriptor(...))``);
it is scoped to the key of the record or timer being processed. Values live in the job's state backend
(heap or RocksDB), encoded with the descriptor's type, so they are checkpointed and rescale.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Callable

from weir.common.time import Duration, _millis
from weir.common.typeinfo import TypeInformation, _spec_of

__all__ = [
    "StateDescriptor",
    "ValueStateDescriptor",
    "ListStateDescriptor",
    "MapStateDescriptor",
    "ReducingStateDescriptor",
    "AggregatingStateDescriptor",
    "StateTtlConfig",
    "ValueState",
    "ListState",
    "MapState",
    "ReducingState",
    "AggregatingState",
]


class StateTtlConfig:
    """Time-to-live of state entries, in processing time."""

    class UpdateType(Enum):
        Disabled = 0
        OnCreateAndWrite = 1
        OnReadAndWrite = 2

    class StateVisibility(Enum):
        ReturnExpiredIfNotCleanedUp = 0
        NeverReturnExpired = 1

    class TtlTimeCharacteristic(Enum):
        ProcessingTime = 0

    def __init__(self, ttl_ms: int, update_type: UpdateType, visibility: StateVisibility) -> None:
        self._ttl_ms = ttl_ms
        self._update_type = update_type
        self._visibility = visibility

    @staticmethod
    def new_builder(ttl: Duration) -> StateTtlConfig.Builder:
        return StateTtlConfig.Builder(ttl)

    def get_ttl(self) -> Duration:
        return Duration(self._ttl_ms)

    def get_update_type(self) -> StateTtlConfig.UpdateType:
        return self._update_type

    def get_state_visibility(self) -> StateTtlConfig.StateVisibility:
        return self._visibility

    def is_enabled(self) -> bool:
        return self._update_type != StateTtlConfig.UpdateType.Disabled

    class Builder:
        def __init__(self, ttl: Duration) -> None:
            self._ttl_ms = _millis(ttl, "ttl")
            if self._ttl_ms <= 0:
                raise ValueError(f"state TTL must be positive, got {self._ttl_ms} ms")
            self._update = StateTtlConfig.UpdateType.OnCreateAndWrite
            self._visibility = StateTtlConfig.StateVisibility.NeverReturnExpired

        def set_update_type(self, update_type: StateTtlConfig.UpdateType) -> StateTtlConfig.Builder:
            self._update = update_type
            return self

        def update_ttl_on_create_and_write(self) -> StateTtlConfig.Builder:
            return self.set_update_type(StateTtlConfig.UpdateType.OnCreateAndWrite)

        def update_ttl_on_read_and_write(self) -> StateTtlConfig.Builder:
            return self.set_update_type(StateTtlConfig.UpdateType.OnReadAndWrite)

        def set_state_visibility(self, visibility: StateTtlConfig.StateVisibility) -> StateTtlConfig.Builder:
            self._visibility = visibility
            return self

        def return_expired_if_not_cleaned_up(self) -> StateTtlConfig.Builder:
            return self.set_state_visibility(StateTtlConfig.StateVisibility.ReturnExpiredIfNotCleanedUp)

        def never_return_expired(self) -> StateTtlConfig.Builder:
            return self.set_state_visibility(StateTtlConfig.StateVisibility.NeverReturnExpired)

        def set_ttl(self, ttl: Duration) -> StateTtlConfig.Builder:
            self._ttl_ms = _millis(ttl, "ttl")
            return self

        def set_ttl_time_characteristic(self, c: Any) -> StateTtlConfig.Builder:
            return self

        def cleanup_full_snapshot(self) -> StateTtlConfig.Builder:
            return self

        def cleanup_incrementally(self, *args: Any) -> StateTtlConfig.Builder:
            return self

        def cleanup_in_rocksdb_compact_filter(self, *args: Any) -> StateTtlConfig.Builder:
            return self

        def disable_cleanup_in_background(self) -> StateTtlConfig.Builder:
            return self

        def build(self) -> StateTtlConfig:
            return StateTtlConfig(self._ttl_ms, self._update, self._visibility)


class StateDescriptor:
    """Names a state (unique per operator) and says what it holds."""

    _kind = ""

    def __init__(self, name: str, type_info: TypeInformation | None) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"a state needs a non-empty name, got {name!r}")
        if type_info is not None and not isinstance(type_info, TypeInformation):
            raise TypeError(f"state '{name}': the type must be TypeInformation (e.g. Types.INT()), got {type_info!r}")
        self.name = name
        self.type_info = type_info
        self._ttl: StateTtlConfig | None = None

    def get_name(self) -> str:
        return self.name

    def enable_time_to_live(self, ttl_config: StateTtlConfig) -> None:
        if not isinstance(ttl_config, StateTtlConfig):
            raise TypeError(f"enable_time_to_live needs a StateTtlConfig, got {ttl_config!r}")
        self._ttl = ttl_config

    def _value_spec(self) -> Any:
        return _spec_of(self.type_info)

    def _ttl_spec(self) -> tuple[int, int, int] | None:
        t = self._ttl
        if t is None or not t.is_enabled():
            return None
        update = 1 if t._update_type == StateTtlConfig.UpdateType.OnReadAndWrite else 0
        visibility = 1 if t._visibility == StateTtlConfig.StateVisibility.ReturnExpiredIfNotCleanedUp else 0
        return (t._ttl_ms, update, visibility)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class ValueStateDescriptor(StateDescriptor):
    _kind = "value"

    def __init__(self, name: str, value_type_info: TypeInformation | None = None) -> None:
        super().__init__(name, value_type_info)


class ListStateDescriptor(StateDescriptor):
    _kind = "list"

    def __init__(self, name: str, elem_type_info: TypeInformation | None = None) -> None:
        super().__init__(name, elem_type_info)


class MapStateDescriptor(StateDescriptor):
    _kind = "map"

    def __init__(
        self, name: str, key_type_info: TypeInformation | None = None, value_type_info: TypeInformation | None = None
    ) -> None:
        super().__init__(name, value_type_info)
        if key_type_info is not None and not isinstance(key_type_info, TypeInformation):
            raise TypeError(f"state '{name}': the key type must be TypeInformation, got {key_type_info!r}")
        self.key_type_info = key_type_info

    def _key_spec(self) -> Any:
        return _spec_of(self.key_type_info)


class ReducingStateDescriptor(StateDescriptor):
    _kind = "reducing"

    def __init__(self, name: str, reduce_function: Any, type_info: TypeInformation | None = None) -> None:
        super().__init__(name, type_info)
        if not (callable(reduce_function) or hasattr(reduce_function, "reduce")):
            raise TypeError(f"state '{name}': reduce_function must be a ReduceFunction or callable")
        self.reduce_function = reduce_function

    def _reduce_callable(self) -> Callable[[Any, Any], Any]:
        f = self.reduce_function
        return f.reduce if hasattr(f, "reduce") else f


class AggregatingStateDescriptor(StateDescriptor):
    _kind = "aggregating"

    def __init__(self, name: str, agg_function: Any, state_type_info: TypeInformation | None = None) -> None:
        super().__init__(name, state_type_info)
        for m in ("create_accumulator", "add", "get_result"):
            if not hasattr(agg_function, m):
                raise TypeError(f"state '{name}': agg_function must be an AggregateFunction (it has no {m}())")
        self.agg_function = agg_function

    def _agg_function(self) -> Any:
        return self.agg_function


# The state objects functions receive are the engine's (weir._core); these names are for type hints.
class ValueState:
    """value(), update(v), clear()."""


class ListState:
    """get(), add(v), add_all(vs), update(vs), clear()."""


class MapState:
    """get(k), put(k, v), put_all(d), remove(k), contains(k), keys(), values(), items(), is_empty(), clear()."""


class ReducingState:
    """get(), add(v), clear()."""


class AggregatingState:
    """get(), add(v), clear()."""


class _RuntimeContext:
    """The RuntimeContext functions receive in open(): the engine's context plus descriptor checks."""

    def __init__(self, core: Any) -> None:
        self._core = core

    def get_index_of_this_subtask(self) -> int:
        return self._core.get_index_of_this_subtask()

    def get_number_of_parallel_subtasks(self) -> int:
        return self._core.get_number_of_parallel_subtasks()

    def get_max_number_of_parallel_subtasks(self) -> int:
        return self._core.get_max_number_of_parallel_subtasks()

    def get_task_name(self) -> str:
        return self._core.get_task_name()

    def get_task_name_with_subtasks(self) -> str:
        return self._core.get_task_name_with_subtasks()

    def get_attempt_number(self) -> int:
        return self._core.get_attempt_number()

    def get_job_parameter(self, key: str, default_value: str) -> str:
        return self._core.get_job_parameters().get(key, default_value)

    def get_metrics_group(self) -> Any:
        return _NoMetrics()

    def _check(self, d: Any, cls: type, method: str) -> None:
        if not isinstance(d, cls):
            raise TypeError(f"{method}() needs a {cls.__name__}, got {type(d).__name__} {getattr(d, 'name', d)!r}")

    def get_state(self, state_descriptor: ValueStateDescriptor) -> Any:
        self._check(state_descriptor, ValueStateDescriptor, "get_state")
        return self._core._value_state(state_descriptor)

    def get_list_state(self, state_descriptor: ListStateDescriptor) -> Any:
        self._check(state_descriptor, ListStateDescriptor, "get_list_state")
        return self._core._list_state(state_descriptor)

    def get_map_state(self, state_descriptor: MapStateDescriptor) -> Any:
        self._check(state_descriptor, MapStateDescriptor, "get_map_state")
        return self._core._map_state(state_descriptor)

    def get_reducing_state(self, state_descriptor: ReducingStateDescriptor) -> Any:
        self._check(state_descriptor, ReducingStateDescriptor, "get_reducing_state")
        return self._core._reducing_state(state_descriptor)

    def get_aggregating_state(self, state_descriptor: AggregatingStateDescriptor) -> Any:
        self._check(state_descriptor, AggregatingStateDescriptor, "get_aggregating_state")
        return self._core._aggregating_state(state_descriptor)


class _NoMetrics:
    """Metric groups are accepted and ignored (Weir's metrics are per task, on /metrics)."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: _NoMetrics()
