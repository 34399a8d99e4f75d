#include "weir/cluster/jobmanager/exception_history.h"

namespace weir::options {

const ConfigOption<int64_t> kExceptionHistorySize{
    {"web.exception-history-size",
     ConfigType::kInt,
     "16",
     "Failures kept per job for its exception history (REST /jobs/:jobid/exceptions, the web UI); older ones "
     "are dropped and the history is marked truncated.",
     {},
     1,
     100'000}};

}  // namespace weir::options

namespace weir::cluster {

void ExceptionHistory::record(ExceptionEntry e) {
  ++total_;
  entries_.push_back(std::move(e));
  while (entries_.size() > capacity_) entries_.pop_front();
}

}  // namespace weir::cluster
