"""Kafka, as PyFlink's ``pyflink.datastream.connectors.kafka``: ``KafkaSource`` and ``KafkaSink`` of strings
(``SimpleStringSchema``), on Weir's C++ connector (librdkafka). Offsets live in checkpoints; with
``DeliveryGuarantee.EXACTLY_ONCE`` a read_committed consumer sees every record once (docs/connectors/kafka.md)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from weir.common.serialization import SimpleStringSchema

__all__ = [
    "DeliveryGuarantee",
    "KafkaOffsetResetStrategy",
    "KafkaOffsetsInitializer",
    "KafkaRecordSerializationSchema",
    "KafkaSink",
    "KafkaSource",
    "KafkaTopicPartition",
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
    """Built by ``KafkaSource.builder()``; read with ``env.from_source(source, strategy, name)``."""

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = config

    @staticmethod
    def builder() -> KafkaSourceBuilder:
        return KafkaSourceBuilder()

    def _source_node(self, env: Any, name: str) -> Any:
        from weir.common.typeinfo import Types
        from weir.datastream.data_stream import _Node

        return _Node(env, "source_kafka", [], name, config=self._config, out_type=Types.STRING())


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


class KafkaRecordSerializationSchema:
    """Where and how records go: ``KafkaRecordSerializationSchema.builder().set_topic(t)
    .set_value_serialization_schema(SimpleStringSchema()).build()``."""

    def __init__(self, topic: str) -> None:
        self._topic = topic

    @staticmethod
    def builder() -> KafkaRecordSerializationSchemaBuilder:
        return KafkaRecordSerializationSchemaBuilder()


class KafkaRecordSerializationSchemaBuilder:
    def __init__(self) -> None:
        self._topic = ""
        self._value: Any = None

    def set_topic(self, topic: str) -> KafkaRecordSerializationSchemaBuilder:
        self._topic = topic
        return self

    def set_value_serialization_schema(self, value_serialization_schema: Any) -> KafkaRecordSerializationSchemaBuilder:
        if not isinstance(value_serialization_schema, SimpleStringSchema):
            raise ValueError("KafkaRecordSerializationSchema: only SimpleStringSchema values are supported for now")
        self._value = value_serialization_schema
        return self

    def build(self) -> KafkaRecordSerializationSchema:
        if not self._topic:
            raise ValueError("KafkaRecordSerializationSchema: no topic (set_topic)")
        if self._value is None:
            raise ValueError("KafkaRecordSerializationSchema: no value serialization schema")
        return KafkaRecordSerializationSchema(self._topic)


class KafkaSink:
    """Built by ``KafkaSink.builder()``; written with ``stream.sink_to(sink)``. Values are written as ``str(v)``."""

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = config
        self._name = "Kafka Sink"

    @staticmethod
    def builder() -> KafkaSinkBuilder:
        return KafkaSinkBuilder()

    def _sink_spec(self) -> Any:
        return ("kafka", self._config)


class KafkaSinkBuilder:
    def __init__(self) -> None:
        self._c: dict[str, Any] = {
            "bootstrap_servers": "",
            "topic": "",
            "delivery_guarantee": DeliveryGuarantee.NONE.value,
            "transactional_id_prefix": "",
            "properties": {},
        }

    def set_bootstrap_servers(self, bootstrap_servers: str) -> KafkaSinkBuilder:
        self._c["bootstrap_servers"] = bootstrap_servers
        return self

    def set_record_serializer(self, record_serializer: KafkaRecordSerializationSchema) -> KafkaSinkBuilder:
        self._c["topic"] = record_serializer._topic
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
        if not self._c["topic"]:
            raise ValueError("KafkaSink: no record serializer (set_record_serializer)")
        if self._c["delivery_guarantee"] == "exactly-once" and not self._c["transactional_id_prefix"]:
            raise ValueError("KafkaSink: exactly-once needs a transactional id prefix (set_transactional_id_prefix)")
        return KafkaSink(dict(self._c, properties=dict(self._c["properties"])))
