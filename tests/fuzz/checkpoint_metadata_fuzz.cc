// A checkpoint's _metadata, as the JobManager reads it on recovery, and one task's state handle, as a
// TaskManager acknowledges it over RPC.
#include "fuzz_target.h"
#include "weir/checkpoint/checkpoint_storage.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace weir;
  const std::string_view bytes = fuzz::as_view(data, size);
  fuzz::refuse_or_accept([&] { checkpoint::decode_metadata(bytes, "fuzz input"); });
  fuzz::refuse_or_accept([&] { checkpoint::decode_task_handle(bytes, "fuzz input"); });
  return 0;
}
