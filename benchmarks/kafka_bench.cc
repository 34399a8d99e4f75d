// Kafka -> map -> Kafka (issue 16 item 6) against a broker you start (scripts/kafka-local).
// Throughput: fills an input topic, then runs the pipeline at parallelism 1 under each delivery guarantee
// with 1 s checkpoints, and reports records/s and records per CPU second of this process (the broker's CPU is
// not counted; on a 2-core machine it competes with the job). Latency: produces at a fixed rate into a
// running job and measures, per record, the time from its produce call to a read_committed consumer of the
// output receiving it (p50, p99, max), at-least-once and exactly-once, and without a job (the producer and
// the consumer on one topic: what the clients and the broker add).
//   kafka_bench --bootstrap-servers 127.0.0.1:PORT [--records N] [--partitions P] [--rate R] [--seconds S]
//               [--source-property KEY=VALUE]...   (librdkafka consumer properties of every KafkaSource)
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "weir/connectors/kafka/kafka_admin.h"
#include "weir/connectors/kafka/kafka_consumer.h"
#include "weir/connectors/kafka/kafka_producer.h"
#include "weir/connectors/kafka/kafka_sink.h"
#include "weir/connectors/kafka/kafka_source.h"
#include "weir/weir.h"

using namespace weir;
using namespace weir::kafka;

