#include "weir/checkpoint/operator_snapshot.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "weir/common/crc32c.h"
#include "weir/common/data_io.h"
#include "weir/common/error.h"

namespace weir::checkpoint {

namespace {
// Version 02 added in-flight channel data, 03 the keyed-state file name, 04 keyed state in blocks per
// key group ahead of a head with the rest (state_handle.h); older files still read.
constexpr char kMagic[8] = {'W', 'E', 'I', 'R', 'T', 'S', '0', '4'};
constexpr char kEndMagic[8] = {'W', 'E', 'I', 'R', 'T', 'E', 'N', 'D'};
constexpr size_t kFooterSize = 8 + sizeof(kEndMagic);
// A key group's block: the OperatorSnapshot::keyed bytes, then their CRC-32C.
constexpr size_t kBlockCrcSize = 4;

// `keyed_in_head`: the keyed map as it is written into the head (WEIRTS04: only the native entry).
void write_op(DataOutput& out, const OperatorSnapshot& op, bool keyed_in_head) {
  out.write_bytes(op.operator_id);
  out.write_varint(op.subtask);
  out.write_varint(op.parallelism);
  if (keyed_in_head) {
    auto it = op.keyed.find(kNativeKeyedState);
    out.write_varint(it == op.keyed.end() ? 0 : 1);
    if (it != op.keyed.end()) {
      out.write_varint(static_cast<uint64_t>(static_cast<uint32_t>(kNativeKeyedState)));
      out.write_bytes(it->second);
    }
  } else {
    out.write_varint(op.keyed.size());
    for (const auto& [kg, bytes] : op.keyed) {
      out.write_varint(static_cast<uint64_t>(static_cast<uint32_t>(kg)));
      out.write_bytes(bytes);
    }
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
    uint64_t raw = in.read_varint();
    // Key groups are below 32768; the native entry is -1 (written as its 32-bit pattern, or, before
    // WEIRTS04, as a sign-extended 64-bit varint).
    auto kg = static_cast<KeyGroup>(static_cast<int32_t>(static_cast<uint32_t>(raw)));
    if (kg != kNativeKeyedState && (kg < 0 || kg >= kMaxKeyGroups))
      throw SerializationError("key group " + std::to_string(raw) + " out of range");
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

void write_offsets(DataOutput& out, const KeyGroupOffsets& o) {
  out.write_varint(static_cast<uint64_t>(o.first));
  out.write_varint(o.offsets.size());
  for (uint64_t v : o.offsets) out.write_varint(v);
}

KeyGroupOffsets read_offsets(DataInput& in, uint64_t file_size) {
  KeyGroupOffsets o;
  uint64_t first = in.read_varint();
  uint64_t n = in.read_varint();
  if (first >= kMaxKeyGroups || n > kMaxKeyGroups + 2 || (n == 1))
    throw SerializationError("bad key-group offsets");
  o.first = static_cast<KeyGroup>(first);
  o.offsets.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t v = in.read_varint();
    if (v > file_size || (!o.offsets.empty() && v < o.offsets.back() + kBlockCrcSize))
      throw SerializationError("key-group offsets out of order or beyond the file");
    o.offsets.push_back(v);
  }
  return o;
}

int version_of(std::string_view bytes) {
  if (bytes.size() >= sizeof(kMagic) && std::memcmp(bytes.data(), kMagic, 6) == 0 && bytes[6] == '0' &&
      bytes[7] >= '1' && bytes[7] <= kMagic[7])
    return bytes[7] - '0';
  return 0;
}

// Versions 1-3: one body with a CRC-32C trailer.
TaskSnapshot decode_v1_to_v3(std::string_view bytes, int version, const std::string& what) {
  if (bytes.size() < sizeof(kMagic) + 4) throw SerializationError("'" + what + "' is truncated");
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

}  // namespace

KeyGroupOffsets KeyGroupOffsets::restricted_to(const KeyGroupRange& r) const {
  KeyGroupOffsets out;
  if (empty()) return out;
  KeyGroupRange mine = range();
  KeyGroup a = std::max(mine.start, r.start);
  KeyGroup b = std::min(mine.end, r.end);
  if (a > b) return out;
  out.first = a;
  out.offsets.assign(offsets.begin() + (a - first), offsets.begin() + (b - first) + 2);
  return out;
}

EncodedTaskSnapshot encode_task_snapshot(const TaskSnapshot& s) {
  for (const auto& op : s.operators)
    if (op.finish_async) throw WeirError("task snapshot encoded before its asynchronous parts ran");
  EncodedTaskSnapshot e;
  DataOutput out;
  out.write_raw(kMagic, sizeof(kMagic));
  e.handle.vertex = s.vertex;
  e.handle.subtask = s.subtask;
  for (const auto& op : s.operators) {
    OperatorStateHandle h;
    h.operator_id = op.operator_id;
    h.has_state = !op.empty();
    h.keyed_state_file = op.keyed_state_file;
    // Union list states (runtime/operator_state_store.h names them "union:<name>") go to every subtask.
    h.union_state = std::any_of(op.list_states.begin(), op.list_states.end(),
                                [](const auto& kv) { return kv.first.rfind("union:", 0) == 0; });
    // Blocks of consecutive key groups; a gap (never written by Weir) ends the run.
    for (auto it = op.keyed.lower_bound(0); it != op.keyed.end(); ++it) {
      if (h.key_groups.offsets.empty()) {
        h.key_groups.first = it->first;
      } else if (it->first != h.key_groups.first + static_cast<KeyGroup>(h.key_groups.offsets.size())) {
        throw WeirError("operator '" + op.operator_id + "' snapshot key groups that are not contiguous");
      }
      h.key_groups.offsets.push_back(out.size());
      out.write_raw(it->second.data(), it->second.size());
      out.write_fixed<uint32_t>(crc32c(it->second));
    }
    if (!h.key_groups.offsets.empty()) h.key_groups.offsets.push_back(out.size());
    e.handle.operators.push_back(std::move(h));
  }
  e.handle.head_offset = out.size();
  out.write_varint(s.vertex);
  out.write_varint(s.subtask);
  out.write_varint(s.operators.size());
  for (size_t i = 0; i < s.operators.size(); ++i) {
    write_op(out, s.operators[i], /*keyed_in_head=*/true);
    write_offsets(out, e.handle.operators[i].key_groups);
  }
  uint32_t crc = crc32c(out.data() + e.handle.head_offset, out.size() - e.handle.head_offset);
  out.write_fixed(crc);
  e.handle.head_length = out.size() - e.handle.head_offset;
  out.write_fixed<uint64_t>(e.handle.head_offset);
  out.write_raw(kEndMagic, sizeof(kEndMagic));
  e.handle.size = out.size();
  e.bytes = out.str();
  return e;
}

TaskSnapshot decode_task_head(std::string_view head, uint64_t file_size, const std::string& what,
                              std::vector<KeyGroupOffsets>* offsets) {
  if (head.size() < 4) throw SerializationError("'" + what + "' is corrupt: its head is truncated");
  uint32_t stored;
  std::memcpy(&stored, head.data() + head.size() - 4, 4);
  if (crc32c(head.data(), head.size() - 4) != stored)
    throw SerializationError("'" + what + "' is corrupt: checksum mismatch in its head");
  DataInput in(head.data(), head.size() - 4);
  TaskSnapshot s;
  try {
    s.vertex = static_cast<int>(in.read_varint());
    s.subtask = static_cast<int>(in.read_varint());
    uint64_t n = in.read_varint();
    if (n > head.size()) throw SerializationError("operator count out of range");
    for (; n > 0; --n) {
      s.operators.push_back(read_op(in, 4));
      KeyGroupOffsets o = read_offsets(in, file_size);
      if (offsets) offsets->push_back(std::move(o));
    }
  } catch (const SerializationError& e) {
    throw SerializationError("'" + what + "' is corrupt: " + e.what());
  }
  return s;
}

void decode_key_group_blocks(std::string_view bytes, const KeyGroupOffsets& offsets, OperatorSnapshot& op,
                             const std::string& what) {
  if (offsets.empty()) return;
  const uint64_t base = offsets.offsets.front();
  if (bytes.size() != offsets.offsets.back() - base)
    throw SerializationError("'" + what + "' is truncated: key-group blocks end early");
  for (size_t i = 0; i + 1 < offsets.offsets.size(); ++i) {
    std::string_view block =
        bytes.substr(offsets.offsets[i] - base, offsets.offsets[i + 1] - offsets.offsets[i]);
    if (block.size() < kBlockCrcSize) throw SerializationError("'" + what + "' is corrupt: short block");
    std::string_view payload = block.substr(0, block.size() - kBlockCrcSize);
    uint32_t stored;
    std::memcpy(&stored, block.data() + payload.size(), 4);
    KeyGroup kg = offsets.first + static_cast<KeyGroup>(i);
    if (crc32c(payload) != stored)
      throw SerializationError(fmt::format(
          "'{}' is corrupt: checksum mismatch in key group {} of operator '{}'", what, kg, op.operator_id));
    op.keyed[kg] = std::string(payload);
  }
}

TaskSnapshot decode_task_snapshot(std::string_view bytes, const std::string& what) {
  int version = version_of(bytes);
  if (version == 0) throw SerializationError("'" + what + "' is not a Weir task snapshot (bad header)");
  if (version < 4) return decode_v1_to_v3(bytes, version, what);
  if (bytes.size() < sizeof(kMagic) + kFooterSize ||
      std::memcmp(bytes.data() + bytes.size() - sizeof(kEndMagic), kEndMagic, sizeof(kEndMagic)) != 0)
    throw SerializationError("'" + what + "' is truncated: no end marker");
  uint64_t head_offset;
  std::memcpy(&head_offset, bytes.data() + bytes.size() - kFooterSize, 8);
  if (head_offset < sizeof(kMagic) || head_offset > bytes.size() - kFooterSize)
    throw SerializationError("'" + what + "' is corrupt: bad head offset");
  std::vector<KeyGroupOffsets> offsets;
  TaskSnapshot s = decode_task_head(bytes.substr(head_offset, bytes.size() - kFooterSize - head_offset),
                                    bytes.size(), what, &offsets);
  for (size_t i = 0; i < s.operators.size(); ++i) {
    const auto& o = offsets[i];
    if (o.empty()) continue;
    if (o.offsets.back() > head_offset)
      throw SerializationError("'" + what + "' is corrupt: blocks overlap the head");
    decode_key_group_blocks(bytes.substr(o.offsets.front(), o.offsets.back() - o.offsets.front()), o,
                            s.operators[i], what);
  }
  return s;
}

}  // namespace weir::checkpoint
