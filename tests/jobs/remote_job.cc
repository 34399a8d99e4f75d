// The remote environment tests' job library: the same main the test submits with (remote_job.h).
#include "remote_job.h"

#include "weir/api/job_entry_point.h"

WEIR_JOB_MAIN(weir::testing::remote_job_main)