namespace {

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Run {
  double seconds;
  double cpu;
};

template <typename F>
Run measure(F&& f) {
  auto start = std::chrono::steady_clock::now();
  double cpu = cpu_seconds();
  f();
  return {std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
          cpu_seconds() - cpu};
}

void report(const char* what, int64_t records, Run r) {
  std::printf("%-34s %10lld records %7.2f s %12.0f records/s %5.2f cores %12.0f records/s/core\n", what,
              static_cast<long long>(records), r.seconds, records / r.seconds, r.cpu / r.seconds,
              records / r.cpu);
  std::fflush(stdout);
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// librdkafka consumer properties (--source-property) for every Kafka source here.
using Properties = std::vector<std::pair<std::string, std::string>>;

KafkaSourceBuilder<std::string> source_builder(const std::string& servers, const std::string& topic,
                                               const Properties& properties) {
  auto b = KafkaSource<std::string>::builder();
  b.set_bootstrap_servers(servers).set_topics({topic}).set_deserializer(KafkaDeserializers::bytes());
  for (const auto& [k, v] : properties) b.set_property(k, v);
  return b;
}

// Produce -> job -> read_committed consume latency at `rate` records/s for `seconds`. Without a guarantee
// there is no job: the consumer reads the input topic (the clients' and the broker's share of the latency).
void measure_latency(const std::string& servers, const std::string& run_id,
                     std::optional<DeliveryGuarantee> guarantee, const char* name, double rate, int seconds,
                     const Properties& source_properties) {
  std::string in = std::string("lat-in-") + name + "-" + run_id,
              out = guarantee ? std::string("lat-out-") + name + "-" + run_id : in;
  KafkaAdmin(servers).create_topics(
      guarantee ? std::vector<NewTopic>{{in, 2}, {out, 2}} : std::vector<NewTopic>{{in, 2}},
      std::chrono::seconds(30));
  auto dir = std::filesystem::temp_directory_path() / ("weir-kafka-lat-" + run_id + name);
  std::optional<JobClient> client;
  if (guarantee) {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    env->set_parallelism(1);
    env->configure("execution.checkpointing.interval", "1 s");
    env->configure("execution.checkpointing.dir", dir.string());
    auto source = source_builder(servers, in, source_properties).build();
    auto sink = KafkaSink<std::string>::builder()
                    .set_bootstrap_servers(servers)
                    .set_topic(out)
                    .set_value_serializer([](const std::string& v) { return v; })
                    .set_delivery_guarantee(*guarantee)
                    .set_transactional_id_prefix(out)
                    .build();
    env->from_source<std::string>(source.reader_factory(), "Kafka")
        .map([](const std::string& v) { return v; })
        .add_sink(sink, "Kafka");
    client.emplace(env->execute_async("latency"));
  }

  const int64_t total = static_cast<int64_t>(rate * seconds);
  std::vector<int64_t> latencies;
  std::atomic<bool> warm{false};  // the job runs: a first record made it through (excluded from the numbers)
  std::thread consumer([&] {
    KafkaConsumer c(
        {{"bootstrap.servers", servers}, {"group.id", "lat"}, {"isolation.level", "read_committed"}});
    c.assign({{{out, 0}, 0}, {{out, 1}, 0}});
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds + 60);
    while (static_cast<int64_t>(latencies.size()) < total && std::chrono::steady_clock::now() < deadline) {
      auto m = c.poll(std::chrono::milliseconds(100));
      if (!m || m->error() != 0) continue;
      if (m->view().value == "warm-up") {
        warm = true;
        continue;
      }
      latencies.push_back(now_us() - std::atoll(std::string(m->view().value).c_str()));
    }
  });
  {
    KafkaProducer producer({{"bootstrap.servers", servers}, {"linger.ms", "1"}});
    producer.produce(in, 0, std::nullopt, "warm-up");
    producer.flush(std::chrono::seconds(30));
    auto warm_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!warm && std::chrono::steady_clock::now() < warm_deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // a benchmark's start-up: poll
    auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < total; ++i) {
      std::this_thread::sleep_until(start + std::chrono::microseconds(static_cast<int64_t>(i * 1e6 / rate)));
      producer.produce(in, static_cast<int32_t>(i % 2), std::nullopt, std::to_string(now_us()));
    }
    producer.flush(std::chrono::seconds(60));
  }
  consumer.join();
  if (client) {
    client->cancel();
    try {
      client->get_job_execution_result();
    } catch (const WeirError&) {
    }
  }
  std::filesystem::remove_all(dir);
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double q) {
    return latencies.empty()
               ? 0.0
               : latencies[std::min(latencies.size() - 1, static_cast<size_t>(q * latencies.size()))] /
                     1000.0;
  };
  std::printf(
      "latency %-4s %6.0f records/s for %d s: %lld of %lld received, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
      name, rate, seconds, static_cast<long long>(latencies.size()), static_cast<long long>(total), pct(0.5),
      pct(0.99), pct(1.0));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string servers;
  int64_t records = 2'000'000;
  int partitions = 4;
  double rate = 20000;
  int seconds = 10;
  Properties source_properties;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--bootstrap-servers")
      servers = argv[i + 1];
    else if (a == "--records")
      records = std::atoll(argv[i + 1]);
    else if (a == "--partitions")
      partitions = std::atoi(argv[i + 1]);
    else if (a == "--rate")
      rate = std::atof(argv[i + 1]);
    else if (a == "--seconds")
      seconds = std::atoi(argv[i + 1]);
    else if (a == "--source-property") {
      std::string kv = argv[i + 1];
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "kafka_bench: --source-property takes KEY=VALUE, got '%s'\n", kv.c_str());
        return 2;
      }
      source_properties.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
  }
  if (servers.empty()) {
    std::fprintf(stderr, "usage: kafka_bench --bootstrap-servers HOST:PORT [--records N] [--partitions P]\n");
    return 2;
  }
  std::string run_id = std::to_string(::getpid());
  std::string in = "bench-in-" + run_id;
  KafkaAdmin admin(servers);
  admin.create_topics({{in, partitions},
                       {"bench-none-" + run_id, partitions},
                       {"bench-alo-" + run_id, partitions},
                       {"bench-eos-" + run_id, partitions}},
                      std::chrono::seconds(30));

  Run produced = measure([&] {
    KafkaProducer producer(
        {{"bootstrap.servers", servers}, {"linger.ms", "5"}, {"enable.idempotence", "true"}});
    std::string value;
    for (int64_t i = 0; i < records; ++i) {
      value = "{\"id\":" + std::to_string(i) + ",\"price\":" + std::to_string(i % 1000) + "}";
      producer.produce(in, static_cast<int32_t>(i % partitions), std::nullopt, value);
    }
    producer.flush(std::chrono::seconds(120));
  });
  report("produce (KafkaProducer)", records, produced);

  auto source =
      source_builder(servers, in, source_properties).set_bounded(OffsetsInitializer::latest()).build();
  {
    Run r = measure([&] {
      auto env = StreamExecutionEnvironment::get_execution_environment();
      env->set_parallelism(1);
      env->from_source<std::string>(source.reader_factory(), "Kafka").add_sink([](const std::string&) {});
      env->execute("kafka source -> discard");
    });
    report("source -> discard", records, r);
  }
  auto dir = std::filesystem::temp_directory_path() / ("weir-kafka-bench-" + run_id);
  for (auto [guarantee, name] :
       {std::pair{DeliveryGuarantee::kNone, "none"}, std::pair{DeliveryGuarantee::kAtLeastOnce, "alo"},
        std::pair{DeliveryGuarantee::kExactlyOnce, "eos"}}) {
    std::string out = std::string("bench-") + name + "-" + run_id;
    auto sink = KafkaSink<std::string>::builder()
                    .set_bootstrap_servers(servers)
                    .set_topic(out)
                    .set_value_serializer([](const std::string& v) { return v; })
                    .set_property("linger.ms", "5")
                    .set_delivery_guarantee(guarantee)
                    .set_transactional_id_prefix(out)
                    .build();
    Run r = measure([&] {
      auto env = StreamExecutionEnvironment::get_execution_environment();
      env->set_parallelism(1);
      env->configure("execution.checkpointing.interval", "1 s");
      env->configure("execution.checkpointing.dir", (dir / name).string());
      env->from_source<std::string>(source.reader_factory(), "Kafka")
          .map([](const std::string& v) { return v + "!"; })
          .add_sink(sink, "Kafka");
      env->execute("kafka -> map -> kafka");
    });
    report((std::string("source -> map -> sink, ") + name).c_str(), records, r);
  }
  std::filesystem::remove_all(dir);
  measure_latency(servers, run_id, std::nullopt, "client", rate, seconds, source_properties);
  measure_latency(servers, run_id, DeliveryGuarantee::kAtLeastOnce, "alo", rate, seconds, source_properties);
  measure_latency(servers, run_id, DeliveryGuarantee::kExactlyOnce, "eos", rate, seconds, source_properties);
  admin.delete_topics({in, "bench-none-" + run_id, "bench-alo-" + run_id, "bench-eos-" + run_id},
                      std::chrono::seconds(30));
  return 0;
}
