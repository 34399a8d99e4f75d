#pragma once
// Tests that run on every keyed-state backend: parameterize with kStateBackends and build backends
// through the same factory the TaskManager uses.
#include <memory>
#include <string>

#include "weir/common/config.h"
#include "weir/state/keyed_state_backend_factory.h"

namespace weir::testing_support {

inline const std::string kStateBackends[] = {"hashmap", "rocksdb"};

inline Configuration state_backend_config(const std::string& kind) {
  Configuration conf;
  conf.set("state.backend.type", kind);
  conf.set("state.backend.rocksdb.memory.fixed-per-slot", "16mb");
  return conf;
}

inline std::unique_ptr<state::KeyedStateBackend> make_state_backend(const std::string& kind,
                                                                    KeyGroupRange range,
                                                                    int32_t max_parallelism,
                                                                    std::shared_ptr<Clock> clock,
                                                                    const Configuration* conf = nullptr) {
  state::KeyedBackendContext ctx;
  ctx.key_groups = range;
  ctx.max_parallelism = max_parallelism;
  ctx.clock = std::move(clock);
  ctx.job_id = "unittest";
  ctx.operator_id = "op";
  ctx.slot_key = "unit-test-slot";
  return state::create_keyed_state_backend(conf ? *conf : state_backend_config(kind), ctx);
}

//! gtest name suffix for a backend parameter.
inline std::string backend_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace weir::testing_support
