// The C++ API as a Flink user writes it (issue 12 item 6): flat_map with a lambda that names its output type
// only in its Collector, builder calls on temporaries that leave no reference to a temporary behind, and a
// stream whose environment is gone refusing to be used instead of reaching freed memory.
#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/connectors/kafka/kafka_sink.h"
#include "weir/connectors/kafka/kafka_source.h"
#include "weir/weir.h"

namespace weir::testing {
namespace {

// Setters on a variable return a reference to it; on a temporary, a value: `auto& s = x.map(f).name("m")`
// does not compile, and `auto s = ...` holds its own stream.
static_assert(std::is_same_v<decltype(std::declval<DataStream<int>&>().name("m")), DataStream<int>&>);
static_assert(std::is_same_v<decltype(std::declval<DataStream<int>>().name("m")), DataStream<int>>);
static_assert(std::is_same_v<decltype(std::declval<DataStream<int>>().set_parallelism(2)), DataStream<int>>);
static_assert(std::is_same_v<decltype(std::declval<DataStream<int>>().uid("u")), DataStream<int>>);
static_assert(std::is_same_v<decltype(std::declval<DataStream<int>>().disable_chaining()), DataStream<int>>);
static_assert(std::is_same_v<decltype(std::declval<DataStreamSink&>().name("s")), DataStreamSink&>);
static_assert(std::is_same_v<decltype(std::declval<DataStreamSink>().name("s")), DataStreamSink>);
static_assert(std::is_same_v<decltype(std::declval<DataStreamSink>().set_parallelism(1)), DataStreamSink>);
static_assert(std::is_same_v<decltype(kafka::KafkaSink<std::string>::builder().set_topic("t")),
                             kafka::KafkaSinkBuilder<std::string>>);
static_assert(std::is_same_v<decltype(std::declval<kafka::KafkaSinkBuilder<std::string>&>().set_topic("t")),
                             kafka::KafkaSinkBuilder<std::string>&>);
static_assert(std::is_same_v<decltype(kafka::KafkaSource<std::string>::builder().set_group_id("g")),
                             kafka::KafkaSourceBuilder<std::string>>);

void split_words(const std::string& line, Collector<std::string>& out) {
  size_t start = 0;
  while (start < line.size()) {
    size_t end = line.find(' ', start);
    if (end == std::string::npos) end = line.size();
    if (end > start) out.collect(line.substr(start, end - start));
    start = end + 1;
  }
}

TEST(DataStreamApi, FlatMapReadsItsOutputTypeFromTheCollectorOfALambdaOrAFunction) {
  auto env = environment();
  env->set_parallelism(1);
  const std::vector<std::string> lines = {"to be or", "not to be", ""};
  auto lengths = env->from_collection(lines).flat_map([](const std::string& line, Collector<size_t>& out) {
    for (char c : line)
      if (c != ' ') out.collect(1);
    out.collect(line.size());
  });
  static_assert(std::is_same_v<decltype(lengths), DataStream<size_t>>);
  auto words = env->from_collection(lines).flat_map(&split_words);
  static_assert(std::is_same_v<decltype(words), DataStream<std::string>>);
  auto counted = lengths.collect();
  auto split = words.collect();
  env->execute("flat maps");

  std::vector<size_t> want_lengths;  // every non-space character as a 1, then the line's length
  for (const auto& l : lines) {
    want_lengths.insert(
        want_lengths.end(),
        static_cast<size_t>(std::count_if(l.begin(), l.end(), [](char c) { return c != ' '; })), 1);
    want_lengths.push_back(l.size());
  }
  EXPECT_EQ(counted->values(), want_lengths);
  EXPECT_EQ(split->values(), (std::vector<std::string>{"to", "be", "or", "not", "to", "be"}));
}

// get_execution_environment() returns the environment's only owner: a stream defined on the temporary
// outlives it. Using that stream is a JobDefinitionError that says what to do, not a read of freed memory
// (which ASan would report).
TEST(DataStreamApi, AStreamWhoseEnvironmentIsGoneRefusesToBeUsedNamingTheProblem) {
  DataStream<int64_t> orphan = StreamExecutionEnvironment::get_execution_environment()->from_sequence(1, 5);
  try {
    orphan.map([](const int64_t& x) { return x + 1; });
    FAIL() << "a stream of a destroyed environment was used";
  } catch (const JobDefinitionError& e) {
    EXPECT_NE(std::string(e.what()).find("this stream's StreamExecutionEnvironment was destroyed"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("keep the environment"), std::string::npos) << e.what();
  }
  EXPECT_THROW(orphan.set_parallelism(2), JobDefinitionError);
  EXPECT_THROW(orphan.get_execution_environment(), JobDefinitionError);

  // While the environment lives, a stream and a sink defined on temporaries are whole values.
  auto env = environment();
  auto named = env->from_sequence(1, 3).map([](const int64_t& x) { return x * 2; }).name("double");
  auto sink = named.add_sink([](const int64_t&) {}).name("drop").set_parallelism(1);
  EXPECT_EQ(env->stream_graph().node(named.upstreams().front().node).name, "double");
  static_cast<void>(sink);
}

}  // namespace
}  // namespace weir::testing
