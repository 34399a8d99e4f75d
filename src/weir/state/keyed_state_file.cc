#include "weir/state/keyed_state_file.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "weir/common/crc32c.h"
#include "weir/common/error.h"
#include "weir/fs/file_system.h"
#include "weir/state/keyed_state_backend.h"

namespace weir::state {

namespace {
// Version 02 added the index of key-group runs at the end; version 01 files still read (whole).
constexpr char kMagicV1[8] = {'W', 'E', 'I', 'R', 'K', 'S', '0', '1'};
constexpr char kMagic[8] = {'W', 'E', 'I', 'R', 'K', 'S', '0', '2'};
// Same layout, for the files of the heap backend's incremental chains (more layouts allowed).
constexpr char kChainMagic[8] = {'W', 'E', 'I', 'R', 'H', 'C', '0', '1'};
constexpr char kEndMagic[8] = {'W', 'E', 'I', 'R', 'K', 'E', 'N', 'D'};
constexpr uint64_t kEndMarker = 0xffffffffULL;  // above every key group (at most 65536)

void append_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
}  // namespace

void delimited_to_canonical(RowLayout layout, uint64_t n, DataInput& in, DataOutput& out) {
  out.write_varint(n);
  for (uint64_t i = 0; i < n; ++i) {
    out.write_bytes(in.read_bytes());  // composite key
    if (layout == RowLayout::kValue) {
      std::string_view v = in.read_bytes();
      out.write_raw(v.data(), v.size());
      continue;
    }
    uint64_t count = in.read_varint();
    out.write_varint(count);
    for (uint64_t j = 0; j < count; ++j) {
      std::string_view part = in.read_bytes();  // list element, or map user key
      out.write_raw(part.data(), part.size());
      if (layout == RowLayout::kMap) {
        std::string_view v = in.read_bytes();
        out.write_raw(v.data(), v.size());
      }
    }
  }
}

// ---- writer: through the file-system layer, buffered; visible when finish() commits ----

KeyedStateFileWriter::KeyedStateFileWriter(std::string path, KeyedFileKind kind) : path_(std::move(path)) {
  fs::Path p = fs::Path::parse(path_);
  try {
    out_ = fs::get(p)->create(p);
  } catch (const std::exception& e) {
    throw WeirError(fmt::format("cannot create keyed-state file '{}': {}", path_, e.what()));
  }
  buffer_.append(kind == KeyedFileKind::kHeapChain ? kChainMagic : kMagic, sizeof(kMagic));
  bytes_ = sizeof(kMagic);
}

KeyedStateFileWriter::~KeyedStateFileWriter() = default;  // an uncommitted stream leaves nothing

void KeyedStateFileWriter::flush_buffer(bool force) {
  if (buffer_.size() < kBufferBytes && !force) return;
  out_->write(buffer_);
  buffer_.clear();
}

void KeyedStateFileWriter::write_record(KeyGroup kg, std::string_view state, RowLayout layout, uint64_t n,
                                        std::string_view entries) {
  record_.clear();
  record_.write_bytes(state);
  record_.write_u8(static_cast<uint8_t>(layout));
  record_.write_varint(n);
  std::string head;
  append_varint(head, static_cast<uint64_t>(kg));
  uint32_t crc = crc32c(head.data(), head.size());
  append_varint(head, record_.size() + entries.size());
  crc = crc32c(record_.data(), record_.size(), crc);
  crc = crc32c(entries.data(), entries.size(), crc);
  const uint64_t start = bytes_;
  buffer_.append(head);
  buffer_.append(reinterpret_cast<const char*>(record_.data()), record_.size());
  buffer_.append(entries);
  buffer_.append(reinterpret_cast<const char*>(&crc), sizeof(crc));
  bytes_ += head.size() + record_.size() + entries.size() + sizeof(crc);
  // Consecutive records of one key group form one run of the index.
  if (!index_.empty() && index_.back().kg == kg && index_.back().offset + index_.back().length == start)
    index_.back().length = bytes_ - index_.back().offset;
  else
    index_.push_back({kg, start, bytes_ - start});
  try {
    flush_buffer(false);
  } catch (const std::exception& e) {
    throw WeirError(fmt::format("cannot write keyed-state file '{}': {}", path_, e.what()));
  }
}

void KeyedStateFileWriter::finish() {
  std::string end;
  append_varint(end, kEndMarker);
  // The index: key group, offset and length of each run of records, so a reader of some key groups
  // reads only their byte ranges.
  const uint64_t index_offset = bytes_ + end.size();
  std::string index;
  append_varint(index, index_.size());
  for (const auto& r : index_) {
    append_varint(index, static_cast<uint64_t>(r.kg));
    append_varint(index, r.offset);
    append_varint(index, r.length);
  }
  uint32_t crc = crc32c(index.data(), index.size());
  index.append(reinterpret_cast<const char*>(&crc), sizeof(crc));
  end.append(index);
  end.append(reinterpret_cast<const char*>(&index_offset), sizeof(index_offset));
  end.append(kEndMagic, sizeof(kEndMagic));
  buffer_.append(end);
  bytes_ += end.size();
  try {
    flush_buffer(true);
    out_->commit();  // durable (fsync + rename + directory fsync, or a completed upload) before it is named
  } catch (const std::exception& e) {
    throw WeirError(fmt::format("cannot write keyed-state file '{}': {}", path_, e.what()));
  }
  finished_ = true;
}

// ---- reader: ranged reads through the file-system layer ----

namespace {

//! Reads bytes [pos, end) of a file sequentially, a bounded chunk at a time.
class RangeReader {
 public:
  RangeReader(fs::FileSystem& fs, const fs::Path& p, uint64_t pos, uint64_t end)
      : fs_(fs), path_(p), pos_(pos), end_(end) {}
  //! The next `n` bytes; throws SerializationError when the range ends first.
  std::string_view take(uint64_t n) {
    if (n > end_ - pos_ + (buf_.size() - at_)) throw SerializationError("incomplete (truncated)");
    if (buf_.size() - at_ < n) {
      buf_.erase(0, at_);
      at_ = 0;
      uint64_t want = std::max<uint64_t>(n - buf_.size(), std::min<uint64_t>(kChunk, end_ - pos_));
      std::string more = fs_.read_range(path_, pos_, want);
      if (more.size() != want) throw SerializationError("incomplete (truncated)");
      pos_ += want;
      bytes_read_ += want;
      buf_.append(more);
    }
    std::string_view v(buf_.data() + at_, n);
    at_ += n;
    return v;
  }
  uint64_t varint(std::string* raw) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      auto c = static_cast<unsigned char>(take(1)[0]);
      if (raw) raw->push_back(static_cast<char>(c));
      v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if (!(c & 0x80)) return v;
    }
    throw SerializationError("malformed varint");
  }
  bool at_end() const { return pos_ == end_ && at_ == buf_.size(); }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  static constexpr uint64_t kChunk = 4 << 20;
  fs::FileSystem& fs_;
  fs::Path path_;
  uint64_t pos_, end_;
  std::string buf_;
  size_t at_ = 0;
  uint64_t bytes_read_ = 0;
};

