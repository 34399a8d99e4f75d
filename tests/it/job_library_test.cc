// C++ job libraries (cluster/artifacts/JobLibrary, api/job_plan.h): a library planned by the loader and run
// on the MiniCluster gives exactly what the same job built directly gives; the loader's and the planner's
// errors name the library and the problem. The libraries are built by CMake (weir_add_job_library); their
// paths come in as compile definitions.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/api/job_entry_point.h"
#include "weir/cluster/artifacts/job_library.h"
#include "weir/cluster/blob/blob_cache.h"
#include "weir/cluster/blob/blob_client.h"
#include "weir/cluster/blob/blob_server.h"
#include "weir/cluster/blob/blob_service.h"
#include "weir/cluster/minicluster/mini_cluster.h"
#include "weir/nexmark/queries.h"
#include "weir/weir.h"

namespace weir {
namespace {

using cluster::JobLibrary;
using cluster::JobLibraryError;
using testing::published_lines;
using testing::TempDir;

constexpr int64_t kEvents = 20000;

//! Runs a planned graph on a MiniCluster with enough slots.
void run_on_minicluster(std::shared_ptr<const graph::JobGraph> jg) {
  cluster::MiniClusterConfig mc;
  mc.slots_per_task_manager = jg->max_vertex_parallelism();
  cluster::MiniCluster cluster(mc);
  cluster.submit(std::move(jg)).wait();
}

//! The same query built directly (no library), with its rows as JSON lines in `dir`.
std::multiset<std::string> direct_query_lines(const std::string& query, int parallelism,
                                              const std::filesystem::path& dir) {
  Configuration conf;
  conf.set("parallelism.default", std::to_string(parallelism));
  auto env = StreamExecutionEnvironment::get_execution_environment(conf);
  nexmark::QueryOptions o;
  o.generator.events = kEvents;
  o.generator.rate = 1000;
  o.sink = nexmark::SinkSpec::directory(dir.string());
  nexmark::build_query(query, *env, o);
  env->execute("nexmark-" + query);
  return published_lines(dir);
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

class NexmarkLibraryTest : public ::testing::TestWithParam<std::string> {};

TEST_P(NexmarkLibraryTest, PlannedLibraryGivesTheOutputOfTheQueryBuiltDirectly) {
  const std::string query = GetParam();
  TempDir via_library, direct;
  std::shared_ptr<const graph::JobGraph> graph;
  {
    // The library is released here; the graph alone keeps it loaded while the job runs.
    JobLibrary lib = JobLibrary::load(WEIR_NEXMARK_JOB_LIBRARY);
    graph = lib.plan({"--query", query, "--events", std::to_string(kEvents), "--rate", "1000", "--sink",
                      "file:" + via_library.path.string()},
                     [] {
                       Configuration c;
                       c.set("parallelism.default", "2");
                       return c;
                     }());
  }
  EXPECT_EQ(graph->name, "nexmark-" + query);
  for (const auto& v : graph->vertices) EXPECT_EQ(v.parallelism, 2) << v.name;
  run_on_minicluster(graph);
  auto expected = direct_query_lines(query, 2, direct.path);
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(published_lines(via_library.path), expected);
}

INSTANTIATE_TEST_SUITE_P(Queries, NexmarkLibraryTest, ::testing::Values("q0", "q5", "q8"));

// The way a library reaches a TaskManager: uploaded to the JobManager's blob store over gRPC, downloaded
// into the TaskManager's blob cache, loaded and planned from there.
TEST(JobLibraryTest, LibraryUploadedAndDownloadedThroughTheBlobStoreRunsTheSameJob) {
  TempDir dir, via_blobs, direct;
  cluster::blob::BlobServer store(dir.path / "store");
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  auto service = cluster::blob::register_blob_service(builder, store);
  auto server = builder.BuildAndStart();
  ASSERT_TRUE(server && port > 0);
  const std::string address = "127.0.0.1:" + std::to_string(port);

  auto key = cluster::blob::BlobClient(address).put_file(WEIR_NEXMARK_JOB_LIBRARY);
  cluster::blob::BlobCache cache(address, dir.path / "cache");
  auto local = cache.get(key);
  EXPECT_NE(local, std::filesystem::path(WEIR_NEXMARK_JOB_LIBRARY));
  auto graph = JobLibrary::load(local).plan({"--query", "q5", "--events", std::to_string(kEvents), "--rate",
                                             "1000", "--sink", "file:" + via_blobs.path.string()},
                                            [] {
                                              Configuration c;
                                              c.set("parallelism.default", "2");
                                              return c;
                                            }());
  run_on_minicluster(graph);
  EXPECT_EQ(published_lines(via_blobs.path), direct_query_lines("q5", 2, direct.path));
  server->Shutdown();
}

TEST(JobLibraryTest, SameArgumentsAndConfigurationGiveTheSameGraph) {
  JobLibrary lib = JobLibrary::load(WEIR_NEXMARK_JOB_LIBRARY);
  Configuration conf;
  conf.set("parallelism.default", "3");
  std::vector<std::string> args = {"--query", "q5", "--events", "1000", "-D", "pipeline.max-parallelism=64"};
  auto a = lib.plan(args, conf);
  auto b = JobLibrary::load(WEIR_NEXMARK_JOB_LIBRARY).plan(args, conf);
  EXPECT_EQ(a->describe(), b->describe());
  ASSERT_FALSE(a->vertices.empty());
  for (const auto& v : a->vertices) {
    EXPECT_EQ(v.parallelism, 3) << v.name;       // from the plan's configuration (-p of `weir run`)
    EXPECT_EQ(v.max_parallelism, 64) << v.name;  // from the job's own -D
  }
}

// A key registered only in this test binary: the library accepts it only if it uses the process's
// configuration registry, i.e. if there is one copy of Weir in the process.
const ConfigOption<std::string> kOnlyInThisBinary{
    {"test.job-library.only-in-this-binary", ConfigType::kString, "", "a key the job library cannot know"}};

TEST(JobLibraryTest, LibrarySharesTheProcesssCopyOfWeir) {
  auto graph = JobLibrary::load(WEIR_NEXMARK_JOB_LIBRARY)
                   .plan({"--query", "q0", "--events", "10", "-D", kOnlyInThisBinary.key() + "=seen"}, {});
  EXPECT_EQ(graph->config.raw(kOnlyInThisBinary.key()), "seen");
}

TEST(JobLibraryTest, WordCountExampleCountsEveryWord) {
  TempDir dir;
  auto input = dir.path / "input.txt";
  std::ofstream(input) << "the cat and the hat\nThe end, the END.\n";
  auto output = dir.path / "out";
  auto graph = JobLibrary::load(WEIR_WORD_COUNT_JOB_LIBRARY)
                   .plan({"--input", input.string(), "--output", output.string()}, {});
  EXPECT_EQ(graph->name, "word-count");
  run_on_minicluster(graph);
  // A running count per word: the highest count of each word is its total.
  std::map<std::string, int> totals;
  for (const auto& line : published_lines(output)) {
    auto comma = line.rfind(',');
    ASSERT_NE(comma, std::string::npos) << line;
    std::string word = line.substr(1, comma - 1);
    int n = std::stoi(line.substr(comma + 1));
    totals[word] = std::max(totals[word], n);
  }
  std::map<std::string, int> expected = {{"the", 4}, {"cat", 1}, {"and", 1}, {"hat", 1}, {"end", 2}};
  EXPECT_EQ(totals, expected);
}

TEST(JobLibraryTest, MissingFileIsAClearError) {
  auto e = error_of([] { JobLibrary::load("/nonexistent/libjob.so"); });
  EXPECT_NE(e.find("/nonexistent/libjob.so"), std::string::npos) << e;
  EXPECT_NE(e.find("no such file"), std::string::npos) << e;
}

TEST(JobLibraryTest, FileThatIsNotASharedLibraryIsAClearError) {
  TempDir dir;
  auto path = dir.path / "libnot-a-library.so";
  std::ofstream(path) << "this is text, not ELF\n";
  auto e = error_of([&] { JobLibrary::load(path); });
  EXPECT_NE(e.find(path.string()), std::string::npos) << e;
  EXPECT_NE(e.find("not a shared library"), std::string::npos) << e;
}

TEST(JobLibraryTest, LibraryWithoutEntryPointIsAClearError) {
  auto e = error_of([] { JobLibrary::load(WEIR_NO_ENTRY_POINT_LIBRARY); });
  EXPECT_NE(e.find(WEIR_NO_ENTRY_POINT_LIBRARY), std::string::npos) << e;
  EXPECT_NE(e.find("no Weir job entry point"), std::string::npos) << e;
  EXPECT_NE(e.find("WEIR_JOB_MAIN"), std::string::npos) << e;
}

TEST(JobLibraryTest, LibraryOfAnotherEntryPointVersionIsAClearError) {
  auto e = error_of([] { JobLibrary::load(WEIR_OTHER_VERSION_LIBRARY); });
  EXPECT_NE(e.find(WEIR_OTHER_VERSION_LIBRARY), std::string::npos) << e;
  EXPECT_NE(e.find("entry-point version 999"), std::string::npos) << e;
  EXPECT_NE(e.find("loads version 1"), std::string::npos) << e;
}

TEST(JobLibraryTest, LibraryBuiltAgainstAnotherWeirBuildIsRefusedNamingBothBuilds) {
  auto e = error_of([] { JobLibrary::load(WEIR_OTHER_BUILD_LIBRARY); });
  EXPECT_NE(e.find(WEIR_OTHER_BUILD_LIBRARY), std::string::npos) << e;
  EXPECT_NE(e.find("built against Weir build 0123456789abcdef0123"), std::string::npos) << e;
  EXPECT_NE(e.find(std::string("this Weir is build ") + kBuildId), std::string::npos) << e;
  EXPECT_NE(e.find("rebuild the library"), std::string::npos) << e;
}

TEST(JobLibraryTest, LibrariesBuiltHereCarryThisBuildsId) {
  // The fixture libraries of this tree load (their id is this Weir's), and the id is a real hash.
  EXPECT_NO_THROW(JobLibrary::load(WEIR_TEST_JOB_LIBRARY));
  EXPECT_EQ(std::string_view(kBuildId).size(), 20u);
  EXPECT_EQ(std::string_view(kBuildId).find_first_not_of("0123456789abcdef"), std::string_view::npos);
}

TEST(JobLibraryTest, MainThatNeverCallsExecuteIsAClearError) {
  auto lib = JobLibrary::load(WEIR_TEST_JOB_LIBRARY);
  auto e = error_of([&] { lib.plan({"no-execute"}, {}); });
  EXPECT_NE(e.find(WEIR_TEST_JOB_LIBRARY), std::string::npos) << e;
  EXPECT_NE(e.find("returned 3 without calling execute()"), std::string::npos) << e;
}

TEST(JobLibraryTest, MainThatCallsExecuteTwiceIsAClearError) {
  auto lib = JobLibrary::load(WEIR_TEST_JOB_LIBRARY);
  auto e = error_of([&] { lib.plan({"twice"}, {}); });
  EXPECT_NE(e.find(WEIR_TEST_JOB_LIBRARY), std::string::npos) << e;
  EXPECT_NE(e.find("called execute() 2 times"), std::string::npos) << e;
}

TEST(JobLibraryTest, MainThatThrowsIsAClearError) {
  auto lib = JobLibrary::load(WEIR_TEST_JOB_LIBRARY);
  auto e = error_of([&] { lib.plan({"throw"}, {}); });
  EXPECT_NE(e.find(WEIR_TEST_JOB_LIBRARY), std::string::npos) << e;
  EXPECT_NE(e.find("the test job refuses to start"), std::string::npos) << e;
}

TEST(JobLibraryTest, MainThatPlansAnotherJobIsAClearErrorNotADeadlock) {
  auto lib = JobLibrary::load(WEIR_TEST_JOB_LIBRARY);
  auto e = error_of([&] { lib.plan({"nested"}, {}); });
  EXPECT_NE(e.find(WEIR_TEST_JOB_LIBRARY), std::string::npos) << e;
  EXPECT_NE(e.find("cannot plan another job"), std::string::npos) << e;
}

TEST(JobLibraryTest, BadArgumentsOfTheNexmarkJobNameTheLibraryAndTheFlag) {
  auto lib = JobLibrary::load(WEIR_NEXMARK_JOB_LIBRARY);
  auto e = error_of([&] {
    lib.plan({"--query", "q5", "--events", "10", "--checkpoint-interval", "1s"}, {});
  });
  EXPECT_NE(e.find(WEIR_NEXMARK_JOB_LIBRARY), std::string::npos) << e;
  EXPECT_NE(e.find("--checkpoint-dir"), std::string::npos) << e;
  e = error_of([&] { lib.plan({"--query", "q99", "--events", "10"}, {}); });
  EXPECT_NE(e.find("q99"), std::string::npos) << e;
}

TEST(JobLibraryTest, AfterAFailedPlanTheNextPlanWorks) {
  auto lib = JobLibrary::load(WEIR_TEST_JOB_LIBRARY);
  EXPECT_THROW(lib.plan({"throw"}, {}), JobDefinitionError);
  auto g = lib.plan({"ok"}, {});
  EXPECT_EQ(g->name, "test-job");
  // Outside a plan, execute() runs jobs again (the plan context ended with the plan).
  auto env = StreamExecutionEnvironment::get_execution_environment();
  auto out = env->from_sequence(1, 3).collect();
  env->execute();
  EXPECT_EQ(out->size(), 3u);
}

}  // namespace
}  // namespace weir
