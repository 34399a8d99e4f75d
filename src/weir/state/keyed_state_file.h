#pragma once
// The keyed-state file: a backend's keyed state in the canonical (backend-independent) format, written
// and read a bounded record at a time, so full checkpoints and savepoints of state larger than memory
// neither build nor load the whole state in memory (the RocksDB backend writes one beside the task
// snapshot; see NativeSnapshot::keyed_state_file).
//
//   file    = "WEIRKS02" record* end
//   record  = varint key group | varint n | payload (n bytes) | u32 CRC-32C of key group varint + payload
//   payload = bytes state name | u8 layout | varint entries | entry*
//   end     = varint 0xffffffff | index | u64 index offset | "WEIRKEND"  (a file without it is incomplete)
//   index   = varint runs | (varint key group | varint offset | varint length)* | u32 CRC-32C
// A run is a stretch of consecutive records of one key group (records are written state by state, key
// group by key group), so a reader of key groups [a, b] reads the footer, the index and only its runs,
// each with ranged reads of bounded size. Files go through the file-system layer (any scheme).
// Version 01 files (no index) are still read, whole.
//
// Entries are the canonical ones with every part length-prefixed, so they convert both to the canonical
// snapshot bytes (InternalStateBase::restore_key_group, any backend) and to RocksDB rows without the
// state's C++ types:
//   value: bytes composite key | bytes value (TimedValue bytes)
//   list:  bytes composite key | varint count | (bytes element)*
//   map:   bytes composite key | varint count | (bytes user key | bytes value)*
// where the composite key is the heap backend's `u32 key length | key | namespace`. One key group's rows
// of one state may span several records.
//
// Threading: a writer or reader is used by one thread at a time.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "weir/common/data_io.h"
#include "weir/common/key_group.h"
#include "weir/fs/file_system.h"

namespace weir::state {

//! How a state's entries are laid out (the first letter of RocksDB column family names too). The last
//! three appear only in the heap backend's incremental chain files (heap_incremental_snapshot.h):
//! composite keys removed (bytes each), one state's canonical key-group bytes not yet loaded into a
//! state object (n = 1, bytes), and timer changes (heap_timer_store.h; the record's state name is the
//! timer domain).
enum class RowLayout : char {
  kValue = 'v',
  kList = 'l',
  kMap = 'm',
  kRemovals = 'x',
  kCanonical = 'c',
  kTimers = 't',
};
//! Which file: a keyed-state file ("WEIRKS02") or a heap incremental chain file ("WEIRHC01", same
//! layout, more record layouts). Each reader accepts only its own.
enum class KeyedFileKind { kKeyedState, kHeapChain };

//! Converts `entries` (n delimited entries of `layout`) to the canonical bytes of one state in one key
//! group (varint n, then the entries) as InternalStateBase::snapshot_key_group writes them.
void delimited_to_canonical(RowLayout layout, uint64_t n, DataInput& entries, DataOutput& out);

class KeyedStateFileWriter {
 public:
  //! Writes to `path` (any file-system scheme); nothing is visible there before finish() commits it.
  //! Throws WeirError when it cannot be created.
  explicit KeyedStateFileWriter(std::string path, KeyedFileKind kind = KeyedFileKind::kKeyedState);
  ~KeyedStateFileWriter();
  //! Appends one record: `n` entries of `state` in key group `kg`, already encoded as delimited entries.
  void write_record(KeyGroup kg, std::string_view state, RowLayout layout, uint64_t n,
                    std::string_view entries);
  //! Writes the end marker and the index and commits the file (durably).
  void finish();
  uint64_t bytes_written() const { return bytes_; }

 private:
  static constexpr size_t kBufferBytes = 1 << 20;
  struct IndexRun {
    KeyGroup kg;
    uint64_t offset;
    uint64_t length;
  };
  void flush_buffer(bool force);
  std::string path_;
  std::unique_ptr<fs::OutputStream> out_;
  std::string buffer_;
  DataOutput record_;
  std::vector<IndexRun> index_;
  uint64_t bytes_ = 0;
  bool finished_ = false;
};

//! Calls `f(kg, state, layout, n, entries)` for each record of the file at `path` whose key group is in
//! `range`, in file order; reads only their byte ranges (the index says where). Returns the bytes read.
//! Throws SerializationError naming the file when it is truncated, corrupt (checksum) or not a
//! keyed-state file.
uint64_t read_keyed_state_file(
    const std::string& path, const KeyGroupRange& range,
    const std::function<void(KeyGroup, std::string_view, RowLayout, uint64_t, DataInput&)>& f,
    KeyedFileKind kind = KeyedFileKind::kKeyedState);

}  // namespace weir::state
