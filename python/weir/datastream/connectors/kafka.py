"""Kafka, as PyFlink's ``pyflink.datastream.connectors.kafka``: ``KafkaSource`` and ``KafkaSink`` of strings
(``SimpleStringSchema``), on Weir's C++ connector (librdkafka). Offsets live in checkpoints; with
``DeliveryGuarantee.EXACTLY_ONCE`` a read_committed consumer sees every record once (docs/connectors/kafka.md).
``env.from_source(kafka_source, strategy, name)`` applies the watermark strategy per partition in the source."""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import Enum
from typing import Any, Callable

from weir.common.serialization import SimpleStringSchema

__all__ = [
    "DeliveryGuarantee",
    "FlinkKafkaPartitioner",
    "KafkaOffsetResetStrategy",
    "KafkaOffsetsInitializer",
    "KafkaRecordSerializationSchema",
    "KafkaSink",
    "KafkaSource",
    "KafkaTopicPartition",
    "KafkaTopicSelector",
]


class DeliveryGuarantee(Enum):
    NONE = "none"
    AT_LEAST_ONCE = "at-least-once"
    EXACTLY_ONCE = "exactly-once"


class KafkaOffsetResetStrategy(Enum):
    EARLIEST = "earliest"
    LATEST = "latest"
    NONE = "none"


class KafkaTopicPartition:
    def __init__(self, topic: str, partition: int) -> None:
        self._topic, self._partition = topic, partition

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KafkaTopicPartition) and (self._topic, self._partition) == (
            other._topic,
            other._partition,
        )

    def __hash__(self) -> int:
        return hash((self._topic, self._partition))


class KafkaOffsetsInitializer:
    """Where reading starts, or where a bounded source stops."""

    def __init__(self, spec: tuple[Any, ...]) -> None:
        self._spec = spec

    @staticmethod
    def earliest() -> KafkaOffsetsInitializer:
        return KafkaOffsetsInitializer(("earliest",))

    @staticmethod
    def latest() -> KafkaOffsetsInitializer:
        return KafkaOffsetsInitializer(("latest",))

    @staticmethod
    def timestamp(timestamp: int) -> KafkaOffsetsInitializer:
        return KafkaOffsetsInitializer(("timestamp", int(timestamp)))

    @staticmethod
    def committed_offsets(
        offset_reset_strategy: KafkaOffsetResetStrategy = KafkaOffsetResetStrategy.NONE,
    ) -> KafkaOffsetsInitializer:
        return KafkaOffsetsInitializer(("committed", offset_reset_strategy.value))

    @staticmethod
    def offsets(
        offsets: dict[KafkaTopicPartition, int],
        offset_reset_strategy: KafkaOffsetResetStrategy = KafkaOffsetResetStrategy.EARLIEST,
    ) -> KafkaOffsetsInitializer:
        by_tuple = {(tp._topic, tp._partition): int(o) for tp, o in offsets.items()}
        return KafkaOffsetsInitializer(("offsets", by_tuple, offset_reset_strategy.value))


class KafkaSource:
    """Built by ``KafkaSource.builder()``; read with ``env.from_source(source, strategy, name)``, which applies
    the watermark strategy per partition (Flink's per-partition watermarks: an idle partition, with
    ``with_idleness``, stops holding the watermark back)."""

    # from_source hands the watermark strategy to the source instead of applying it after.
    _applies_watermark_strategy = True

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = config

    @staticmethod
    def builder() -> KafkaSourceBuilder:
        return KafkaSourceBuilder()

    def _source_node(self, env: Any, name: str, watermark_strategy: Any = None) -> Any:
        from weir.common.typeinfo import Types
        from weir.datastream.data_stream import _Node

        return _Node(
            env, "source_kafka", [], name, config=self._config, strategy=watermark_strategy, out_type=Types.STRING()
        )


