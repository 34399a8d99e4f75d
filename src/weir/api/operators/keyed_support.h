#pragma once
// Keyed operators compute the key of each record, serialize it once, and make it the backend's
// current key; state and timers then act on that key.
#include <functional>
#include <optional>

#include "weir/common/data_io.h"
#include "weir/common/serializer.h"
#include "weir/runtime/stream_operator.h"

namespace weir::ops {

template <typename K>
class KeyContext {
 public:
  //! Sets the current key from a key value.
  void set_key(runtime::StreamOperator* op, const K& key) {
    scratch_.clear();
    Serializer<K>::write(scratch_, key);
    op->keyed_backend()->set_current_key(scratch_.view());
    key_ = key;
  }
  //! Re-reads the current key from the backend (after a timer set it).
  void load_key(runtime::StreamOperator* op) {
    key_ = deserialize_from_string<K>(op->keyed_backend()->current_key());
  }
  const K& key() const { return *key_; }

 private:
  DataOutput scratch_;
  std::optional<K> key_;
};

}  // namespace weir::ops
