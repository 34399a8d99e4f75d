// The engine's logging (weir/common/log.h): levels from log.level and log.level.<name>, the line format,
// log.file with rotation, and bad settings refused naming the key.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "weir/common/config.h"
#include "weir/common/error.h"
#include "weir/common/log.h"

namespace weir {
namespace {

namespace stdfs = std::filesystem;

struct TempDir {
  stdfs::path path = stdfs::temp_directory_path() / ("weir-log-test-" + std::to_string(::getpid()));
  TempDir() { stdfs::create_directories(path); }
  ~TempDir() {
    log::configure(Configuration{});  // back to stderr alone, level info
    stdfs::remove_all(path);
  }
};

std::string read(const stdfs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Log, LevelsPerLoggerAndTheLineFormatInTheFile) {
  TempDir dir;
  Configuration conf;
  conf.set("log.level", "warn");
  conf.set("log.level.checkpoint", "debug");
  conf.set("log.file", (dir.path / "weir.log").string());
  log::configure(conf);
  log::get("checkpoint").debug("checkpoint {} in detail", 7);
  log::get("state").info("state chatter");
  log::get("state").warn("state trouble: {}", "disk full");
  const std::string text = read(dir.path / "weir.log");
  EXPECT_NE(text.find("D [checkpoint] checkpoint 7 in detail\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("state chatter"), std::string::npos) << text;
  EXPECT_NE(text.find("W [state] state trouble: disk full\n"), std::string::npos) << text;
  // HH:MM:SS.mmm first: what tools cut the time from.
  ASSERT_GE(text.size(), 13u);
  EXPECT_EQ(text[2], ':');
  EXPECT_EQ(text[5], ':');
  EXPECT_EQ(text[8], '.');
  EXPECT_EQ(text[12], ' ');
}

TEST(Log, TheFileIsRotatedAtItsSizeKeepingTheConfiguredNumber) {
  TempDir dir;
  Configuration conf;
  conf.set("log.file", (dir.path / "tm.log").string());
  conf.set("log.file.max-size", "4 kb");
  conf.set("log.file.max-files", "1");
  log::configure(conf);
  for (int i = 0; i < 400; ++i) log::get("taskmanager").info("line {} of the rotation test", i);
  EXPECT_TRUE(stdfs::exists(dir.path / "tm.log"));
  EXPECT_TRUE(stdfs::exists(dir.path / "tm.1.log"));
  EXPECT_FALSE(stdfs::exists(dir.path / "tm.2.log"));
  EXPECT_LE(stdfs::file_size(dir.path / "tm.log"), 4096u);
  EXPECT_NE(read(dir.path / "tm.log").find("line 399 of the rotation test"), std::string::npos);
}

// log.stderr: false (what `weir cluster start` sets): the lines go to the file only. files() names the file
// and its rotated ones.
TEST(Log, WithoutStderrTheLinesGoToTheFileOnly) {
  TempDir dir;
  Configuration conf;
  conf.set("log.file", (dir.path / "jm.log").string());
  conf.set("log.file.max-files", "2");
  conf.set("log.stderr", "false");
  log::configure(conf);
  ::testing::internal::CaptureStderr();
  log::get("jobmanager").info("only in the file");
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.find("only in the file"), std::string::npos) << err;
  EXPECT_NE(read(dir.path / "jm.log").find("I [jobmanager] only in the file"), std::string::npos);
  EXPECT_EQ(log::files(),
            (std::vector<std::string>{(dir.path / "jm.log").string(), (dir.path / "jm.1.log").string(),
                                      (dir.path / "jm.2.log").string()}));
  // Back to stderr: the default.
  Configuration both;
  both.set("log.file", (dir.path / "jm.log").string());
  log::configure(both);
  ::testing::internal::CaptureStderr();
  log::get("jobmanager").info("in both");
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("I [jobmanager] in both"), std::string::npos);
  // Nowhere to log: refused.
  Configuration nowhere;
  nowhere.set("log.stderr", "false");
  try {
    log::configure(nowhere);
    FAIL() << "log.stderr=false without log.file was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("log.stderr is false but log.file is not set"), std::string::npos)
        << e.what();
  }
  log::configure(Configuration{});
  EXPECT_TRUE(log::files().empty());
}

TEST(Log, BadSettingsAreRefusedNamingTheKey) {
  Configuration conf;
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"log.level", "loud"},
                                                        {"log.level.checkpoint", "verbose"},
                                                        {"log.file.max-size", "lots"},
                                                        {"log.file.max-files", "-1"}}) {
    try {
      conf.set(key, value);
      ADD_FAILURE() << key << "=" << value << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
  Configuration tiny;
  tiny.set("log.file", (stdfs::temp_directory_path() / "weir-log-test-tiny.log").string());
  try {
    tiny.set("log.file.max-size", "1 b");  // refused here (the key's least value), or by configure()
    log::configure(tiny);
    FAIL() << "log.file.max-size of 1 byte was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("log.file.max-size"), std::string::npos) << e.what();
  }
  Configuration unwritable;
  unwritable.set("log.file", "/proc/weir-cannot-write-here/x.log");
  try {
    log::configure(unwritable);
    FAIL() << "an unwritable log.file was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("log.file"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("/proc/weir-cannot-write-here/x.log"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace weir
