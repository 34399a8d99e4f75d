"""Kafka from Python against a real broker (scripts/kafka-local: Kafka in KRaft mode on a free loopback port,
started once for this module; scripts/setup fetches its jars): PyFlink's KafkaSource and KafkaSink builders,
exactly once through a failure, and clear errors."""

from __future__ import annotations

import os
import subprocess
from typing import Any, Iterator

import pytest

from weir import _core
from weir.common import SimpleStringSchema, WatermarkStrategy
from weir.datastream import MapFunction, StreamExecutionEnvironment
from weir.datastream.connectors import DeliveryGuarantee
from weir.datastream.connectors.kafka import (
    KafkaOffsetsInitializer,
    KafkaRecordSerializationSchema,
    KafkaSink,
    KafkaSource,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOPICS = [("alo", 2), ("eos-in", 2), ("eos-out", 2)]


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
