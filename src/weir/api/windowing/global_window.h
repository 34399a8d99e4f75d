#pragma once
// GlobalWindow: the one window per key that GlobalWindows assigns (count windows, custom triggers).
// It never ends, so it has no cleanup timer and fires only through its trigger.
#include <string>

#include "weir/common/serializer.h"
#include "weir/common/time.h"

namespace weir {

struct GlobalWindow {
  Timestamp max_timestamp() const { return kMaxTimestamp; }
  std::string to_string() const { return "GlobalWindow"; }
  auto operator<=>(const GlobalWindow&) const = default;
};

// One marker byte, so the global window's state namespace is never the empty (non-window) namespace.
template <>
struct Serializer<GlobalWindow> {
  static void write(DataOutput& out, const GlobalWindow&) { out.write_u8(0); }
  static GlobalWindow read(DataInput& in) {
    if (in.read_u8() != 0) throw SerializationError("bad GlobalWindow marker");
    return {};
  }
};

}  // namespace weir
