#pragma once
// A filter of the row keys one column family may hold in RocksDB, kept beside the write-back row
// cache (rocksdb_row_cache.h): every key the backend writes to RocksDB is added; a key the filter has
// never seen has no row there, so a cache miss for it needs no RocksDB Get, and removing it needs no
// tombstone. Jobs that mostly see new keys (deduplication, first bids of a bidder) skip RocksDB on
// their reads entirely.
//
// A scalable Bloom filter: stages of 64-byte blocks (16 KB first) (7 bits of a key in one block, one cache
// line per stage and lookup), each stage four times the size of the one before, a new stage once the newest
// holds about one key per 10 bits (about 1 % false positives per stage). A false positive only costs
// the RocksDB Get that would have happened without the filter.
//
// The filter is only an answer while it has seen every write: a column family restored from files
// (native checkpoints, rescaling, streamed savepoints) starts "unknown", and so does one whose filter
// outgrew the memory its owner allows; an unknown filter answers "may exist" to everything.
// Threading: the owning task thread only.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "weir/common/hashing.h"

namespace weir::state {

class RocksDBKeyFilter {
 public:
  //! `known_empty`: the column family holds no rows yet (the filter starts as an answer).
  explicit RocksDBKeyFilter(bool known_empty) : known_(known_empty) {}

  bool known() const { return known_; }
  //! False only when the column family certainly has no row of the key with this `hash`.
  bool may_contain(uint64_t hash) const {
    if (!known_) return true;
    const uint64_t h = mix64(hash ^ 0x9e3779b97f4a7c15ULL), where = mix64(h);
    for (const Stage& s : stages_)
      if (s.test(where, h)) return true;
    return false;
  }
  //! Records a key written to RocksDB; returns the bytes the filter grew by (0 when unknown).
  size_t add(uint64_t hash) {
    if (!known_) return 0;
    const uint64_t h = mix64(hash ^ 0x9e3779b97f4a7c15ULL), where = mix64(h);
    size_t grown = 0;
    if (stages_.empty() || stages_.back().keys >= stages_.back().capacity()) {
      size_t blocks = stages_.empty() ? kFirstStageBlocks : stages_.back().blocks.size() * 4;
      stages_.push_back(Stage{std::vector<Block>(blocks), 0});
      grown = blocks * sizeof(Block);
    }
    Stage& s = stages_.back();
    if (!s.test(where, h)) {
      s.set(where, h);
      ++s.keys;
    }
    return grown;
  }
  //! Stops answering (rows arrived that the filter did not see); frees the stages.
  void forget() {
    known_ = false;
    stages_.clear();
    stages_.shrink_to_fit();
  }
  size_t memory() const {
    size_t n = 0;
    for (const Stage& s : stages_) n += s.blocks.size() * sizeof(Block);
    return n;
  }

 private:
  struct alignas(64) Block {
    uint64_t words[8] = {};
  };
  struct Stage {
    std::vector<Block> blocks;
    size_t keys;
    size_t capacity() const { return blocks.size() * 512 / 10; }
    size_t index(uint64_t where) const { return static_cast<size_t>(((where >> 32) * blocks.size()) >> 32); }
    // The block from `where`; seven 9-bit positions inside it from the low 63 bits of h.
    bool test(uint64_t where, uint64_t h) const {
      const Block& b = blocks[index(where)];
      for (int i = 0; i < 7; ++i) {
        unsigned bit = (h >> (9 * i)) & 511;
        if (!(b.words[bit >> 6] & (uint64_t{1} << (bit & 63)))) return false;
      }
      return true;
    }
    void set(uint64_t where, uint64_t h) {
      Block& b = blocks[index(where)];
      for (int i = 0; i < 7; ++i) {
        unsigned bit = (h >> (9 * i)) & 511;
        b.words[bit >> 6] |= uint64_t{1} << (bit & 63);
      }
    }
  };
  static constexpr size_t kFirstStageBlocks = 256;  // 16 KB, about 13,000 keys

  bool known_;
  std::vector<Stage> stages_;
};

}  // namespace weir::state
