// Configuration: every bad key or value is refused at set() with a message naming the key and what
// it accepts; good values parse to the documented units.
#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "weir/common/config.h"
#include "weir/common/config_options.h"
#include "weir/common/error.h"

namespace weir {
namespace {

// Runs `f`, expects a ConfigError, and returns its message.
template <typename F>
std::string config_error(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return {};
}

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "'" << (text) << "' lacks '" << (part) << "'"

TEST(Configuration, UnknownKeyIsRefusedByName) {
  Configuration c;
  auto msg = config_error([&] { c.set("parallelism.defualt", "4"); });
  EXPECT_CONTAINS(msg, "parallelism.defualt");
  EXPECT_FALSE(c.contains("parallelism.defualt"));
  EXPECT_CONTAINS(config_error([&] { c.set_from_flag("no.such.key=1"); }), "no.such.key");
  EXPECT_CONTAINS(config_error([&] { c.set_from_flag("missing-equals"); }), "missing-equals");
}

TEST(Configuration, BadIntNamesKeyAndRange) {
  Configuration c;
  auto msg = config_error([&] { c.set("parallelism.default", "four"); });
  EXPECT_CONTAINS(msg, "parallelism.default");
  EXPECT_CONTAINS(msg, "four");
  EXPECT_CONTAINS(msg, "integer");
  msg = config_error([&] { c.set("parallelism.default", "0"); });
  EXPECT_CONTAINS(msg, "parallelism.default");
  EXPECT_CONTAINS(msg, "between 1 and 32768");
  EXPECT_CONTAINS(config_error([&] { c.set("parallelism.default", "3x"); }), "parallelism.default");
  EXPECT_CONTAINS(config_error([&] { c.set("parallelism.default", ""); }), "parallelism.default");
  // A refused value leaves the default in place.
  EXPECT_EQ(c.get_int(options::kParallelismDefault), 1);
  c.set("parallelism.default", " 12 ");
  EXPECT_EQ(c.get_int(options::kParallelismDefault), 12);
}

TEST(Configuration, BadBoolNamesKeyAndAllowedValues) {
  Configuration c;
  auto msg = config_error([&] { c.set("pipeline.operator-chaining.enabled", "yes"); });
  EXPECT_CONTAINS(msg, "pipeline.operator-chaining.enabled");
  EXPECT_CONTAINS(msg, "true or false");
  c.set("pipeline.operator-chaining.enabled", "FALSE");
  EXPECT_FALSE(c.get_bool(options::kOperatorChaining));
}

TEST(Configuration, DurationsParseWithUnits) {
  const std::string k = "execution.buffer-timeout.interval";
  EXPECT_EQ(parse_duration(k, "250"), Duration(250));
  EXPECT_EQ(parse_duration(k, "200 ms"), Duration(200));
  EXPECT_EQ(parse_duration(k, "5s"), Duration(5000));
  EXPECT_EQ(parse_duration(k, "5 seconds"), Duration(5000));
  EXPECT_EQ(parse_duration(k, "1 min"), Duration(60'000));
  EXPECT_EQ(parse_duration(k, "2 h"), Duration(7'200'000));
  EXPECT_EQ(parse_duration(k, "1d"), Duration(86'400'000));
  Configuration c;
  c.set(k, "0");
  EXPECT_EQ(c.get_duration(options::kBufferTimeout), Duration(0));
  EXPECT_EQ(Configuration().get_duration(options::kAutoWatermarkInterval), Duration(200));
}

TEST(Configuration, BadDurationNamesKeyAndUnits) {
  Configuration c;
  const std::string k = "pipeline.auto-watermark-interval";
  auto msg = config_error([&] { c.set(k, "5 fortnights"); });
  EXPECT_CONTAINS(msg, k);
  EXPECT_CONTAINS(msg, "ms, s, min, h or d");
  EXPECT_CONTAINS(config_error([&] { c.set(k, "soon"); }), k);
  EXPECT_CONTAINS(config_error([&] { c.set(k, "-5 ms"); }), k);
  // Out of range must be refused, not wrap around to a negative duration.
  EXPECT_CONTAINS(config_error([&] { c.set(k, "9223372036854775807 d"); }), k);
  EXPECT_CONTAINS(config_error([&] { c.set(k, "99999999999999999999"); }), k);
}

TEST(Configuration, MemorySizesParseWithUnits) {
  const std::string k = "taskmanager.memory.segment-size";
  EXPECT_EQ(parse_memory_size(k, "512"), 512);
  EXPECT_EQ(parse_memory_size(k, "100 b"), 100);
  EXPECT_EQ(parse_memory_size(k, "32kb"), 32 * 1024);
  EXPECT_EQ(parse_memory_size(k, "4 KiB"), 4 * 1024);
  EXPECT_EQ(parse_memory_size(k, "64 mb"), 64LL << 20);
  EXPECT_EQ(parse_memory_size(k, "1g"), 1LL << 30);
  Configuration c;
  EXPECT_EQ(c.get_memory(options::kSegmentSize, true), 32 * 1024);
  c.set(k, "8 kb");
  EXPECT_EQ(c.get_memory(options::kSegmentSize, true), 8 * 1024);
}

TEST(Configuration, BadMemorySizeNamesKeyAndUnits) {
  Configuration c;
  const std::string k = "taskmanager.memory.segment-size";
  auto msg = config_error([&] { c.set(k, "12 parsecs"); });
  EXPECT_CONTAINS(msg, k);
  EXPECT_CONTAINS(msg, "b, kb, mb or gb");
  EXPECT_CONTAINS(config_error([&] { c.set(k, "lots"); }), k);
  EXPECT_CONTAINS(config_error([&] { c.set(k, "9223372036854775807 gb"); }), k);
}

// A network buffer's size is bounded both ways: 0 would make buffers that hold nothing, and 4 gb wrapped
// to 0 where the size becomes a buffer's 32-bit length.
TEST(Configuration, SegmentSizeOutsideItsRangeIsRefusedNamingTheRange) {
  Configuration c;
  const std::string k = "taskmanager.memory.segment-size";
  for (const std::string v : {"0", "1 b", "4095", "16777217", "4gb", "64 mb"}) {
    auto msg = config_error([&] { c.set(k, v); });
    EXPECT_CONTAINS(msg, k);
    EXPECT_CONTAINS(msg, "'" + v + "'");
  }
  c.set(k, "4 kb");
  EXPECT_EQ(c.get_memory(options::kSegmentSize, true), 4096);
  c.set(k, "16 mb");
  EXPECT_EQ(c.get_memory(options::kSegmentSize, true), 16 << 20);
}

TEST(Configuration, BadEnumNamesKeyAndAllowedValues) {
  Configuration c;
  auto msg = config_error([&] { c.set("state.backend.type", "filesystem"); });
  EXPECT_CONTAINS(msg, "state.backend.type");
  EXPECT_CONTAINS(msg, "filesystem");
  EXPECT_CONTAINS(msg, "allowed values are hashmap");
  c.set("state.backend.type", " HashMap ");  // enums are case-insensitive and normalized
  EXPECT_EQ(c.get_string(options::kStateBackendType), "hashmap");
}

TEST(Configuration, FlagsAndMerge) {
  Configuration a, b;
  a.set_from_flag("parallelism.default=3");
  b.set_from_flag("pipeline.max-parallelism=64");
  b.set_from_flag("parallelism.default=5");
  a.merge(b);
  EXPECT_EQ(a.get_int(options::kParallelismDefault), 5);
  EXPECT_EQ(a.get_int(options::kMaxParallelism), 64);
  EXPECT_EQ(a.raw("taskmanager.numberOfTaskSlots"), "4");  // default
}

class YamlFile {
 public:
  explicit YamlFile(const std::string& text) {
    path_ = std::filesystem::temp_directory_path() /
            ("weir-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".yaml");
    std::ofstream(path_) << text;
  }
  ~YamlFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(ConfigurationYaml, NestedMapsFlattenToDottedKeys) {
  YamlFile f(
      "parallelism:\n"
      "  default: 6\n"
      "pipeline:\n"
      "  max-parallelism: 256\n"
      "  operator-chaining:\n"
      "    enabled: false\n"
      "taskmanager.numberOfTaskSlots: 8\n"
      "execution:\n"
      "  buffer-timeout.interval: 10 ms\n");
  Configuration c = Configuration::load_yaml(f.path());
  EXPECT_EQ(c.get_int(options::kParallelismDefault), 6);
  EXPECT_EQ(c.get_int(options::kMaxParallelism), 256);
  EXPECT_FALSE(c.get_bool(options::kOperatorChaining));
  EXPECT_EQ(c.get_int(options::kSlotsPerTaskManager), 8);
  EXPECT_EQ(c.get_duration(options::kBufferTimeout), Duration(10));
}

TEST(ConfigurationYaml, UnknownOrBadKeysNameTheFlattenedKey) {
  YamlFile unknown("pipeline:\n  max-paralelism: 4\n");
  EXPECT_CONTAINS(config_error([&] { Configuration::load_yaml(unknown.path()); }), "pipeline.max-paralelism");
  YamlFile bad("parallelism:\n  default: many\n");
  EXPECT_CONTAINS(config_error([&] { Configuration::load_yaml(bad.path()); }), "parallelism.default");
  YamlFile list("parallelism:\n  default: [1, 2]\n");
  EXPECT_CONTAINS(config_error([&] { Configuration::load_yaml(list.path()); }), "parallelism.default");
  EXPECT_CONTAINS(config_error([&] { Configuration::load_yaml("/nonexistent/weir.yaml"); }),
                  "/nonexistent/weir.yaml");
}

// Found by fuzzing (tests/fuzz/corpus/configuration/regression-*-key): a list or a map as a key escaped
// yaml-cpp's conversion exception and ended `weir` with std::terminate.
TEST(ConfigurationYaml, AKeyThatIsNotAPlainNameIsRefusedWithItsPlace) {
  YamlFile list_key("[parallelism]: 4\n");
  EXPECT_CONTAINS(config_error([&] { Configuration::load_yaml(list_key.path()); }),
                  "line 1, column 1 must be a plain name");
  YamlFile map_key("pipeline:\n  ? {a: 1}\n  : 2\n");
  EXPECT_CONTAINS(config_error([&] { Configuration::load_yaml(map_key.path()); }), "under 'pipeline'");
  YamlFile empty_key(": 4\n");
  EXPECT_CONTAINS(config_error([&] { Configuration::load_yaml(empty_key.path()); }), "must be a plain name");
}

}  // namespace
}  // namespace weir
