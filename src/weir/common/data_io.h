#pragma once
// Byte-level writer and reader used by every serializer. Little-endian, varints for lengths.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "weir/common/assert.h"
#include "weir/common/error.h"

namespace weir {

//! An append-only growable byte buffer. Reused across records: clear() keeps the capacity, so steady
//! state serialization allocates nothing.
class DataOutput {
 public:
  DataOutput() { grow(256); }
  DataOutput(const DataOutput&) = delete;
  DataOutput& operator=(const DataOutput&) = delete;

  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  const uint8_t* data() const { return data_.get(); }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_.get()), size_}; }
  std::string str() const { return std::string(view()); }

  void write_raw(const void* p, size_t n) {
    ensure(n);
    std::memcpy(data_.get() + size_, p, n);
    size_ += n;
  }
  template <typename T>
  void write_fixed(T v) {
    ensure(sizeof(T));
    std::memcpy(data_.get() + size_, &v, sizeof(T));
    size_ += sizeof(T);
  }
  void write_u8(uint8_t v) { write_fixed(v); }
  void write_varint(uint64_t v) {
    ensure(10);
    uint8_t* p = data_.get() + size_;
    while (v >= 0x80) {
      *p++ = static_cast<uint8_t>(v) | 0x80;
      v >>= 7;
    }
    *p++ = static_cast<uint8_t>(v);
    size_ = p - data_.get();
  }
  void write_bytes(std::string_view s) {
    write_varint(s.size());
    write_raw(s.data(), s.size());
  }
  //! Reserves room for a fixed-size value to be filled in later (lengths written after the payload).
  size_t reserve_fixed(size_t n) {
    ensure(n);
    size_t at = size_;
    size_ += n;
    return at;
  }
  template <typename T>
  void patch_fixed(size_t at, T v) {
    WEIR_ASSERT(at + sizeof(T) <= size_, "patch_fixed outside the bytes written");
    std::memcpy(data_.get() + at, &v, sizeof(T));
  }

 private:
  void ensure(size_t n) {
    if (size_ + n > cap_) grow(std::max(cap_ * 2, size_ + n));
  }
  void grow(size_t cap) {
    auto fresh = std::make_unique_for_overwrite<uint8_t[]>(cap);
    if (size_) std::memcpy(fresh.get(), data_.get(), size_);
    data_ = std::move(fresh);
    cap_ = cap;
  }
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
  size_t cap_ = 0;
};

//! Reads what a DataOutput wrote. Every read checks bounds and throws SerializationError on truncation.
class DataInput {
 public:
  DataInput(const void* p, size_t n)
      : p_(static_cast<const uint8_t*>(p)), end_(static_cast<const uint8_t*>(p) + n) {}
  explicit DataInput(std::string_view s) : DataInput(s.data(), s.size()) {}

  size_t remaining() const { return end_ - p_; }
  bool at_end() const { return p_ == end_; }
  const uint8_t* position() const { return p_; }
  //! The bytes not read yet (not consumed).
  std::string_view rest() const { return {reinterpret_cast<const char*>(p_), remaining()}; }

  void read_raw(void* out, size_t n) {
    need(n);
    std::memcpy(out, p_, n);
    p_ += n;
  }
  template <typename T>
  [[nodiscard]] T read_fixed() {
    need(sizeof(T));
    if constexpr (std::is_same_v<T, bool>) {
      // Only 0 and 1 are bools: another byte (a corrupt or hostile input) would be undefined behaviour.
      const uint8_t b = *p_++;
      if (b > 1) throw SerializationError("malformed bool: byte " + std::to_string(b));
      return b == 1;
    }
    T v;
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }
  [[nodiscard]] uint8_t read_u8() { return read_fixed<uint8_t>(); }
  [[nodiscard]] uint64_t read_varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      need(1);
      uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw SerializationError("malformed varint");
  }
  [[nodiscard]] std::string_view read_bytes() {
    uint64_t n = read_varint();
    need(n);
    std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  void skip(size_t n) {
    need(n);
    p_ += n;
  }
  //! Skips a value written with write_fixed<T> (the reads are [[nodiscard]]: a skip says so).
  template <typename T>
  void skip_fixed() {
    skip(sizeof(T));
  }
  //! Skips what write_bytes wrote.
  void skip_bytes() { skip(read_varint()); }

 private:
  void need(size_t n) const {
    if (static_cast<size_t>(end_ - p_) < n)
      throw SerializationError("unexpected end of data: need " + std::to_string(n) + " bytes, have " +
                               std::to_string(end_ - p_));
  }
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace weir
