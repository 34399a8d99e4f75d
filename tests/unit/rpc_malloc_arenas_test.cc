// taskmanager.memory.malloc-arena-max: bad values are refused naming the key, and once applied, new
// threads that allocate get no malloc arena of their own (glibc's malloc_info lists the arenas).
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "weir/cluster/rpc/malloc_arenas.h"
#include "weir/common/error.h"
#include "weir/common/sanitizers.h"

namespace weir::cluster::rpc {
namespace {

//! The arenas glibc has made in this process: one `<heap nr=...>` element each in malloc_info's XML.
int arenas() {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  malloc_info(0, out);
  std::fclose(out);
  std::string xml(text, size);
  std::free(text);
  int n = 0;
  for (size_t at = xml.find("<heap nr="); at != std::string::npos; at = xml.find("<heap nr=", at + 1)) ++n;
  return n;
}

TEST(MallocArenas, BadValuesAreRefusedNamingTheKey) {
  for (const char* bad : {"-1", "1025", "two"}) {
    Configuration conf;
    try {
      conf.set("taskmanager.memory.malloc-arena-max", bad);
      FAIL() << "accepted " << bad;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("taskmanager.memory.malloc-arena-max"), std::string::npos)
          << e.what();
    }
  }
}

TEST(MallocArenas, ZeroLeavesGlibcsDefault) {
  Configuration conf;
  conf.set("taskmanager.memory.malloc-arena-max", "0");
  EXPECT_EQ(apply_malloc_arena_max(conf), std::nullopt);
}

// Sanitizers replace malloc: ASan's mallopt refuses the arena limit (the TaskManager runs on without it),
// TSan's accepts it and does nothing; neither has arenas to observe.
constexpr bool kGlibcMalloc = !kSanitized;

TEST(MallocArenas, OnceAppliedNewThreadsShareTheExistingArenas) {
  ::unsetenv("MALLOC_ARENA_MAX");
  Configuration conf;
  conf.set("taskmanager.memory.malloc-arena-max", "1");
  if (!kGlibcMalloc) {
    const auto applied = apply_malloc_arena_max(conf);
    if (kAddressSanitizer) {
      EXPECT_EQ(applied, std::nullopt);  // refused by ASan's allocator: no cap
    }
    GTEST_SKIP() << "a sanitizer's allocator has no malloc arenas";
  }
  ASSERT_EQ(apply_malloc_arena_max(conf), 1);
  const int before = arenas();
  ASSERT_GE(before, 1);
  // Without the cap, each of these threads' first allocation makes a new arena (up to 8 per core).
  std::vector<std::thread> threads;
  std::vector<void*> blocks(8);
  for (size_t i = 0; i < blocks.size(); ++i)
    threads.emplace_back([&blocks, i] { blocks[i] = std::malloc(1000); });
  for (auto& t : threads) t.join();
  for (void* b : blocks) std::free(b);
  EXPECT_EQ(arenas(), before);
}

}  // namespace
}  // namespace weir::cluster::rpc
