// A task state file (WEIRTS04 and older versions) as the restore path reads it: whole, and by its head
// (the ranged read a subtask does first, then its key groups' blocks).
#include <string>
#include <vector>

#include "fuzz_target.h"
#include "weir/checkpoint/operator_snapshot.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace weir;
  const std::string_view bytes = fuzz::as_view(data, size);
  fuzz::refuse_or_accept([&] { checkpoint::decode_task_snapshot(bytes, "fuzz input"); });
  fuzz::refuse_or_accept([&] {
    std::vector<checkpoint::KeyGroupOffsets> offsets;
    auto head = checkpoint::decode_task_head(bytes, size, "fuzz input", &offsets);
    // The key-group blocks named by the head, read from the same bytes as a ranged read would.
    for (size_t i = 0; i < offsets.size() && i < head.operators.size(); ++i) {
      const auto& o = offsets[i];
      if (o.offsets.empty() || o.offsets.front() > o.offsets.back() || o.offsets.back() > size) continue;
      checkpoint::decode_key_group_blocks(
          bytes.substr(o.offsets.front(), o.offsets.back() - o.offsets.front()), o, head.operators[i],
          "fuzz input");
    }
  });
  return 0;
}
