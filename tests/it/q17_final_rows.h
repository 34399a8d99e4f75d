#pragma once
// Nexmark q17 keeps a running aggregate per (auction, day): a key's row with the most bids is its final
// state, so equal final rows mean no event was lost or counted twice. Shared by the recovery tests
// (MiniCluster, TCP MiniCluster, checkpoints on S3).
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "weir/weir.h"

namespace weir::testing {

//! Each (auction, day)'s q17 row with the most bids.
inline std::map<std::pair<int64_t, std::string>, std::string> q17_final_rows(
    const CollectedResults<std::string>& lines) {
  std::map<std::pair<int64_t, std::string>, std::pair<int64_t, std::string>> best;
  for (const auto& l : lines.values()) {
    auto j = nlohmann::json::parse(l);
    auto key = std::pair{j["auction"].get<int64_t>(), j["day"].get<std::string>()};
    int64_t total = j["total_bids"].get<int64_t>();
    auto& b = best[key];
    if (total > b.first) b = {total, l};
  }
  std::map<std::pair<int64_t, std::string>, std::string> out;
  for (auto& [k, v] : best) out[k] = v.second;
  return out;
}

}  // namespace weir::testing
