#include "weir/nexmark/queries.h"

#include <utility>

#include "weir/common/error.h"
#include "weir/nexmark/query_builders.h"

namespace weir::nexmark {
namespace {

const std::vector<std::pair<std::string, detail::QueryBuilder>>& registry() {
  static const std::vector<std::pair<std::string, detail::QueryBuilder>> r = {
      {"q0", detail::build_q0},   {"q1", detail::build_q1},   {"q2", detail::build_q2},
      {"q3", detail::build_q3},   {"q4", detail::build_q4},   {"q5", detail::build_q5},
      {"q6", detail::build_q6},   {"q7", detail::build_q7},   {"q8", detail::build_q8},
      {"q9", detail::build_q9},   {"q10", detail::build_q10}, {"q11", detail::build_q11},
      {"q12", detail::build_q12}, {"q13", detail::build_q13}, {"q14", detail::build_q14},
      {"q15", detail::build_q15}, {"q16", detail::build_q16}, {"q17", detail::build_q17},
      {"q18", detail::build_q18}, {"q19", detail::build_q19}, {"q20", detail::build_q20},
      {"q21", detail::build_q21}, {"q22", detail::build_q22},
  };
  return r;
}

}  // namespace

const std::vector<std::string>& query_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, b] : registry()) n.push_back(name);
    return n;
  }();
  return names;
}

bool is_calibration_job(std::string_view name) {
  return name == "passthrough";
}

bool is_query(std::string_view name) {
  for (const auto& [n, b] : registry())
    if (n == name) return true;
  return false;
}

void build_query(std::string_view name, StreamExecutionEnvironment& env, const QueryOptions& options) {
  if (name == "passthrough") {
    detail::build_passthrough(env, options);
    return;
  }
  for (const auto& [n, build] : registry()) {
    if (n == name) {
      build(env, options);
      return;
    }
  }
  std::string all;
  for (const auto& n : query_names()) all += (all.empty() ? "" : ", ") + n;
  throw JobDefinitionError("unknown Nexmark query '" + std::string(name) + "' (available: " + all + ")");
}

}  // namespace weir::nexmark
