#include "weir/network/result_partition.h"

#include <cstring>
#include <string>

#include "weir/network/data_wire_format.h"

namespace weir::network {

static_assert(kFrameHeaderSize + kMaxEventFrameLength <= wire::kMaxBody,
              "an event's buffer must fit in one data-plane message");

ResultPartition::ResultPartition(std::shared_ptr<BufferPool> pool,
                                 std::vector<std::shared_ptr<LocalChannel>> channels,
                                 const std::atomic<bool>* canceled)
    : pool_(std::move(pool)), canceled_(canceled) {
  subs_.reserve(channels.size());
  for (auto& c : channels) {
    c->hold_pool(pool_);
    subs_.push_back({std::move(c), nullptr});
  }
}

ResultPartition::~ResultPartition() = default;

void ResultPartition::copy_into(Subpartition& s, const uint8_t* data, size_t n) {
  while (n > 0) {
    if (!s.current) s.current = pool_->request(*canceled_);
    Buffer& b = *s.current;
    size_t take = std::min<size_t>(n, b.free());
    std::memcpy(b.data + b.size, data, take);
    b.size += static_cast<uint32_t>(take);
    data += take;
    n -= take;
    if (b.free() == 0) flush(s);
  }
}

void ResultPartition::write(int sub, ElementKind kind, std::string_view payload) {
  check_frame_to_write(payload.size(), kMaxFrameLength,
                       kind == ElementKind::kRecord ? "a record" : "an element");
  Subpartition& s = subs_[sub];
  uint8_t header[kFrameHeaderSize + 1];
  uint32_t len = static_cast<uint32_t>(payload.size() + 1);
  std::memcpy(header, &len, 4);
  header[4] = static_cast<uint8_t>(kind);
  // Fast path: the whole frame fits in the current buffer.
  if (s.current && s.current->free() >= sizeof(header) + payload.size()) {
    Buffer& b = *s.current;
    std::memcpy(b.data + b.size, header, sizeof(header));
    // An empty payload (end of partition) may have a null data(); memcpy from null is UB even for 0 bytes.
    if (!payload.empty()) std::memcpy(b.data + b.size + sizeof(header), payload.data(), payload.size());
    b.size += static_cast<uint32_t>(sizeof(header) + payload.size());
    if (b.free() == 0) flush(s);
  } else {
    copy_into(s, header, sizeof(header));
    copy_into(s, reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
  }
  unflushed_ = true;
}

void ResultPartition::broadcast(ElementKind kind, std::string_view payload) {
  for (int i = 0; i < num_subpartitions(); ++i) write(i, kind, payload);
}

void ResultPartition::broadcast_event(ElementKind kind, std::string_view payload, bool priority, bool fence) {
  check_frame_to_write(payload.size(), kMaxEventFrameLength, "an event");
  std::string frame(kFrameHeaderSize + 1 + payload.size(), '\0');
  uint32_t len = static_cast<uint32_t>(payload.size() + 1);
  std::memcpy(frame.data(), &len, 4);
  frame[kFrameHeaderSize] = static_cast<char>(kind);
  if (!payload.empty()) std::memcpy(frame.data() + kFrameHeaderSize + 1, payload.data(), payload.size());
  for (auto& s : subs_) {
    flush(s);
    s.channel->push(make_unpooled_buffer(frame.data(), static_cast<uint32_t>(frame.size()), priority, fence));
  }
  unflushed_ = false;
}

void ResultPartition::flush(Subpartition& s) {
  if (s.current && s.current->size > 0) s.channel->push(std::move(s.current));
}

void ResultPartition::flush_all() {
  for (auto& s : subs_) flush(s);
  unflushed_ = false;
}

void ResultPartition::finish() {
  broadcast(ElementKind::kEndOfPartition, {});
  flush_all();
}

}  // namespace weir::network