class KafkaSourceBuilder:
    def __init__(self) -> None:
        self._c: dict[str, Any] = {
            "bootstrap_servers": "",
            "topics": [],
            "topic_pattern": "",
            "group_id": "",
            "starting_offsets": ("earliest",),
            "stopping_offsets": None,
            "properties": {},
            "client_timeout_ms": 30000,
        }
        self._deserializer: Any = None

    def set_bootstrap_servers(self, bootstrap_servers: str) -> KafkaSourceBuilder:
        self._c["bootstrap_servers"] = bootstrap_servers
        return self

    def set_topics(self, *topics: str) -> KafkaSourceBuilder:
        self._c["topics"] = list(topics)
        return self

    def set_topic_pattern(self, topic_pattern: str) -> KafkaSourceBuilder:
        self._c["topic_pattern"] = topic_pattern
        return self

    def set_group_id(self, group_id: str) -> KafkaSourceBuilder:
        self._c["group_id"] = group_id
        return self

    def set_starting_offsets(self, starting_offsets_initializer: KafkaOffsetsInitializer) -> KafkaSourceBuilder:
        self._c["starting_offsets"] = starting_offsets_initializer._spec
        return self

    def set_bounded(self, stopping_offsets_initializer: KafkaOffsetsInitializer) -> KafkaSourceBuilder:
        self._c["stopping_offsets"] = stopping_offsets_initializer._spec
        return self

    def set_unbounded(self, stopping_offsets_initializer: KafkaOffsetsInitializer | None = None) -> KafkaSourceBuilder:
        if stopping_offsets_initializer is not None:
            raise ValueError("KafkaSource: Weir's unbounded mode has no stopping offsets; use set_bounded")
        self._c["stopping_offsets"] = None
        return self

    def set_value_only_deserializer(self, deserialization_schema: Any) -> KafkaSourceBuilder:
        if not isinstance(deserialization_schema, SimpleStringSchema):
            raise ValueError("KafkaSource: only SimpleStringSchema values are supported for now")
        self._deserializer = deserialization_schema
        return self

    def set_property(self, key: str, value: str) -> KafkaSourceBuilder:
        self._c["properties"][key] = str(value)
        return self

    def set_properties(self, props: dict[str, str]) -> KafkaSourceBuilder:
        for k, v in props.items():
            self.set_property(k, v)
        return self

    def build(self) -> KafkaSource:
        if self._deserializer is None:
            raise ValueError("KafkaSource: no deserializer (set_value_only_deserializer)")
        if not self._c["bootstrap_servers"]:
            raise ValueError("KafkaSource: no bootstrap servers (set_bootstrap_servers)")
        if bool(self._c["topics"]) == bool(self._c["topic_pattern"]):
            raise ValueError("KafkaSource: give either topics (set_topics) or a topic pattern (set_topic_pattern)")
        return KafkaSource(dict(self._c, properties=dict(self._c["properties"])))


class KafkaTopicSelector(ABC):
    """Selects the topic of a record (PyFlink's ``KafkaTopicSelector``)."""

    @abstractmethod
    def apply(self, data: Any) -> str:
        """The topic ``data`` goes to."""


class FlinkKafkaPartitioner(ABC):
    """Chooses the partition of a record (Flink's ``FlinkKafkaPartitioner``; PyFlink has no Python one).
    ``open`` is called once per sink subtask; ``partition`` gets the record, its serialized key (None without a
    key schema) and value, the target topic and that topic's partitions, and returns one of them."""

    def open(self, parallel_instance_id: int, parallel_instances: int) -> None:  # noqa: B027
        """Called once per sink subtask before the first record."""

    @abstractmethod
    def partition(self, record: Any, key: bytes | None, value: bytes, target_topic: str, partitions: list[int]) -> int:
        """The partition (one of ``partitions``) of ``record``."""


class KafkaRecordSerializationSchema:
    """Where and how records go: ``KafkaRecordSerializationSchema.builder().set_topic(t)
    .set_value_serialization_schema(SimpleStringSchema()).build()``, with optionally a topic selector, a key
    serialization schema and a partitioner."""

    def __init__(
        self,
        topic: str,
        topic_selector: KafkaTopicSelector | None = None,
        key: Any = None,
        partitioner: FlinkKafkaPartitioner | None = None,
    ) -> None:
        self._topic = topic
        self._topic_selector = topic_selector
        self._key = key
        self._partitioner = partitioner

    @staticmethod
    def builder() -> KafkaRecordSerializationSchemaBuilder:
        return KafkaRecordSerializationSchemaBuilder()

    def _simple(self) -> bool:
        return self._topic_selector is None and self._key is None and self._partitioner is None


