// A keyed-state file (full RocksDB snapshots, savepoints) and a heap incremental chain file, as a restore
// reads them through the file system: footer, index, then each record's entries converted to the canonical
// bytes a state object loads.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "fuzz_target.h"
#include "weir/common/data_io.h"
#include "weir/common/key_group.h"
#include "weir/state/keyed_state_file.h"

namespace {

//! One file per process, rewritten for every input (the reader takes a path).
const std::string& scratch_file() {
  static const std::string path = [] {
    const char* dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return std::string(dir) + "/weir-fuzz-keyed-state-" + std::to_string(::getpid());
  }();
  return path;
}

struct RemoveAtExit {
  ~RemoveAtExit() { std::remove(scratch_file().c_str()); }
} remove_at_exit;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace weir;
  {
    std::ofstream out(scratch_file(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  const KeyGroupRange all{0, 32767};
  for (auto kind : {state::KeyedFileKind::kKeyedState, state::KeyedFileKind::kHeapChain}) {
    fuzz::refuse_or_accept([&] {
      state::read_keyed_state_file(
          scratch_file(), all,
          [&](KeyGroup, std::string_view, state::RowLayout layout, uint64_t n, DataInput& entries) {
            DataOutput canonical;
            if (kind == state::KeyedFileKind::kKeyedState)
              state::delimited_to_canonical(layout, n, entries, canonical);
          },
          kind);
    });
  }
  return 0;
}
