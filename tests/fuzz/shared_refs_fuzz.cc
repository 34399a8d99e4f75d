// A checkpoint's `*.shared-refs` list (checkpoint/shared_state_registry.h): the shared files a task's
// incremental state references, one path per line relative to the job directory. A list someone edited or a
// crash tore must be refused naming it (then nothing is deleted on its account), never misread.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "fuzz_target.h"
#include "weir/checkpoint/shared_state_registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One job directory with one checkpoint directory for the process, rewritten for each input and removed
  // when the process exits.
  struct JobDir {
    std::filesystem::path root;
    JobDir() {
      char tmpl[] = "/tmp/weir-fuzz-shared-refs-XXXXXX";
      if (::mkdtemp(tmpl) == nullptr) std::abort();
      root = tmpl;
      std::filesystem::create_directories(root / "chk-1");
    }
    ~JobDir() {
      std::error_code ec;
      std::filesystem::remove_all(root, ec);
    }
  };
  static const JobDir job;
  const std::filesystem::path dir = job.root / "chk-1";
  const std::filesystem::path list = dir / "task-0-0.shared-refs";
  std::FILE* f = std::fopen(list.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  weir::fuzz::refuse_or_accept([&] { weir::checkpoint::read_shared_refs(dir.string()); });
  return 0;
}
