"""StreamExecutionEnvironment, as PyFlink's: where a job is defined, configured and executed.

``execute()`` runs the job on an embedded MiniCluster in this process: the engine's tasks run on their own
threads and call Python functions with the GIL held for each call only.
"""

from __future__ import annotations

from typing import Any

from weir import _core
from weir.common.configuration import Configuration
from weir.common.restart_strategy import RestartStrategyConfiguration
from weir.common.time import _millis
from weir.common.typeinfo import TypeInformation, _check_type, _spec_of
from weir.common.watermark_strategy import WatermarkStrategy
from weir.datastream import _adapters as ad
from weir.datastream.checkpoint_config import CheckpointConfig, CheckpointingMode
from weir.datastream.data_stream import DataStream, _Edge, _Node
from weir.datastream.execution_mode import RuntimeExecutionMode
from weir.datastream.state_backend import StateBackend

__all__ = ["StreamExecutionEnvironment", "ExecutionConfig", "JobClient", "JobExecutionResult"]


class ExecutionConfig:
    """Execution settings that PyFlink keeps on ``env.get_config()``."""

    def __init__(self, env: StreamExecutionEnvironment) -> None:
        self._env = env

    def set_auto_watermark_interval(self, interval: int) -> ExecutionConfig:
        self._env._config["pipeline.auto-watermark-interval"] = f"{int(interval)} ms"
        return self

    def get_auto_watermark_interval(self) -> int:
        v = self._env._config.get("pipeline.auto-watermark-interval", "200 ms")
        return int(v.split()[0])

    def set_parallelism(self, parallelism: int) -> ExecutionConfig:
        self._env.set_parallelism(parallelism)
        return self

    def get_parallelism(self) -> int:
        return self._env.get_parallelism()

    def set_max_parallelism(self, max_parallelism: int) -> ExecutionConfig:
        self._env.set_max_parallelism(max_parallelism)
        return self

    def enable_object_reuse(self) -> ExecutionConfig:
        return self

    def disable_object_reuse(self) -> ExecutionConfig:
        return self

    def set_global_job_parameters(self, params: dict[str, str]) -> ExecutionConfig:
        return self


