// Configuration from a user: -D key=value flags (one per line of the input) and a YAML file (the whole
// input), with every value checked by its option's type and bounds.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "fuzz_target.h"
#include "weir/common/config.h"

namespace {

const std::string& scratch_file() {
  static const std::string path = [] {
    const char* dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return std::string(dir) + "/weir-fuzz-config-" + std::to_string(::getpid()) + ".yaml";
  }();
  return path;
}

struct RemoveAtExit {
  ~RemoveAtExit() { std::remove(scratch_file().c_str()); }
} remove_at_exit;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace weir;
  const std::string text(fuzz::as_view(data, size));
  Configuration flags;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    fuzz::refuse_or_accept([&] { flags.set_from_flag(line); });
    auto eq = line.find('=');
    const std::string value = eq == std::string::npos ? line : line.substr(eq + 1);
    fuzz::refuse_or_accept([&] { parse_duration("fuzz.duration", value); });
    fuzz::refuse_or_accept([&] { parse_memory_size("fuzz.size", value); });
    start = end + 1;
  }
  {
    std::ofstream out(scratch_file(), std::ios::binary | std::ios::trunc);
    out << text;
  }
  fuzz::refuse_or_accept([&] { Configuration::load_yaml(scratch_file()); });
  return 0;
}
