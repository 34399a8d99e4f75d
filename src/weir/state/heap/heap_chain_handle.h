#pragma once
// The handle of the heap backend's incremental snapshot of one subtask: its key-group range and the
// chain of files (a full snapshot, then the changes of each later checkpoint) that restore it when
// read in order. The files are heap chain files (keyed_state_file.h, KeyedFileKind::kHeapChain) in the
// job's shared/ directory, named relative to the job directory (the parent of chk-<n>) so the checkpoint
// base directory can move whole; files of another job's directory (a resumed job) stay full paths.
//
//   handle = u32 magic "WHIC" | varint range start | varint range end | varint n | (bytes path)*
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "weir/common/data_io.h"
#include "weir/common/error.h"
#include "weir/common/key_group.h"

namespace weir::state {

struct HeapChainHandle {
  static constexpr uint32_t kMagic = 0x43494857;  // "WHIC"
  KeyGroupRange range;
  std::vector<std::string> files;

  std::string encode() const {
    DataOutput out;
    out.write_fixed<uint32_t>(kMagic);
    out.write_varint(static_cast<uint64_t>(range.start));
    out.write_varint(static_cast<uint64_t>(range.end));
    out.write_varint(files.size());
    for (const auto& f : files) out.write_bytes(f);
    return out.str();
  }
  //! True when `bytes` starts like a heap chain handle.
  static bool is_one(std::string_view bytes) {
    if (bytes.size() < 4) return false;
    DataInput in(bytes);
    return in.read_fixed<uint32_t>() == kMagic;
  }
  static HeapChainHandle decode(std::string_view bytes) {
    DataInput in(bytes);
    if (bytes.size() < 4 || in.read_fixed<uint32_t>() != kMagic)
      throw SerializationError("not a heap incremental snapshot handle");
    HeapChainHandle h;
    uint64_t start = in.read_varint(), end = in.read_varint();
    if (start > end || end > 0xffff)
      throw SerializationError("heap incremental snapshot handle: bad key-group range");
    h.range = {static_cast<KeyGroup>(start), static_cast<KeyGroup>(end)};
    uint64_t n = in.read_varint();
    if (n == 0 || n > bytes.size())
      throw SerializationError("heap incremental snapshot handle: bad file count");
    for (uint64_t i = 0; i < n; ++i) {
      std::string f(in.read_bytes());
      if (f.empty()) throw SerializationError("heap incremental snapshot handle: empty file name");
      h.files.push_back(std::move(f));
    }
    return h;
  }
};

}  // namespace weir::state
