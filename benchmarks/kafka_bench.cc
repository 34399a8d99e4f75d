// Kafka -> map -> Kafka throughput (issue 16 item 6): against a broker you start (scripts/kafka-local), it
// fills an input topic, then runs the pipeline at parallelism 1 under each delivery guarantee with 1 s
// checkpoints, and reports records/s and records per CPU second of this process (the broker's CPU is not
// counted; on a 2-core machine it competes with the job).
//   kafka_bench --bootstrap-servers 127.0.0.1:PORT [--records N] [--partitions P]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "weir/connectors/kafka/kafka_admin.h"
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

}  // namespace

int main(int argc, char** argv) {
  std::string servers;
  int64_t records = 2'000'000;
  int partitions = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--bootstrap-servers")
      servers = argv[i + 1];
    else if (a == "--records")
      records = std::atoll(argv[i + 1]);
    else if (a == "--partitions")
      partitions = std::atoi(argv[i + 1]);
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

  auto source = KafkaSource<std::string>::builder()
                    .set_bootstrap_servers(servers)
                    .set_topics({in})
                    .set_deserializer(KafkaDeserializers::bytes())
                    .set_bounded(OffsetsInitializer::latest())
                    .build();
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
  admin.delete_topics({in, "bench-none-" + run_id, "bench-alo-" + run_id, "bench-eos-" + run_id},
                      std::chrono::seconds(30));
  return 0;
}