class KafkaRecordSerializationSchemaBuilder:
    def __init__(self) -> None:
        self._topic = ""
        self._topic_selector: KafkaTopicSelector | None = None
        self._key: Any = None
        self._value: Any = None
        self._partitioner: FlinkKafkaPartitioner | None = None

    def set_topic(self, topic: str) -> KafkaRecordSerializationSchemaBuilder:
        self._topic = topic
        self._topic_selector = None
        return self

    def set_topic_selector(
        self, topic_selector: Callable[[Any], str] | KafkaTopicSelector
    ) -> KafkaRecordSerializationSchemaBuilder:
        """Computes each record's topic: a ``KafkaTopicSelector`` or a function of the record."""
        if isinstance(topic_selector, KafkaTopicSelector):
            self._topic_selector = topic_selector
        elif callable(topic_selector):
            self._topic_selector = _FunctionTopicSelector(topic_selector)
        else:
            raise TypeError("topic_selector must be a KafkaTopicSelector or a callable")
        self._topic = ""
        return self

    def set_key_serialization_schema(self, key_serialization_schema: Any) -> KafkaRecordSerializationSchemaBuilder:
        """Serializes each record into its key (as PyFlink: the schema gets the whole record)."""
        if not isinstance(key_serialization_schema, SimpleStringSchema):
            raise ValueError("KafkaRecordSerializationSchema: only SimpleStringSchema keys are supported for now")
        self._key = key_serialization_schema
        return self

    def set_value_serialization_schema(self, value_serialization_schema: Any) -> KafkaRecordSerializationSchemaBuilder:
        if not isinstance(value_serialization_schema, SimpleStringSchema):
            raise ValueError("KafkaRecordSerializationSchema: only SimpleStringSchema values are supported for now")
        self._value = value_serialization_schema
        return self

    def set_partitioner(self, partitioner: FlinkKafkaPartitioner) -> KafkaRecordSerializationSchemaBuilder:
        """Chooses each record's partition (default: the producer's, by key hash; spread without a key)."""
        if not isinstance(partitioner, FlinkKafkaPartitioner):
            raise TypeError(f"set_partitioner needs a FlinkKafkaPartitioner, got {partitioner!r}")
        self._partitioner = partitioner
        return self

    def build(self) -> KafkaRecordSerializationSchema:
        if not self._topic and self._topic_selector is None:
            raise ValueError("KafkaRecordSerializationSchema: no topic (set_topic or set_topic_selector)")
        if self._value is None:
            raise ValueError("KafkaRecordSerializationSchema: no value serialization schema")
        return KafkaRecordSerializationSchema(self._topic, self._topic_selector, self._key, self._partitioner)


class _FunctionTopicSelector(KafkaTopicSelector):
    def __init__(self, f: Callable[[Any], str]) -> None:
        self._f = f

    def apply(self, data: Any) -> str:
        return self._f(data)


class _KafkaRecordPreparer:
    """The map before a KafkaSink whose serialization schema selects topics, keys or partitions: each record
    becomes (topic, key, value, partition) for the C++ sink (topic "" for the fixed one, partition None for
    the producer's choice). Partition counts are looked up once per topic and subtask."""

    def __init__(self, schema: KafkaRecordSerializationSchema, bootstrap_servers: str, timeout_s: float) -> None:
        self._schema = schema
        self._servers = bootstrap_servers
        self._timeout_s = timeout_s
        self._partitions: dict[str, list[int]] = {}

    def open(self, runtime_context: Any) -> None:
        if self._schema._partitioner is not None:
            self._schema._partitioner.open(
                runtime_context.get_index_of_this_subtask(), runtime_context.get_number_of_parallel_subtasks()
            )

    def map(self, value: Any) -> tuple[str, str | None, str, int | None]:
        schema = self._schema
        topic = schema._topic
        if schema._topic_selector is not None:
            topic = schema._topic_selector.apply(value)
            if not isinstance(topic, str) or not topic:
                raise ValueError(f"KafkaSink: the topic selector returned {topic!r} for {value!r}, not a topic name")
        text = str(value)
        key = None if schema._key is None else str(value)
        partition = None
        if schema._partitioner is not None:
            partitions = self._partitions.get(topic)
            if partitions is None:
                from weir import _core

                partitions = list(range(_core.kafka_partition_count(self._servers, topic, self._timeout_s)))
                self._partitions[topic] = partitions
            partition = schema._partitioner.partition(
                value, None if key is None else key.encode(), text.encode(), topic, partitions
            )
            if partition not in partitions:
                raise ValueError(
                    f"KafkaSink: the partitioner chose partition {partition!r} of topic '{topic}', "
                    f"which has partitions 0 to {len(partitions) - 1}"
                )
        return (topic if schema._topic_selector is not None else "", key, text, partition)


