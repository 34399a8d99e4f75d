#pragma once
// The payload of a barrier element on the wire: checkpoint id, timestamp, savepoint flag, target dir.
#include <string>

#include "weir/cluster/gateways.h"
#include "weir/common/data_io.h"

namespace weir::cluster {

inline std::string encode_barrier(const CheckpointBarrier& b) {
  DataOutput out;
  out.write_fixed<int64_t>(b.id);
  out.write_fixed<int64_t>(b.timestamp);
  out.write_u8(b.savepoint ? 1 : 0);
  out.write_bytes(b.target_dir);
  return out.str();
}

inline CheckpointBarrier decode_barrier(const uint8_t* p, size_t n) {
  DataInput in(p, n);
  CheckpointBarrier b;
  b.id = in.read_fixed<int64_t>();
  b.timestamp = in.read_fixed<int64_t>();
  b.savepoint = in.read_u8() != 0;
  b.target_dir = std::string(in.read_bytes());
  return b;
}

}  // namespace weir::cluster