struct Run {
  uint64_t offset = 0;
  uint64_t end = 0;
};

// The byte ranges of the file's records of `range`'s key groups, from its index (adjacent ones merged).
std::vector<Run> runs_from_index(fs::FileSystem& fs, const fs::Path& p, uint64_t size,
                                 const KeyGroupRange& range, uint64_t* read) {
  constexpr uint64_t kFooter = 8 + sizeof(kEndMagic);
  if (size < sizeof(kMagic) + kFooter) throw SerializationError("incomplete (too short)");
  std::string footer = fs.read_range(p, size - kFooter, kFooter);
  if (footer.size() != kFooter || std::memcmp(footer.data() + 8, kEndMagic, sizeof(kEndMagic)) != 0)
    throw SerializationError("incomplete (no end marker)");
  uint64_t index_offset;
  std::memcpy(&index_offset, footer.data(), 8);
  if (index_offset < sizeof(kMagic) || index_offset > size - kFooter - 4)
    throw SerializationError("corrupt (bad index offset)");
  std::string index = fs.read_range(p, index_offset, size - kFooter - index_offset);
  *read += kFooter + index.size();
  uint32_t stored;
  std::memcpy(&stored, index.data() + index.size() - 4, 4);
  if (crc32c(index.data(), index.size() - 4) != stored)
    throw SerializationError("corrupt: checksum mismatch in its index");
  DataInput in(index.data(), index.size() - 4);
  uint64_t n = in.read_varint();
  if (n > index.size()) throw SerializationError("corrupt (index count)");
  std::vector<Run> runs;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t kg = in.read_varint(), off = in.read_varint(), len = in.read_varint();
    if (off < sizeof(kMagic) || off > index_offset || len > index_offset - off)
      throw SerializationError("corrupt (index entry beyond the records)");
    if (kg > 0xffff || !range.contains(static_cast<KeyGroup>(kg))) continue;
    if (!runs.empty() && runs.back().end == off)
      runs.back().end = off + len;
    else
      runs.push_back({off, off + len});
  }
  return runs;
}

}  // namespace