class JobExecutionResult:
    """What execute() returns."""

    def __init__(self, d: dict[str, Any]) -> None:
        self._job_id = d["job_id"]
        self._net_runtime = d["net_runtime"]

    def get_job_id(self) -> str:
        return self._job_id

    def get_net_runtime(self) -> int:
        return self._net_runtime

    def is_job_execution_result(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"JobExecutionResult(job_id={self._job_id}, net_runtime={self._net_runtime} ms)"


class JobClient:
    """A handle on a running job (execute_async)."""

    def __init__(self, core: Any) -> None:
        self._core = core

    def get_job_id(self) -> str:
        return self._core.get_job_id()

    def get_job_status(self) -> str:
        return self._core.get_job_status()

    def cancel(self) -> None:
        self._core.cancel()

    def get_job_execution_result(self) -> JobExecutionResult:
        return JobExecutionResult(self._core.get_job_execution_result())

    def trigger_savepoint(self, savepoint_directory: str) -> str:
        return self._core.trigger_savepoint(savepoint_directory)

    def stop_with_savepoint(self, savepoint_directory: str, advance_to_end_of_event_time: bool = False) -> str:
        return self._core.stop_with_savepoint(savepoint_directory, advance_to_end_of_event_time)

    def trigger_checkpoint(self) -> str:
        return self._core.trigger_checkpoint()

    def _restarts(self) -> int:
        return int(self._core.counters()["restarts"])


class StreamExecutionEnvironment:
    """Defines and runs a job."""

    def __init__(self, configuration: Configuration | None = None) -> None:
        # What the submitter set (`weir run -D ...`, the cluster's plan), then the program's own settings.
        self._config: dict[str, str] = dict(_core.default_config())
        if configuration is not None:
            self._config.update(configuration.to_dict())
        self._nodes: list[_Node] = []
        self._checkpoint_config = CheckpointConfig(self._config)
        self._runtime_mode = RuntimeExecutionMode.STREAMING

    @staticmethod
    def get_execution_environment(configuration: Configuration | None = None) -> StreamExecutionEnvironment:
        if configuration is not None and not isinstance(configuration, Configuration):
            raise TypeError(f"get_execution_environment takes a Configuration, got {configuration!r}")
        return StreamExecutionEnvironment(configuration)

    # ---- settings ----
    def get_config(self) -> ExecutionConfig:
        return ExecutionConfig(self)

    def configure(self, configuration: Configuration) -> StreamExecutionEnvironment:
        self._config.update(configuration.to_dict())
        return self

    def set_parallelism(self, parallelism: int) -> StreamExecutionEnvironment:
        if not isinstance(parallelism, int) or parallelism < 1:
            raise ValueError(f"parallelism must be at least 1, got {parallelism!r}")
        self._config["parallelism.default"] = str(parallelism)
        return self

    def get_parallelism(self) -> int:
        return int(self._config.get("parallelism.default", "1"))

    def set_max_parallelism(self, max_parallelism: int) -> StreamExecutionEnvironment:
        if not isinstance(max_parallelism, int) or not 1 <= max_parallelism <= 32768:
            raise ValueError(f"max parallelism must be in 1..32768, got {max_parallelism!r}")
        self._config["pipeline.max-parallelism"] = str(max_parallelism)
        return self

    def get_max_parallelism(self) -> int:
        return int(self._config.get("pipeline.max-parallelism", "128"))

    def set_runtime_mode(self, execution_mode: RuntimeExecutionMode) -> StreamExecutionEnvironment:
        if not isinstance(execution_mode, RuntimeExecutionMode):
            raise TypeError(f"set_runtime_mode takes a RuntimeExecutionMode, got {execution_mode!r}")
        self._runtime_mode = execution_mode
        return self

    def set_buffer_timeout(self, timeout_millis: int) -> StreamExecutionEnvironment:
        self._config["execution.buffer-timeout.interval"] = f"{int(timeout_millis)} ms"
        return self

    def enable_checkpointing(self, interval: int, mode: CheckpointingMode | None = None) -> StreamExecutionEnvironment:
        self._checkpoint_config.set_checkpoint_interval(interval)
        if mode is not None:
            self._checkpoint_config.set_checkpointing_mode(mode)
        return self

    def get_checkpoint_config(self) -> CheckpointConfig:
        return self._checkpoint_config

    def get_checkpoint_interval(self) -> int:
        return self._checkpoint_config.get_checkpoint_interval()

    def get_checkpointing_mode(self) -> CheckpointingMode:
        return self._checkpoint_config.get_checkpointing_mode()

    def set_state_backend(self, state_backend: StateBackend) -> StreamExecutionEnvironment:
        if not isinstance(state_backend, StateBackend):
            raise TypeError(
                f"set_state_backend takes a HashMapStateBackend or EmbeddedRocksDBStateBackend, got {state_backend!r}"
            )
        self._config.update(state_backend._keys())
        return self

    def set_restart_strategy(
        self, restart_strategy_configuration: RestartStrategyConfiguration
    ) -> StreamExecutionEnvironment:
        self._config.update(restart_strategy_configuration._keys)
        return self

    def add_python_file(self, file_path: str) -> None:
        """Accepted: the job's Python files are this process's own on the embedded MiniCluster."""

    def set_python_requirements(self, requirements_file_path: str, requirements_cache_dir: str | None = None) -> None:
        """Accepted: dependencies are this process's own on the embedded MiniCluster."""

    def add_jars(self, *jars_path: str) -> None:
        """Accepted and ignored: Weir runs no Java."""

    def add_classpaths(self, *classpaths: str) -> None:
        """Accepted and ignored: Weir runs no Java."""

    # ---- sources ----
    def from_collection(self, collection: list[Any], type_info: TypeInformation | None = None) -> DataStream:
        if type_info is not None:
            _check_type(type_info, "from_collection: type_info")
        values = list(collection)
        return DataStream(_Node(self, "source_collection", [], "Collection Source", values=values, out_type=type_info))

    def from_sequence(self, start: int, end: int, rate_per_second: float = 0) -> DataStream:
        """The numbers from ``start`` to ``end`` (inclusive). ``rate_per_second`` (Weir's addition) paces
        the source; 0 means as fast as it can."""
        from weir.common.typeinfo import Types

        return DataStream(
            _Node(
                self,
                "source_sequence",
                [],
                "Sequence Source",
                start=start,
                end=end,
                rate=float(rate_per_second),
                out_type=Types.LONG(),
            )
        )

    def read_text_file(self, file_path: str, charset_name: str = "UTF-8") -> DataStream:
        from weir.common.typeinfo import Types

        return DataStream(
            _Node(self, "source_file", [], f"Text File Source: {file_path}", path=file_path, out_type=Types.STRING())
        )

    def from_source(
        self,
        source: Any,
        watermark_strategy: WatermarkStrategy,
        source_name: str,
        type_info: TypeInformation | None = None,
    ) -> DataStream:
        make = getattr(source, "_source_node", None)
        if make is None:
            raise TypeError(
                f"from_source() needs a Source (NumberSequenceSource, FileSource, KafkaSource), got {source!r}"
            )
        if getattr(source, "_applies_watermark_strategy", False):
            # Kafka: watermarks per partition, generated in the source.
            return DataStream(make(self, source_name, watermark_strategy))
        ds = DataStream(make(self, source_name))
        if watermark_strategy is not None and watermark_strategy._kind != "none":
            ds = ds.assign_timestamps_and_watermarks(watermark_strategy)
        return ds

    # ---- running ----
    def execute(self, job_name: str | None = None) -> JobExecutionResult:
        builder = self._translate()
        name = job_name or "Weir Streaming Job"
        if _core.planning():
            builder.capture(name)
            raise _PlanCaptured()
        return JobExecutionResult(builder.execute(name))

    def execute_async(self, job_name: str = "Weir Streaming Job") -> JobClient:
        builder = self._translate()
        if _core.planning():
            builder.capture(job_name)
            raise _PlanCaptured()
        return JobClient(builder.execute_async(job_name))

    def get_execution_plan(self) -> str:
        return self._translate().plan_json("Weir Streaming Job")

    def _execute_collect(self, node: _Node, job_name: str) -> list[Any]:
        if _core.planning():
            raise RuntimeError(
                "execute_and_collect() brings results into the client's process: it works on the embedded "
                "MiniCluster (python job.py), not for a job submitted to a cluster; write to a sink instead"
            )
        handles: dict[int, Any] = {}
        builder = self._translate(collect_handles=handles)
        builder.execute(job_name)
        return handles[node.id].values()

    def _engine_config(self) -> dict[str, str]:
        return dict(self._config)

    def _translate(self, collect_handles: dict[int, Any] | None = None) -> Any:
        nodes = self._nodes
        self._nodes = []  # the next job defined on this environment starts afresh, as in Flink
        if not any(n.kind in ("sink", "collect") for n in nodes):
            raise RuntimeError("No operators defined in streaming topology. Cannot execute.")
        return _Translator(self, nodes, collect_handles).run()


class _PlanCaptured(BaseException):  # noqa: N818 - a signal, not an error
    """Ends a job's script at execute() while a Weir process plans it (not an Exception: except clauses
    in the script do not catch it)."""


class _Translator:
    """Replays the recorded program on the engine, fusing chains of Python functions."""

    def __init__(self, env: StreamExecutionEnvironment, nodes: list[_Node], collect: dict[int, Any] | None) -> None:
        self.env = env
        self.nodes = nodes
        self.collect = collect if collect is not None else {}
        self.b = _core.JobBuilder(env._engine_config())
        self.handle: dict[int, int] = {}
        self.chain_of: dict[int, list[_Node]] = {}
        self.chaining = env._config.get("pipeline.operator-chaining.enabled", "true") != "false"

    def run(self) -> Any:
        needed = self._needed()
        consumers: dict[int, int] = {}
        for n in self.nodes:
            if n.id not in needed:
                continue
            for e in n.inputs:
                if e.side_tag is None:
                    consumers[e.node.id] = consumers.get(e.node.id, 0) + 1
        # Group stages into chains.
        for n in self.nodes:
            if n.id in needed and n.kind in ("stage", "key_by"):
                e = n.inputs[0] if len(n.inputs) == 1 else None
                p = e.node if e is not None else None
                if (
                    self.chaining
                    and p is not None
                    and p.kind == "stage"
                    and e.partition is None
                    and e.side_tag is None
                    and consumers.get(p.id, 0) == 1
                    and p.parallelism == n.parallelism
                    and n.chaining == "always"
                    and p.chaining != "never"
                    and p.id in self.chain_of
                ):
                    chain = self.chain_of[p.id]
                    chain.append(n)
                else:
                    chain = [n]
                self.chain_of[n.id] = chain
        for n in self.nodes:
            if n.id in needed:
                self._emit(n)
        return self.b

    def _needed(self) -> set[int]:
        needed: set[int] = set()
        stack = [n for n in self.nodes if n.kind in ("sink", "collect")]
        while stack:
            n = stack.pop()
            if n.id in needed:
                continue
            needed.add(n.id)
            stack.extend(e.node for e in n.inputs)
        return needed

    def _input(self, e: _Edge, keyed_ok: bool = False) -> int:
        n = e.node
        h = self.handle[n.id]
        if n.kind == "key_by" and not keyed_ok:
            h = self.b.keyed_values(h)
        if e.side_tag is not None:
            late = n.kind == "window" and n.attrs.get("late_tag") == e.side_tag
            h = self.b.side_output(h, e.side_tag.tag_id, late)
        if e.partition is not None:
            h = self.b.partition(h, e.partition)
        return h

    def _inputs(self, n: _Node) -> int:
        hs = [self._input(e) for e in n.inputs]
        return hs[0] if len(hs) == 1 else self.b.union(hs)

    def _side_specs(self, members: list[_Node]) -> dict[str, Any]:
        ids = {m.id for m in members}
        specs: dict[str, Any] = {}
        for n in self.nodes:
            for e in n.inputs:
                if e.node.id in ids and e.side_tag is not None:
                    specs[e.side_tag.tag_id] = _spec_of(e.side_tag.type_info)
        return specs

    def _props(self, h: int, n: _Node, name: str | None = None) -> None:
        self.b.set_property(h, "name", name or n.name)
        if n.uid:
            self.b.set_property(h, "uid", n.uid)
        if n.parallelism:
            self.b.set_property(h, "parallelism", n.parallelism)
        if n.max_parallelism:
            self.b.set_property(h, "max_parallelism", n.max_parallelism)
        if n.chaining != "always":
            self.b.set_property(h, "chaining", n.chaining)

    def _emit(self, n: _Node) -> None:
        b, a, k = self.b, n.attrs, n.kind
        if k == "source_collection":
            h = b.from_collection(a["values"], _spec_of(n.out_type), n.name)
            self._props(h, n)
        elif k == "source_sequence":
            h = b.from_sequence(a["start"], a["end"], n.name, a.get("rate", 0.0))
            self._props(h, n)
        elif k == "source_file":
            h = b.read_text_file(a["path"], n.name)
        elif k == "source_kafka":
            ws: WatermarkStrategy | None = a.get("strategy")
            if ws is None:
                h = b.kafka_source(a["config"], n.name, None, None)
            else:
                h = b.kafka_source(a["config"], n.name, ws._engine_spec(), ws._assigner_callable())
            self._props(h, n)
        elif k in ("stage", "key_by"):
            chain = self.chain_of[n.id]
            if chain[0] is not n:
                return  # emitted with the first member of its chain
            spec = ad.ChainSpec()
            last = chain[-1]
            for s in chain:
                if s.kind == "stage":
                    spec.stages.append((s.attrs["stage"], s.attrs["fn"], s.name, _spec_of(s.out_type)))
            key_spec = None
            if last.kind == "key_by":
                spec.key = last.attrs["key"]
                key_spec = _spec_of(last.attrs["key_type"]) or ("ANY", "ANY", [], [])
            name = " -> ".join(s.name for s in chain)
            h = b.chain(self._inputs(n), spec, _spec_of(last.out_type), self._side_specs(chain), key_spec, name)
            self._props(h, last, name)
            if len(chain) == 1 and k == "key_by" and last.parallelism is None and len(n.inputs) == 1:
                # As PyFlink: the key-extracting operator runs at its input's parallelism behind a forward
                # edge, so each key's records keep their order.
                p = self._parallelism_of(n.inputs[0].node)
                if p is not None and n.inputs[0].partition is None:
                    b.set_property(h, "parallelism", p)
            for s in chain:
                self.handle[s.id] = h
            if last.kind == "key_by":
                self.handle[last.id] = b.key_by(h)
            return
        elif k == "keyed_process":
            h = b.keyed_process(
                self._input(n.inputs[0], True), a["spec"], _spec_of(n.out_type), self._side_specs([n]), n.name
            )
            self._props(h, n)
        elif k == "keyed_reduce" and self.env._runtime_mode == RuntimeExecutionMode.BATCH:
            fn = a["spec"].fn
            reduce = fn.reduce if hasattr(fn, "reduce") else fn
            spec = ad.KeyedProcessSpec(ad.BatchReduce(reduce, n.out_type))
            h = b.keyed_process(self._input(n.inputs[0], True), spec, _spec_of(n.out_type), {}, n.name)
            self._props(h, n)
        elif k == "keyed_reduce":
            h = b.keyed_reduce(self._input(n.inputs[0], True), a["spec"], _spec_of(n.out_type), n.name)
            self._props(h, n)
        elif k == "window":
            h = self._window(n)
        elif k == "two_input":
            keyed = a["mode"] in ("keyed", "keyed_broadcast")
            h1 = self._input(n.inputs[0], keyed)
            h2 = self._input(n.inputs[1], a["mode"] == "keyed")
            h = b.two_input(h1, h2, a["mode"], a["spec"], _spec_of(n.out_type), self._side_specs([n]), n.name)
            self._props(h, n)
        elif k == "timestamps":
            s: WatermarkStrategy = a["strategy"]
            h = b.timestamps(self._inputs(n), s._engine_spec(), s._assigner_callable(), n.name)
            self._props(h, n)
        elif k == "partition_custom":
            h = self._partition_custom(n)
        elif k == "sink":
            if isinstance(a["spec"], tuple) and a["spec"][0] == "file":
                _, base, encoder, prefix, suffix = a["spec"]
                text = ad.ChainSpec()
                text.stages.append((ad.MAP, lambda v: encoder._text(v), "Encoder", None))
                lines = b.chain(self._inputs(n), text, ("STRING", "String", [], []), {}, None, "Encoder")
                if n.parallelism:
                    b.set_property(lines, "parallelism", n.parallelism)
                h = b.file_sink(lines, base, n.name, prefix, suffix)
            elif isinstance(a["spec"], tuple) and a["spec"][0] == "kafka":
                _, config, preparer = a["spec"]
                text = ad.ChainSpec()
                if preparer is None:
                    text.stages.append((ad.MAP, str, "To String", None))
                    values = b.chain(self._inputs(n), text, ("STRING", "String", [], []), {}, None, "To String")
                else:
                    text.stages.append((ad.MAP, preparer, "Kafka Record Serializer", None))
                    values = b.chain(self._inputs(n), text, None, {}, None, "Kafka Record Serializer")
                if n.parallelism:
                    b.set_property(values, "parallelism", n.parallelism)
                h = b.kafka_sink(values, config, n.name)
            elif a["spec"] is None:
                h = b.discarding_sink(self._inputs(n), n.name)
            else:
                h = b.python_sink(self._inputs(n), a["spec"], n.name)
            if n.uid:
                b.set_sink_property(h, "uid", n.uid)
            if n.parallelism:
                b.set_sink_property(h, "parallelism", n.parallelism)
        elif k == "collect":
            self.collect[n.id] = b.collect(self._inputs(n), n.name)
            return
        else:
            raise RuntimeError(f"internal: unknown node kind {k}")
        self.handle[n.id] = h

    def _parallelism_of(self, n: _Node) -> int | None:
        if n.parallelism is not None:
            return n.parallelism
        if n.kind == "source_collection":
            return 1
        if n.kind in ("stage", "key_by") and self.chain_of.get(n.id):
            return self.chain_of[n.id][-1].parallelism
        return None

    def _window(self, n: _Node) -> int:
        a = n.attrs
        key_node = n.inputs[0].node
        in_spec = _spec_of(key_node.out_type)
        assigner = (*a["assigner"]._engine_spec(), in_spec)
        trigger = a["trigger"]._engine_spec() if a["trigger"] is not None else None
        fn = a["function"]
        if fn[0] == "aggregate":
            agg, acc_type, _, pwf = fn[1], fn[2], fn[3], fn[4]
            function = ("aggregate", agg, _spec_of(acc_type), None, pwf)
        else:
            function = fn
        late = a["late_tag"].tag_id if a["late_tag"] is not None else None
        h = self.b.window(
            self._input(n.inputs[0], True),
            assigner,
            trigger,
            a["lateness"],
            late,
            a["evictor"],
            function,
            _spec_of(n.out_type),
            n.name,
        )
        self._props(h, n)
        return h

    def _partition_custom(self, n: _Node) -> int:
        """Routes each record to ``partitioner(key, num_partitions)``: the record is keyed, before the
        shuffle, with a key whose key group the chosen subtask owns, and the key is dropped after it."""
        parallelism = n.parallelism or self.env.get_parallelism()
        keys = _core.keys_for_subtasks(parallelism, n.max_parallelism or self.env.get_max_parallelism())
        part, key = n.attrs["partitioner"], n.attrs["key"]

        def route(value: Any) -> int:
            p = part(key(value), parallelism)
            if not isinstance(p, int) or not 0 <= p < parallelism:
                raise ValueError(
                    f"partition_custom: the partitioner returned {p!r}, not a partition in 0..{parallelism - 1}"
                )
            return keys[p]

        spec = ad.ChainSpec()
        spec.key = route
        h = self.b.chain(self._inputs(n), spec, _spec_of(n.out_type), {}, ("ANY", "ANY", [], []), "PartitionCustom")
        upstream = self._parallelism_of(n.inputs[0].node)
        if upstream is not None:
            self.b.set_property(h, "parallelism", upstream)
        h = self.b.keyed_values(self.b.key_by(h))
        self.b.set_property(h, "parallelism", parallelism)
        if n.max_parallelism:
            self.b.set_property(h, "max_parallelism", n.max_parallelism)
        return h


def _millis_or_int(v: Any) -> int:
    return _millis(v, "interval")
