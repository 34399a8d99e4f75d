#include "weir/checkpoint/operator_snapshot.h"

#include <cstring>

#include "weir/common/crc32c.h"
#include "weir/common/data_io.h"
#include "weir/common/error.h"

namespace weir::checkpoint {

namespace {
// Version 02 added in-flight channel data, 03 the keyed-state file name; older files still read.
constexpr char kMagic[8] = {'W', 'E', 'I', 'R', 'T', 'S', '0', '3'};

void write_op(DataOutput& out, const OperatorSnapshot& op) {
  out.write_bytes(op.operator_id);
  out.write_varint(op.subtask);
  out.write_varint(op.parallelism);
  out.write_varint(op.keyed.size());
  for (const auto& [kg, bytes] : op.keyed) {
    out.write_varint(kg);
    out.write_bytes(bytes);
  }
  out.write_varint(op.list_states.size());
  for (const auto& [name, elems] : op.list_states) {
    out.write_bytes(name);
    out.write_varint(elems.size());
    for (const auto& e : elems) out.write_bytes(e);
  }
  out.write_varint(op.broadcast_states.size());
  for (const auto& [name, kvs] : op.broadcast_states) {
    out.write_bytes(name);
    out.write_varint(kvs.size());
    for (const auto& [k, v] : kvs) {
      out.write_bytes(k);
      out.write_bytes(v);
    }
  }
  out.write_varint(op.source_splits.size());
  for (const auto& s : op.source_splits) out.write_bytes(s);
  out.write_bytes(op.custom);
  out.write_varint(op.in_flight.size());
  for (const auto& c : op.in_flight) {
    out.write_varint(c.gate);
    out.write_varint(c.channel);
    out.write_bytes(c.bytes);
  }
  out.write_bytes(op.keyed_state_file);
}

OperatorSnapshot read_op(DataInput& in, int version) {
  const bool with_in_flight = version >= 2;
  OperatorSnapshot op;
  op.operator_id = std::string(in.read_bytes());
  op.subtask = static_cast<int>(in.read_varint());
  op.parallelism = static_cast<int>(in.read_varint());
  for (uint64_t n = in.read_varint(); n > 0; --n) {
    auto kg = static_cast<KeyGroup>(in.read_varint());
    op.keyed[kg] = std::string(in.read_bytes());
  }
  for (uint64_t n = in.read_varint(); n > 0; --n) {
    std::string name(in.read_bytes());
    auto& elems = op.list_states[name];
    for (uint64_t m = in.read_varint(); m > 0; --m) elems.emplace_back(in.read_bytes());
  }
  for (uint64_t n = in.read_varint(); n > 0; --n) {
    std::string name(in.read_bytes());
    auto& kvs = op.broadcast_states[name];
    for (uint64_t m = in.read_varint(); m > 0; --m) {
      std::string k(in.read_bytes());
      kvs.emplace_back(std::move(k), std::string(in.read_bytes()));
    }
  }
  for (uint64_t n = in.read_varint(); n > 0; --n) op.source_splits.emplace_back(in.read_bytes());
  op.custom = std::string(in.read_bytes());
  if (with_in_flight) {
    for (uint64_t n = in.read_varint(); n > 0; --n) {
      OperatorSnapshot::InFlightChannel c;
      c.gate = static_cast<int>(in.read_varint());
      c.channel = static_cast<int>(in.read_varint());
      c.bytes = std::string(in.read_bytes());
      op.in_flight.push_back(std::move(c));
    }
  }
  if (version >= 3) op.keyed_state_file = std::string(in.read_bytes());
  return op;
}
}  // namespace

std::string encode_task_snapshot(const TaskSnapshot& s) {
  for (const auto& op : s.operators)
    if (op.finish_async) throw WeirError("task snapshot encoded before its asynchronous parts ran");
  DataOutput out;
  out.write_raw(kMagic, sizeof(kMagic));
  out.write_varint(s.vertex);
  out.write_varint(s.subtask);
  out.write_varint(s.operators.size());
  for (const auto& op : s.operators) write_op(out, op);
  uint32_t crc = crc32c(out.data(), out.size());
  out.write_fixed(crc);
  return out.str();
}

TaskSnapshot decode_task_snapshot(std::string_view bytes, const std::string& what) {
  int version = 0;
  if (bytes.size() >= sizeof(kMagic) + 4 && std::memcmp(bytes.data(), kMagic, 6) == 0 && bytes[6] == '0' &&
      bytes[7] >= '1' && bytes[7] <= kMagic[7])
    version = bytes[7] - '0';
  if (version == 0) throw SerializationError("'" + what + "' is not a Weir task snapshot (bad header)");
  uint32_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 4, 4);
  if (crc32c(bytes.data(), bytes.size() - 4) != stored)
    throw SerializationError("'" + what + "' is corrupt: checksum mismatch");
  DataInput in(bytes.data() + sizeof(kMagic), bytes.size() - sizeof(kMagic) - 4);
  TaskSnapshot s;
  try {
    s.vertex = static_cast<int>(in.read_varint());
    s.subtask = static_cast<int>(in.read_varint());
    for (uint64_t n = in.read_varint(); n > 0; --n) s.operators.push_back(read_op(in, version));
  } catch (const SerializationError& e) {
    throw SerializationError("'" + what + "' is corrupt: " + e.what());
  }
  return s;
}

}  // namespace weir::checkpoint
