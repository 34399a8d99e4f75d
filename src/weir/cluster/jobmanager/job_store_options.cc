#include "weir/cluster/jobmanager/job_store_options.h"

namespace weir::cluster {

const ConfigOption<int64_t> kJobStoreExpirationTime{
    {"jobstore.expiration-time",
     ConfigType::kInt,
     "3600",
     "Seconds an ended job stays in the JobManager with everything (graph, checkpoints, exceptions, "
     "metrics); then only its summary remains (weir list -a, REST /jobs/overview and /jobs/:jobid).",
     {},
     0,
     10LL * 365 * 24 * 3600}};
const ConfigOption<int64_t> kJobStoreMaxCapacity{
    {"jobstore.max-capacity",
     ConfigType::kInt,
     "2147483647",
     "Ended jobs kept with everything at most; beyond it the oldest ended ones keep only their summary.",
     {},
     0,
     INT32_MAX}};

JobStoreOptions JobStoreOptions::from(const Configuration& conf) {
  JobStoreOptions o;
  o.expiration = std::chrono::seconds(conf.get_int(kJobStoreExpirationTime));
  o.max_capacity = conf.get_int(kJobStoreMaxCapacity);
  return o;
}

}  // namespace weir::cluster
