#pragma once
// Time-to-live of keyed state entries, measured in processing time (Flink's StateTtlConfig).
#include <cstdint>

namespace weir {

struct StateTtlConfig {
  enum class UpdateType {
    kOnCreateAndWrite,  //!< writes refresh an entry's lifetime
    kOnReadAndWrite,    //!< reads refresh it too
  };
  enum class Visibility {
    kNeverReturnExpired,          //!< an expired entry reads as absent
    kReturnExpiredIfNotCleanedUp  //!< an expired entry is returned until it is cleaned up
  };

  int64_t ttl_ms = 0;
  UpdateType update_type = UpdateType::kOnCreateAndWrite;
  Visibility visibility = Visibility::kNeverReturnExpired;

  static StateTtlConfig of_ms(int64_t ttl) { return StateTtlConfig{ttl}; }
  StateTtlConfig& set_update_type(UpdateType t) {
    update_type = t;
    return *this;
  }
  StateTtlConfig& set_state_visibility(Visibility v) {
    visibility = v;
    return *this;
  }
  bool enabled() const { return ttl_ms > 0; }
};

}  // namespace weir
