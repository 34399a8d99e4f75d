#pragma once
// How records of one edge are spread over the consumer subtasks.
#include <functional>
#include <memory>
#include <string>

namespace weir::runtime {

enum class PartitionerKind { kForward, kRebalance, kRescale, kShuffle, kBroadcast, kHash, kGlobal };

inline const char* partitioner_name(PartitionerKind k) {
  switch (k) {
    case PartitionerKind::kForward:
      return "FORWARD";
    case PartitionerKind::kRebalance:
      return "REBALANCE";
    case PartitionerKind::kRescale:
      return "RESCALE";
    case PartitionerKind::kShuffle:
      return "SHUFFLE";
    case PartitionerKind::kBroadcast:
      return "BROADCAST";
    case PartitionerKind::kHash:
      return "HASH";
    case PartitionerKind::kGlobal:
      return "GLOBAL";
  }
  return "?";
}

//! An edge's partitioner. For kHash, `key_bytes` holds a std::function<void(const T&, DataOutput&)>
//! for the edge's record type T (type-erased here; the API guarantees T matches).
struct PartitionerSpec {
  PartitionerKind kind = PartitionerKind::kForward;
  bool explicit_choice = false;  //!< set by the user (forward() etc.) rather than by default
  std::shared_ptr<void> key_bytes;
};

}  // namespace weir::runtime
