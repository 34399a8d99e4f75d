#pragma once
// TTL bookkeeping shared by the heap states: every entry carries the processing time of its last
// refresh; an entry is expired once last + ttl <= now (Flink's rule).
#include <optional>

#include "weir/state/keyed_state_backend.h"
#include "weir/state/state_ttl_config.h"

namespace weir::state {

class TtlPolicy {
 public:
  TtlPolicy(KeyedStateBackend* backend, std::optional<StateTtlConfig> cfg) : backend_(backend), cfg_(cfg) {}
  bool enabled() const { return cfg_.has_value() && cfg_->enabled(); }
  Timestamp now() const { return enabled() ? backend_->now_ms() : 0; }
  bool expired(Timestamp last) const { return enabled() && last + cfg_->ttl_ms <= backend_->now_ms(); }
  bool return_expired() const {
    return enabled() && cfg_->visibility == StateTtlConfig::Visibility::kReturnExpiredIfNotCleanedUp;
  }
  bool refresh_on_read() const {
    return enabled() && cfg_->update_type == StateTtlConfig::UpdateType::kOnReadAndWrite;
  }

 private:
  KeyedStateBackend* backend_;
  std::optional<StateTtlConfig> cfg_;
};

}  // namespace weir::state
