#include "weir/nexmark/nexmark_job.h"

#include <charconv>
#include <map>

#include "weir/api/environment.h"
#include "weir/common/error.h"
#include "weir/nexmark/queries.h"

namespace weir::nexmark {

namespace {

int64_t parse_number(const std::string& key, const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    throw ConfigError("nexmark job: bad " + key + "='" + text + "': expected an integer");
  return v;
}

}  // namespace

std::shared_ptr<graph::JobGraph> build_nexmark_job(const std::vector<std::string>& args,
                                                   const Configuration& conf) {
  std::map<std::string, std::string> kv;
  for (const auto& a : args) {
    auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError("nexmark job: bad argument '" + a + "': expected key=value");
    kv[a.substr(0, eq)] = a.substr(eq + 1);
  }
  QueryOptions o;
  std::string query;
  for (const auto& [k, v] : kv) {
    if (k == "query") {
      query = v;
    } else if (k == "events") {
      o.generator.events = parse_number(k, v);
    } else if (k == "seed") {
      o.generator.seed = static_cast<uint64_t>(parse_number(k, v));
    } else if (k == "rate") {
      o.generator.rate = parse_number(k, v);
    } else if (k == "base-time") {
      o.generator.base_time = parse_number(k, v);
    } else if (k == "out-of-orderness") {
      o.generator.out_of_orderness_ms = parse_number(k, v);
    } else if (k == "tps") {
      o.tps = static_cast<double>(parse_number(k, v));
    } else if (k == "sink") {
      o.sink = SinkSpec::parse(v);
    } else if (k == "side-input") {
      o.side_input = v;
    } else if (k == "source") {
      o.source = SourceSpec::parse(v);
    } else if (k == "bootstrap-servers") {
      o.kafka.bootstrap_servers = v;
    } else if (k == "delivery-guarantee") {
      o.kafka.delivery_guarantee = parse_delivery_guarantee(v);
    } else if (k == "transactional-id-prefix") {
      o.kafka.transactional_id_prefix = v;
    } else {
      throw ConfigError(
          "nexmark job: unknown argument '" + k +
          "' (expected query, events, seed, rate, base-time, out-of-orderness, tps, sink, "
          "side-input, source, bootstrap-servers, delivery-guarantee, transactional-id-prefix)");
    }
  }
  if (query.empty()) throw ConfigError("nexmark job: missing argument query=NAME");
  if (o.source.kind == SourceSpec::Kind::kGenerator && o.generator.events <= 0)
    throw ConfigError("nexmark job: missing or bad argument events=N (N > 0)");
  if ((o.source.kind == SourceSpec::Kind::kKafka || o.sink.kind == SinkSpec::Kind::kKafka) &&
      o.kafka.bootstrap_servers.empty())
    throw ConfigError("nexmark job: a kafka: source or sink needs bootstrap-servers=HOST:PORT");
  o.generator.validate();
  StreamExecutionEnvironment env(conf);
  build_query(query, env, o);
  return env.get_job_graph("Nexmark " + query);
}

}  // namespace weir::nexmark
