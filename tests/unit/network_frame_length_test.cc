// The largest frame (element_kind.h, kMaxFrameLength): a writer refuses a larger record or event with an
// error naming its size and the limit, and a reader refuses a larger announced length before it allocates
// anything for it. The oversized payloads are mapped, not allocated: an untouched anonymous mapping costs
// no memory, and the refusal happens before a byte of it is read.
#include <sys/mman.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "weir/common/error.h"
#include "weir/network/buffer_pool.h"
#include "weir/network/element_kind.h"
#include "weir/network/local_channel.h"
#include "weir/network/result_partition.h"

namespace weir::network {
namespace {

//! `size` readable bytes that cost no memory until read.
class Mapped {
 public:
  explicit Mapped(size_t size) : size_(size) {
    data_ = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (data_ == MAP_FAILED) throw std::runtime_error("mmap failed");
  }
  ~Mapped() { ::munmap(data_, size_); }
  std::string_view view() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_;
  size_t size_;
};

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const WeirError& e) {
    return e.what();
  }
  return "";
}

struct OnePartition {
  std::atomic<bool> canceled{false};
  std::shared_ptr<BufferPool> pool = std::make_shared<BufferPool>(4096, 4);
  std::shared_ptr<LocalChannel> channel = std::make_shared<LocalChannel>();
  ResultPartition partition{pool, {channel}, &canceled};
};

TEST(FrameLength, AWriterRefusesARecordBeyondTheLargestFrameNamingItsSizeAndTheLimit) {
  OnePartition p;
  Mapped big(kMaxFrameLength);  // its frame is one byte more (the kind)
  const std::string error = message_of([&] { p.partition.write(0, ElementKind::kRecord, big.view()); });
  EXPECT_NE(error.find("a record of 268435456 bytes"), std::string::npos) << error;
  EXPECT_NE(error.find("268435457 bytes with its kind"), std::string::npos) << error;
  EXPECT_NE(error.find("the largest frame, 268435456 bytes"), std::string::npos) << error;
  EXPECT_EQ(message_of([&] { p.partition.broadcast(ElementKind::kRecord, big.view()); }), error);
  // Nothing of it was written: the next record is the first frame the consumer reads.
  p.partition.write(0, ElementKind::kRecord, "small");
  p.partition.flush_all();
  bool more = false;
  BufferPtr b = p.channel->pop(more);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size, kFrameHeaderSize + 1 + 5);
  uint32_t len;
  std::memcpy(&len, b->data, 4);
  EXPECT_EQ(len, 6u);
  EXPECT_EQ(p.pool->in_use(), 1u);  // only the small record's buffer
}

TEST(FrameLength, AWriterRefusesAnEventBeyondOneDataPlaneMessage) {
  OnePartition p;
  Mapped big(kMaxEventFrameLength);
  const std::string error =
      message_of([&] { p.partition.broadcast_event(ElementKind::kBarrier, big.view(), /*priority=*/false); });
  EXPECT_NE(error.find("an event of " + std::to_string(kMaxEventFrameLength) + " bytes"), std::string::npos)
      << error;
  EXPECT_NE(error.find("the largest frame, " + std::to_string(kMaxEventFrameLength) + " bytes"),
            std::string::npos)
      << error;
  EXPECT_EQ(p.channel->queued(), 0u);
  // A small one goes on.
  EXPECT_NO_THROW(p.partition.broadcast_event(ElementKind::kEndOfData, {}, false));
  EXPECT_EQ(p.channel->queued(), 1u);
}

TEST(FrameLength, AReaderRefusesALargerAnnouncedLengthNamingTheInput) {
  auto header = [](uint32_t len) {
    std::string h(kFrameHeaderSize, '\0');
    std::memcpy(h.data(), &len, 4);
    return h;
  };
  auto where = [] { return std::string("input channel 3 of 'Map (2/4)'"); };
  EXPECT_EQ(read_frame_length(header(kMaxFrameLength).data(), where), kMaxFrameLength);
  EXPECT_EQ(read_frame_length(header(7).data(), where), 7u);
  for (uint32_t len : {kMaxFrameLength + 1, 0xFFFFFFFFu}) {
    try {
      read_frame_length(header(len).data(), where);
      FAIL() << "a frame of " << len << " bytes was accepted";
    } catch (const SerializationError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("a frame of " + std::to_string(len) + " bytes"), std::string::npos) << m;
      EXPECT_NE(m.find("input channel 3 of 'Map (2/4)'"), std::string::npos) << m;
      EXPECT_NE(m.find("the largest frame, 268435456 bytes"), std::string::npos) << m;
    }
  }
}

}  // namespace
}  // namespace weir::network
