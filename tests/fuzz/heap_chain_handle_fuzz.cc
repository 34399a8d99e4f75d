// The handle of an incremental heap snapshot (the chain of files a restore adopts), from a task state file.
#include "fuzz_target.h"
#include "weir/state/heap/heap_chain_handle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace weir;
  const std::string_view bytes = fuzz::as_view(data, size);
  if (state::HeapChainHandle::is_one(bytes))
    fuzz::refuse_or_accept([&] { state::HeapChainHandle::decode(bytes); });
  fuzz::refuse_or_accept([&] { state::HeapChainHandle::decode(bytes); });
  return 0;
}
