"""Kafka from Python against a real broker (scripts/kafka-local: Kafka in KRaft mode on a free loopback port,
started once for this module; scripts/setup fetches its jars): PyFlink's KafkaSource and KafkaSink builders,
exactly once through a failure, and clear errors."""

from __future__ import annotations

import os
import subprocess
import time
from typing import Any, Iterator

import pytest

from weir import _core
from weir.common import SimpleStringSchema, WatermarkStrategy
from weir.common.time import Duration
from weir.datastream import MapFunction, StreamExecutionEnvironment
from weir.datastream.connectors import DeliveryGuarantee
from weir.datastream.connectors.kafka import (
    FlinkKafkaPartitioner,
    KafkaOffsetsInitializer,
    KafkaRecordSerializationSchema,
    KafkaSink,
    KafkaSource,
    KafkaTopicSelector,
)
from weir.datastream.window import TumblingEventTimeWindows

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOPICS = [
    ("alo", 2),
    ("eos-in", 2),
    ("eos-out", 2),
    ("sel-even", 3),
    ("sel-odd", 2),
    ("markers", 1),
    ("wm", 2),
    ("disc-in", 1),
    ("disc-out", 2),
]


@pytest.fixture(scope="module")
def servers() -> Iterator[str]:
    if not os.path.isdir(os.path.join(ROOT, "build", "deps", "kafka")):
        pytest.skip("no Kafka jars in build/deps/kafka: run scripts/setup")
    args = [os.path.join(ROOT, "scripts", "kafka-local")]
    jvm = {"WEIR_KAFKA_JVM_OPTS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto"}  # starts faster
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **jvm}
    )
    assert proc.stdout is not None
    address = None
    output = []
    for line in proc.stdout:  # ends when the script exits; it prints the address once the broker serves
        output.append(line)
        if "bootstrap servers:" in line:
            address = line.split(":", 1)[1].strip()
            break
    if address is None:
        proc.wait()
        pytest.fail("scripts/kafka-local did not start a broker:\n" + "".join(output))
    _core.kafka_create_topics(address, TOPICS)
    yield address
    proc.terminate()
    proc.wait(timeout=30)


def read(servers: str, topic: str) -> list[str]:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    source = (
        KafkaSource.builder()
        .set_bootstrap_servers(servers)
        .set_topics(topic)
        .set_starting_offsets(KafkaOffsetsInitializer.earliest())
        .set_bounded(KafkaOffsetsInitializer.latest())
        .set_value_only_deserializer(SimpleStringSchema())
        .build()
    )
    return sorted(env.from_source(source, WatermarkStrategy.no_watermarks(), "Kafka").execute_and_collect())


def sink(servers: str, topic: str, guarantee: DeliveryGuarantee) -> KafkaSink:
    return (
        KafkaSink.builder()
        .set_bootstrap_servers(servers)
        .set_record_serializer(
            KafkaRecordSerializationSchema.builder()
            .set_topic(topic)
            .set_value_serialization_schema(SimpleStringSchema())
            .build()
        )
        .set_delivery_guarantee(guarantee)
        .set_transactional_id_prefix("py-" + topic)
        .build()
    )


def test_a_sink_then_a_bounded_source_round_trip_every_record(servers: str) -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    words = [f"w{i}" for i in range(200)]
    env.from_collection(words).sink_to(sink(servers, "alo", DeliveryGuarantee.AT_LEAST_ONCE))
    env.execute("to kafka")
    assert read(servers, "alo") == sorted(words)


class FailOnce(MapFunction):
    """Fails the first attempt once a checkpoint completed (so the restart restores from it)."""

    def __init__(self) -> None:
        self.seen = 0

    def map(self, v: str) -> str:
        self.seen += 1
        if self.seen == 150 and not os.environ.get("WEIR_PY_KAFKA_FAILED"):
            os.environ["WEIR_PY_KAFKA_FAILED"] = "1"
            raise RuntimeError("injected failure")
        return v.upper()


