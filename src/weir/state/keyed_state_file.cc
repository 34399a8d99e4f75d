#include "weir/state/keyed_state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "weir/common/crc32c.h"
#include "weir/common/error.h"
#include "weir/state/keyed_state_backend.h"

namespace weir::state {

namespace {
constexpr char kMagic[8] = {'W', 'E', 'I', 'R', 'K', 'S', '0', '1'};
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

// ---- writer: an ofstream (its own small buffer), fsynced and renamed into place by finish() ----

KeyedStateFileWriter::KeyedStateFileWriter(std::string path) : path_(std::move(path)) {
  out_.open(path_ + ".tmp", std::ios::binary | std::ios::trunc);
  if (!out_) throw WeirError(fmt::format("cannot create keyed-state file '{}.tmp'", path_));
  out_.write(kMagic, sizeof(kMagic));
  bytes_ = sizeof(kMagic);
}

KeyedStateFileWriter::~KeyedStateFileWriter() {
  if (finished_) return;
  out_.close();
  std::error_code ec;
  std::filesystem::remove(path_ + ".tmp", ec);
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
  out_.write(head.data(), static_cast<std::streamsize>(head.size()));
  out_.write(reinterpret_cast<const char*>(record_.data()), static_cast<std::streamsize>(record_.size()));
  out_.write(entries.data(), static_cast<std::streamsize>(entries.size()));
  out_.write(reinterpret_cast<const char*>(&crc), sizeof(crc));
  if (!out_) throw WeirError(fmt::format("cannot write keyed-state file '{}.tmp'", path_));
  bytes_ += head.size() + record_.size() + entries.size() + sizeof(crc);
}

void KeyedStateFileWriter::finish() {
  std::string end;
  append_varint(end, kEndMarker);
  end.append(kEndMagic, sizeof(kEndMagic));
  out_.write(end.data(), static_cast<std::streamsize>(end.size()));
  out_.close();
  if (!out_) throw WeirError(fmt::format("cannot write keyed-state file '{}.tmp'", path_));
  bytes_ += end.size();
  // Durable before it is named: fsync the data, rename, fsync the directory.
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    throw WeirError(fmt::format("cannot sync keyed-state file '{}': {}", tmp, std::strerror(errno)));
  }
  ::close(fd);
  std::filesystem::rename(tmp, path_);
  std::string dir = std::filesystem::path(path_).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  finished_ = true;
}

// ---- reader ----

namespace {
//! Reads a varint from the stream; false at a clean end of file before its first byte.
bool read_stream_varint(std::ifstream& in, uint64_t* v, std::string* raw) {
  *v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    int c = in.get();
    if (c == EOF) {
      if (shift == 0) return false;
      throw SerializationError("truncated in a varint");
    }
    if (raw) raw->push_back(static_cast<char>(c));
    *v |= static_cast<uint64_t>(c & 0x7f) << shift;
    if (!(c & 0x80)) return true;
  }
  throw SerializationError("malformed varint");
}
}  // namespace

void read_keyed_state_file(
    const std::string& path, const KeyGroupRange& range,
    const std::function<void(KeyGroup, std::string_view, RowLayout, uint64_t, DataInput&)>& f) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SerializationError(fmt::format("cannot open keyed-state file '{}'", path));
  auto bad = [&](const std::string& why) {
    return SerializationError(fmt::format("keyed-state file '{}' is {}", path, why));
  };
  char magic[8];
  if (!in.read(magic, sizeof(magic)) || std::memcmp(magic, kMagic, sizeof(kMagic)) != 0)
    throw bad("not a keyed-state file (bad header)");
  std::string payload, head;
  try {
    for (;;) {
      uint64_t kg = 0, len = 0;
      head.clear();
      if (!read_stream_varint(in, &kg, &head)) throw bad("incomplete (no end marker)");
      if (kg == kEndMarker) {
        if (!in.read(magic, sizeof(magic)) || std::memcmp(magic, kEndMagic, sizeof(kEndMagic)) != 0)
          throw bad("corrupt (bad end marker)");
        return;
      }
      if (!read_stream_varint(in, &len, nullptr)) throw bad("incomplete (truncated)");
      if (!range.contains(static_cast<KeyGroup>(kg))) {
        in.seekg(static_cast<std::streamoff>(len + 4), std::ios::cur);
        if (!in) throw bad("incomplete (truncated)");
        continue;
      }
      payload.resize(len);
      uint32_t stored = 0;
      if (!in.read(payload.data(), static_cast<std::streamsize>(len)) ||
          !in.read(reinterpret_cast<char*>(&stored), sizeof(stored)))
        throw bad("incomplete (truncated)");
      uint32_t crc = crc32c(payload.data(), payload.size(), crc32c(head.data(), head.size()));
      if (crc != stored) throw bad(fmt::format("corrupt: checksum mismatch in key group {}", kg));
      DataInput pin(payload);
      std::string_view state = pin.read_bytes();
      auto layout = static_cast<RowLayout>(pin.read_u8());
      if (layout != RowLayout::kValue && layout != RowLayout::kList && layout != RowLayout::kMap)
        throw bad(fmt::format("corrupt: unknown layout {}", static_cast<int>(layout)));
      uint64_t n = pin.read_varint();
      f(static_cast<KeyGroup>(kg), state, layout, n, pin);
    }
  } catch (const SerializationError& e) {
    if (std::string_view(e.what()).find(path) != std::string_view::npos) throw;
    throw bad(std::string("corrupt or incomplete: ") + e.what());
  }
}

void KeyedStateBackend::restore_keyed_state_file(const std::string& path) {
  read_keyed_state_file(path, key_group_range(),
                        [&](KeyGroup kg, std::string_view name, RowLayout layout, uint64_t n, DataInput& in) {
                          restore_rows(kg, name, layout, n, in);
                        });
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