class KafkaSink:
    """Built by ``KafkaSink.builder()``; written with ``stream.sink_to(sink)``. Values are written as ``str(v)``."""

    def __init__(self, config: dict[str, Any], record_serializer: KafkaRecordSerializationSchema) -> None:
        self._config = config
        self._record_serializer = record_serializer
        self._name = "Kafka Sink"

    @staticmethod
    def builder() -> KafkaSinkBuilder:
        return KafkaSinkBuilder()

    def _sink_spec(self) -> Any:
        """("kafka", config, the map before the sink or None when records go as str(value))."""
        schema = self._record_serializer
        if schema._simple():
            return ("kafka", self._config, None)
        config = dict(
            self._config,
            fields=True,
            has_key=schema._key is not None,
            has_partitioner=schema._partitioner is not None,
        )
        return ("kafka", config, _KafkaRecordPreparer(schema, self._config["bootstrap_servers"], 30.0))


class KafkaSinkBuilder:
    def __init__(self) -> None:
        self._c: dict[str, Any] = {
            "bootstrap_servers": "",
            "topic": "",
            "delivery_guarantee": DeliveryGuarantee.NONE.value,
            "transactional_id_prefix": "",
            "marker_topic": "",
            "properties": {},
        }
        self._record_serializer: KafkaRecordSerializationSchema | None = None

    def set_bootstrap_servers(self, bootstrap_servers: str) -> KafkaSinkBuilder:
        self._c["bootstrap_servers"] = bootstrap_servers
        return self

    def set_record_serializer(self, record_serializer: KafkaRecordSerializationSchema) -> KafkaSinkBuilder:
        self._c["topic"] = record_serializer._topic
        self._record_serializer = record_serializer
        return self

    def set_marker_topic(self, topic: str) -> KafkaSinkBuilder:
        """Weir's own: exactly once with a topic selector needs an existing topic for the commit markers
        (docs/connectors/kafka.md)."""
        self._c["marker_topic"] = topic
        return self

    def set_delivery_guarantee(self, delivery_guarantee: DeliveryGuarantee) -> KafkaSinkBuilder:
        self._c["delivery_guarantee"] = delivery_guarantee.value
        return self

    def set_transactional_id_prefix(self, transactional_id_prefix: str) -> KafkaSinkBuilder:
        self._c["transactional_id_prefix"] = transactional_id_prefix
        return self

    def set_property(self, key: str, value: str) -> KafkaSinkBuilder:
        self._c["properties"][key] = str(value)
        return self

    def build(self) -> KafkaSink:
        if not self._c["bootstrap_servers"]:
            raise ValueError("KafkaSink: no bootstrap servers (set_bootstrap_servers)")
        if self._record_serializer is None:
            raise ValueError("KafkaSink: no record serializer (set_record_serializer)")
        if self._c["delivery_guarantee"] == "exactly-once":
            if not self._c["transactional_id_prefix"]:
                raise ValueError(
                    "KafkaSink: exactly-once needs a transactional id prefix (set_transactional_id_prefix)"
                )
            if not self._c["topic"] and not self._c["marker_topic"]:
                raise ValueError(
                    "KafkaSink: exactly-once with a topic selector needs a marker topic (set_marker_topic)"
                )
        return KafkaSink(dict(self._c, properties=dict(self._c["properties"])), self._record_serializer)