def test_kafka_to_kafka_exactly_once_through_a_failure(servers: str, tmp_path: Any) -> None:
    feed = StreamExecutionEnvironment.get_execution_environment()
    words = [f"e{i}" for i in range(400)]
    feed.from_collection(words).sink_to(sink(servers, "eos-in", DeliveryGuarantee.AT_LEAST_ONCE))
    feed.execute("feed")

    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    env.enable_checkpointing(30)
    env.get_checkpoint_config().set_checkpoint_storage_dir(os.path.join(str(tmp_path), "chk"))
    env._config["restart-strategy.type"] = "fixed-delay"
    env._config["restart-strategy.fixed-delay.attempts"] = "3"
    env._config["restart-strategy.fixed-delay.delay"] = "10 ms"
    source = (
        KafkaSource.builder()
        .set_bootstrap_servers(servers)
        .set_topics("eos-in")
        .set_bounded(KafkaOffsetsInitializer.latest())
        .set_value_only_deserializer(SimpleStringSchema())
        .build()
    )
    env.from_source(source, WatermarkStrategy.no_watermarks(), "Kafka").map(FailOnce()).sink_to(
        sink(servers, "eos-out", DeliveryGuarantee.EXACTLY_ONCE)
    )
    env.execute("kafka -> kafka, exactly once")
    assert os.environ.get("WEIR_PY_KAFKA_FAILED") == "1"
    assert read(servers, "eos-out") == sorted(w.upper() for w in words)


def test_builders_and_missing_topics_fail_naming_the_problem(servers: str) -> None:
    with pytest.raises(ValueError, match="no deserializer"):
        KafkaSource.builder().set_bootstrap_servers(servers).set_topics("alo").build()
    with pytest.raises(ValueError, match="exactly-once needs a transactional id prefix"):
        KafkaSink.builder().set_bootstrap_servers(servers).set_record_serializer(
            KafkaRecordSerializationSchema.builder()
            .set_topic("alo")
            .set_value_serialization_schema(SimpleStringSchema())
            .build()
        ).set_delivery_guarantee(DeliveryGuarantee.EXACTLY_ONCE).build()
    with pytest.raises(_core.JobExecutionError, match="topic 'no-such-topic' does not exist"):
        read(servers, "no-such-topic")


class ByNumber(FlinkKafkaPartitioner):
    """Record "<letter><n>..." goes to partition n % partitions; checks open() came first."""

    def __init__(self) -> None:
        self.opened: tuple[int, int] | None = None

    def open(self, parallel_instance_id: int, parallel_instances: int) -> None:
        self.opened = (parallel_instance_id, parallel_instances)

    def partition(self, record: Any, key: bytes | None, value: bytes, target_topic: str, partitions: list[int]) -> int:
        assert self.opened is not None and 0 <= self.opened[0] < self.opened[1]
        assert value == str(record).encode()
        return partitions[int(str(record)[1:].split(":")[0]) % len(partitions)]


class EvenOdd(KafkaTopicSelector):
    def apply(self, data: Any) -> str:
        return "sel-even" if int(data[1:]) % 2 == 0 else "sel-odd"


def test_a_topic_selector_key_schema_and_partitioner_place_every_record(servers: str) -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    words = [f"k{i}" for i in range(120)]
    schema = (
        KafkaRecordSerializationSchema.builder()
        .set_topic_selector(EvenOdd())
        .set_key_serialization_schema(SimpleStringSchema())
        .set_value_serialization_schema(SimpleStringSchema())
        .set_partitioner(ByNumber())
        .build()
    )
    sink = (
        KafkaSink.builder()
        .set_bootstrap_servers(servers)
        .set_record_serializer(schema)
        .set_delivery_guarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .set_transactional_id_prefix("py-selector")
        .set_marker_topic("markers")
        .build()
    )
    env.from_collection(words).sink_to(sink)
    env.execute("selector, keys, partitioner")
    # The reference, computed from the words: topic by parity, partition n % count, key = value.
    for topic, parity, count in (("sel-even", 0, 3), ("sel-odd", 1, 2)):
        want = sorted((int(w[1:]) % count, w.encode(), w.encode()) for w in words if int(w[1:]) % 2 == parity)
        got = sorted((p, k, v) for p, k, v in _core.kafka_read_topic(servers, topic))
        assert got == want, topic


def test_a_topic_selector_function_without_a_key_and_bad_partitions_fail_clearly(servers: str) -> None:
    class Wrong(FlinkKafkaPartitioner):
        def partition(self, record: Any, key: Any, value: bytes, target_topic: str, partitions: list[int]) -> int:
            return 7

    with pytest.raises(ValueError, match="exactly-once with a topic selector needs a marker topic"):
        KafkaSink.builder().set_bootstrap_servers(servers).set_record_serializer(
            KafkaRecordSerializationSchema.builder()
            .set_topic_selector(lambda v: "alo")
            .set_value_serialization_schema(SimpleStringSchema())
            .build()
        ).set_delivery_guarantee(DeliveryGuarantee.EXACTLY_ONCE).set_transactional_id_prefix("x").build()
    env = StreamExecutionEnvironment.get_execution_environment()
    bad = (
        KafkaSink.builder()
        .set_bootstrap_servers(servers)
        .set_record_serializer(
            KafkaRecordSerializationSchema.builder()
            .set_topic_selector(lambda v: "alo")
            .set_value_serialization_schema(SimpleStringSchema())
            .set_partitioner(Wrong())
            .build()
        )
        .build()
    )
    env.from_collection(["a1"]).sink_to(bad)
    with pytest.raises(_core.JobExecutionError, match="chose partition 7 of topic 'alo', which has partitions 0 to 1"):
        env.execute("bad partition")


