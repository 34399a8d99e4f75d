#pragma once
// How a Nexmark query runs: the generator's config, source pacing and where rows go.
#include <memory>
#include <string>
#include <string_view>

#include "weir/connectors/collect_sink.h"
#include "weir/connectors/nexmark/generator_config.h"
#include "weir/connectors/nexmark/nexmark_source.h"

namespace weir::nexmark {

//! Where a query's rows go: nowhere (blackhole), JSON lines in part files of a directory, or
//! JSON lines in memory (tests).
struct SinkSpec {
  enum class Kind { kBlackhole, kDirectory, kMemory };
  Kind kind = Kind::kBlackhole;
  std::string dir;
  std::shared_ptr<CollectedResults<std::string>> lines;

  static SinkSpec blackhole() { return {}; }
  static SinkSpec directory(std::string dir) { return {Kind::kDirectory, std::move(dir), nullptr}; }
  static SinkSpec memory(std::shared_ptr<CollectedResults<std::string>> lines) {
    return {Kind::kMemory, {}, std::move(lines)};
  }
  //! "blackhole" or "file:PATH"; throws ConfigError naming the bad value.
  static SinkSpec parse(std::string_view spec) {
    if (spec == "blackhole") return blackhole();
    if (spec.starts_with("file:") && spec.size() > 5) return directory(std::string(spec.substr(5)));
    throw ConfigError("bad sink '" + std::string(spec) + "': expected blackhole or file:PATH");
  }
};

struct QueryOptions {
  connectors::nexmark::GeneratorConfig generator;
  //! Source pacing in events per wall-clock second over all subtasks; 0: flat out.
  double tps = 0;
  SinkSpec sink;
  //! q13's side input: a CSV file of key,value rows; empty: Nexmark's default table (side_input.h).
  std::string side_input;
  //! Progress counter and failure injector the source reports to (both optional).
  connectors::nexmark::NexmarkSourceHooks source_hooks;
};

}  // namespace weir::nexmark