uint64_t read_keyed_state_file(
    const std::string& path, const KeyGroupRange& range,
    const std::function<void(KeyGroup, std::string_view, RowLayout, uint64_t, DataInput&)>& f,
    KeyedFileKind kind) {
  auto bad = [&](const std::string& why) {
    return SerializationError(fmt::format("keyed-state file '{}' is {}", path, why));
  };
  fs::Path p = fs::Path::parse(path);
  auto fs = fs::get(p);
  auto st = fs->stat(p);
  if (!st || st->is_dir) throw SerializationError(fmt::format("cannot open keyed-state file '{}'", path));
  uint64_t read = 0;
  try {
    std::string magic = fs->read_range(p, 0, sizeof(kMagic));
    read += magic.size();
    const bool chain = kind == KeyedFileKind::kHeapChain;
    const bool indexed = magic.size() == sizeof(kMagic) &&
                         std::memcmp(magic.data(), chain ? kChainMagic : kMagic, sizeof(kMagic)) == 0;
    const bool v1 = !chain && magic.size() == sizeof(kMagic) &&
                    std::memcmp(magic.data(), kMagicV1, sizeof(kMagicV1)) == 0;
    if (!indexed && !v1)
      throw bad(chain ? "not a heap incremental checkpoint file (bad header)"
                      : "not a keyed-state file (bad header)");
    // Version 1 has no index: read it all, skipping other key groups' records.
    std::vector<Run> runs = indexed ? runs_from_index(*fs, p, st->size, range, &read)
                                    : std::vector<Run>{{sizeof(kMagic), st->size}};
    std::string payload, head;
    for (const auto& run : runs) {
      RangeReader in(*fs, p, run.offset, run.end);
      while (!in.at_end()) {
        head.clear();
        uint64_t kg = in.varint(&head);
        if (kg == kEndMarker) {
          if (indexed) throw bad("corrupt (an index entry reaches the end marker)");
          if (in.take(sizeof(kEndMagic)) != std::string_view(kEndMagic, sizeof(kEndMagic)))
            throw bad("corrupt (bad end marker)");
          break;
        }
        uint64_t len = in.varint(nullptr);
        if (!range.contains(static_cast<KeyGroup>(kg)) || kg > 0xffff) {
          if (indexed) throw bad("corrupt (a record outside its index entry's key group range)");
          in.take(len + 4);
          continue;
        }
        payload.assign(in.take(len));
        uint32_t stored = 0;
        std::memcpy(&stored, in.take(4).data(), 4);
        uint32_t crc = crc32c(payload.data(), payload.size(), crc32c(head.data(), head.size()));
        if (crc != stored) throw bad(fmt::format("corrupt: checksum mismatch in key group {}", kg));
        DataInput pin(payload);
        std::string_view state = pin.read_bytes();
        auto layout = static_cast<RowLayout>(pin.read_u8());
        const bool canonical_layout =
            layout == RowLayout::kValue || layout == RowLayout::kList || layout == RowLayout::kMap;
        const bool chain_layout =
            layout == RowLayout::kRemovals || layout == RowLayout::kCanonical || layout == RowLayout::kTimers;
        if (!canonical_layout && !(chain && chain_layout))
          throw bad(fmt::format("corrupt: unknown layout {}", static_cast<int>(layout)));
        uint64_t n = pin.read_varint();
        f(static_cast<KeyGroup>(kg), state, layout, n, pin);
      }
      read += in.bytes_read();
    }
  } catch (const SerializationError& e) {
    if (std::string_view(e.what()).find(path) != std::string_view::npos) throw;
    throw bad(std::string("corrupt or incomplete: ") + e.what());
  } catch (const fs::FileSystemError& e) {
    throw WeirError(fmt::format("cannot read keyed-state file '{}': {}", path, e.what()));
  }
  return read;
}

void KeyedStateBackend::restore_keyed_state_file(const std::string& path) {
  uint64_t read = read_keyed_state_file(path, key_group_range(),
                                        [&](KeyGroup kg, std::string_view name, RowLayout layout, uint64_t n,
                                            DataInput& in) { restore_rows(kg, name, layout, n, in); });
  count_restore_read(path, read);
}

void KeyedStateBackend::restore_rows(KeyGroup kg, std::string_view name, RowLayout layout, uint64_t n,
                                     DataInput& entries) {
  DataOutput canonical;
  delimited_to_canonical(layout, n, entries, canonical);
  DataOutput part;  // the shape restore_key_group reads: one state, its entries as bytes
  part.write_varint(1);
  part.write_bytes(name);
  part.write_bytes(canonical.view());
  DataInput in(part.view());
  restore_key_group(kg, in);
}

}  // namespace weir::state