def test_from_source_applies_the_watermark_strategy_per_partition(servers: str) -> None:
    # Partition 0 is far ahead in event time (100000 + i), partition 1 behind (10 * i). Watermarks per
    # partition follow the slower one, so no record of partition 1 is late although partition 0's records may
    # all come first; every window holds what the reference says.
    feed = StreamExecutionEnvironment.get_execution_environment()
    ahead = [f"p0:{100000 + i}" for i in range(100)]
    behind = [f"p1:{10 * i}" for i in range(100)]
    feed.from_collection(ahead + behind).sink_to(
        KafkaSink.builder()
        .set_bootstrap_servers(servers)
        .set_record_serializer(
            KafkaRecordSerializationSchema.builder()
            .set_topic("wm")
            .set_value_serialization_schema(SimpleStringSchema())
            .set_partitioner(ByNumber())
            .build()
        )
        .set_delivery_guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .build()
    )
    feed.execute("feed wm")
    assert sorted(v.decode() for _, _, v in _core.kafka_read_topic(servers, "wm")) == sorted(ahead + behind)

    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    source = (
        KafkaSource.builder()
        .set_bootstrap_servers(servers)
        .set_topics("wm")
        .set_bounded(KafkaOffsetsInitializer.latest())
        .set_value_only_deserializer(SimpleStringSchema())
        .build()
    )
    strategy = WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(lambda v, ts: int(v.split(":")[1]))
    out = list(
        env.from_source(source, strategy, "Kafka")
        .map(lambda v: (v.split(":")[0], 1))
        .key_by(lambda t: t[0])
        .window(TumblingEventTimeWindows.of(Duration.of_millis(100)))
        .reduce(lambda a, b: (a[0], a[1] + b[1]))
        .execute_and_collect()
    )
    ref: dict[tuple[str, int], int] = {}
    for v in ahead + behind:
        p, ts = v.split(":")
        ref[(p, int(ts) // 100)] = ref.get((p, int(ts) // 100), 0) + 1
    assert sorted(c for _, c in out) == sorted(ref.values())
    assert sum(c for _, c in out) == 200


def test_an_unbounded_source_discovers_added_partitions(servers: str) -> None:
    def feed(words: list[str]) -> None:
        env = StreamExecutionEnvironment.get_execution_environment()
        env.from_collection(words).sink_to(
            KafkaSink.builder()
            .set_bootstrap_servers(servers)
            .set_record_serializer(
                KafkaRecordSerializationSchema.builder()
                .set_topic("disc-in")
                .set_value_serialization_schema(SimpleStringSchema())
                .set_partitioner(ByNumber())
                .build()
            )
            .build()
        )
        env.execute("feed disc-in")

    def output() -> list[str]:
        return sorted(v.decode() for _, _, v in _core.kafka_read_topic(servers, "disc-out"))

    def wait_for(n: int) -> list[str]:
        deadline = time.monotonic() + 60
        got = output()
        while len(got) < n and time.monotonic() < deadline:  # nothing notifies: poll the topic
            time.sleep(0.1)
            got = output()
        return got

    first = [f"d{i}" for i in range(10)]
    feed(first)
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    source = (
        KafkaSource.builder()
        .set_bootstrap_servers(servers)
        .set_topics("disc-in")
        .set_value_only_deserializer(SimpleStringSchema())
        .set_property("partition.discovery.interval.ms", "100")
        .build()
    )
    env.from_source(source, WatermarkStrategy.no_watermarks(), "Kafka").map(str.upper).sink_to(
        sink(servers, "disc-out", DeliveryGuarantee.AT_LEAST_ONCE)
    )
    client = env.execute_async("discovery")
    try:
        assert wait_for(10) == sorted(w.upper() for w in first)
        _core.kafka_create_partitions(servers, "disc-in", 3)
        more = [f"d{i}" for i in range(10, 40)]  # a third in each partition, two of them new
        feed(more)
        assert wait_for(40) == sorted(w.upper() for w in first + more)
    finally:
        client.cancel()
