// Stream composition and partitioning: key_by placement, union, connect, side outputs, every
// partitioner, chaining, and the file, sequence, generator and socket connectors.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/weir.h"

namespace weir {
namespace {
using testing::TempDir;

using Placed = std::pair<int64_t, int64_t>;  // (value, subtask)

class Streams : public ::testing::TestWithParam<int> {};

// ---- key_by: each key goes to exactly one subtask, the one whose key-group range holds it ----

class WhereAmI final : public KeyedProcessFunction<int64_t, int64_t, std::tuple<int64_t, int64_t, int64_t>> {
 public:
  void open(RuntimeContext& ctx) override {
    subtask_ = ctx.get_index_of_this_subtask();
    p_ = ctx.get_number_of_parallel_subtasks();
    max_ = ctx.get_max_number_of_parallel_subtasks();
  }
  void process_element(const int64_t& v, Context& ctx,
                       Collector<std::tuple<int64_t, int64_t, int64_t>>& out) override {
    out.collect({v, subtask_, p_ * 100000 + max_});
  }

 private:
  int64_t subtask_ = 0, p_ = 0, max_ = 0;
};

TEST_P(Streams, KeyByPlacesEveryKeyOnTheSubtaskOwningItsKeyGroup) {
  const int p = GetParam();
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(p);
  env->set_max_parallelism(64);
  auto out = env->from_sequence(0, 19999)
                 .key_by([](const int64_t& v) { return v % 501; })
                 .process(WhereAmI())
                 .collect();
  env->execute("key placement");
  std::map<int64_t, std::set<int64_t>> subtasks_of_key;
  for (const auto& [v, s, pm] : out->values()) {
    EXPECT_EQ(pm, p * 100000 + 64);
    subtasks_of_key[v % 501].insert(s);
  }
  ASSERT_EQ(out->size(), 20000u);
  ASSERT_EQ(subtasks_of_key.size(), 501u);
  std::set<int64_t> used;
  for (const auto& [k, ss] : subtasks_of_key) {
    ASSERT_EQ(ss.size(), 1u) << "key " << k << " reached several subtasks";
    DataOutput bytes;
    Serializer<int64_t>::write(bytes, k);
    KeyGroup kg = key_group_for_key_bytes(bytes.view(), 64);
    EXPECT_TRUE(key_group_range_for_subtask(64, p, static_cast<int32_t>(*ss.begin())).contains(kg))
        << "key " << k;
    used.insert(*ss.begin());
  }
  EXPECT_EQ(used.size(), static_cast<size_t>(p));
}

// ---- union, connect, side outputs ----

TEST_P(Streams, UnionOfThreeStreams) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(GetParam());
  auto a = env->from_sequence(0, 999);
  auto b = env->from_sequence(1000, 1999).map([](const int64_t& v) { return v; });
  auto c = env->from_collection(std::vector<int64_t>{-1, -2, -3});
  auto out = a.union_(b, c).map([](const int64_t& v) { return v * 10; }).collect();
  env->execute("union");
  auto got = out->values();
  std::multiset<int64_t> expected, actual(got.begin(), got.end());
  for (int64_t v = 0; v < 2000; ++v) expected.insert(v * 10);
  for (int64_t v : {-1, -2, -3}) expected.insert(v * 10);
  EXPECT_EQ(actual, expected);
}

struct Describe final : CoMapFunction<int64_t, std::string, std::string> {
  std::string map1(const int64_t& v) override { return "n" + std::to_string(v); }
  std::string map2(const std::string& s) override { return "s" + s; }
};
struct Split final : CoFlatMapFunction<int64_t, std::string, std::string> {
  void flat_map1(const int64_t& v, Collector<std::string>& out) override {
    for (int64_t i = 0; i < v % 3; ++i) out.collect(std::to_string(v));
  }
  void flat_map2(const std::string& s, Collector<std::string>& out) override {
    for (char c : s) out.collect(std::string(1, c));
  }
};
struct Tag final : CoProcessFunction<int64_t, std::string, std::string> {
  void process_element1(const int64_t& v, Context& ctx, Collector<std::string>& out) override {
    out.collect("1:" + std::to_string(v));
  }
  void process_element2(const std::string& s, Context& ctx, Collector<std::string>& out) override {
    out.collect("2:" + s);
  }
};

TEST_P(Streams, ConnectWithCoMapCoFlatMapCoProcess) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(GetParam());
  std::vector<std::string> words{"ab", "cde", "", "f"};
  auto nums = env->from_sequence(0, 299);
  auto strs = env->from_collection(words);
  auto mapped = nums.connect(strs).map(Describe()).collect();
  auto flat = nums.connect(strs).flat_map(Split()).collect();
  auto tagged = nums.connect(strs).process(Tag()).collect();
  env->execute("connect");
  std::multiset<std::string> em, ef, et;
  for (int64_t v = 0; v < 300; ++v) {
    em.insert("n" + std::to_string(v));
    for (int64_t i = 0; i < v % 3; ++i) ef.insert(std::to_string(v));
    et.insert("1:" + std::to_string(v));
  }
  for (const auto& w : words) {
    em.insert("s" + w);
    for (char c : w) ef.insert(std::string(1, c));
    et.insert("2:" + w);
  }
  auto ms = [](const auto& r) {
    auto v = r->values();
    return std::multiset<std::string>(v.begin(), v.end());
  };
  EXPECT_EQ(ms(mapped), em);
  EXPECT_EQ(ms(flat), ef);
  EXPECT_EQ(ms(tagged), et);
}

const OutputTag<std::string> kOdd("odd");
const OutputTag<int64_t> kBig("big");

struct Router final : ProcessFunction<int64_t, int64_t> {
  void process_element(const int64_t& v, Context& ctx, Collector<int64_t>& out) override {
    if (v % 2)
      ctx.output(kOdd, "odd " + std::to_string(v));
    else
      out.collect(v);
    if (v >= 900) ctx.output(kBig, v);
  }
};

TEST_P(Streams, SideOutputs) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(GetParam());
  auto main = env->from_sequence(0, 999).process(Router());
  auto evens = main.collect();
  auto odds = main.get_side_output(kOdd).collect();
  auto big = main.get_side_output(kBig).rebalance().map([](const int64_t& v) { return -v; }).collect();
  env->execute("side outputs");
  std::multiset<int64_t> e_even, e_big;
  std::multiset<std::string> e_odd;
  for (int64_t v = 0; v < 1000; ++v) {
    if (v % 2)
      e_odd.insert("odd " + std::to_string(v));
    else
      e_even.insert(v);
    if (v >= 900) e_big.insert(-v);
  }
  auto ev = evens->values();
  auto ov = odds->values();
  auto bv = big->values();
  EXPECT_EQ(std::multiset<int64_t>(ev.begin(), ev.end()), e_even);
  EXPECT_EQ(std::multiset<std::string>(ov.begin(), ov.end()), e_odd);
  EXPECT_EQ(std::multiset<int64_t>(bv.begin(), bv.end()), e_big);
}

// ---- partitioners ----

// Tags each record with the subtask that received it.
struct Stamp final : MapFunction<int64_t, Placed> {
  void open(RuntimeContext& ctx) override { subtask = ctx.get_index_of_this_subtask(); }
  Placed map(const int64_t& v) override { return {v, subtask}; }
  int64_t subtask = 0;
};
// Tags each record with the subtask of the producer.
struct Source final : MapFunction<int64_t, Placed> {
  void open(RuntimeContext& ctx) override { subtask = ctx.get_index_of_this_subtask(); }
  Placed map(const int64_t& v) override { return {v, subtask}; }
  int64_t subtask = 0;
};
using Route = std::tuple<int64_t, int64_t, int64_t>;  // (value, producer subtask, consumer subtask)
struct StampRoute final : MapFunction<Placed, Route> {
  void open(RuntimeContext& ctx) override { subtask = ctx.get_index_of_this_subtask(); }
  Route map(const Placed& v) override { return {v.first, v.second, subtask}; }
  int64_t subtask = 0;
};

struct PartitionRun {
  std::vector<Route> routes;
  std::map<int64_t, int64_t> per_consumer;  // consumer subtask -> records
};

template <typename Part>
PartitionRun run_partitioned(int up, int down, Part part, int64_t n = 4000) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(up);
  auto produced = env->from_sequence(0, n - 1).map(Source()).set_parallelism(up);
  auto out = part(produced).map(StampRoute()).set_parallelism(down).collect();
  env->execute("partitioning");
  PartitionRun r;
  r.routes = out->values();
  for (const auto& [v, s, c] : r.routes) r.per_consumer[c]++;
  return r;
}

std::multiset<int64_t> values_of(const std::vector<Route>& rs) {
  std::multiset<int64_t> m;
  for (const auto& r : rs) m.insert(std::get<0>(r));
  return m;
}
std::multiset<int64_t> range(int64_t n, int copies = 1) {
  std::multiset<int64_t> m;
  for (int64_t i = 0; i < n; ++i)
    for (int c = 0; c < copies; ++c) m.insert(i);
  return m;
}

TEST_P(Streams, ForwardKeepsRecordsOnTheSameSubtask) {
  const int p = GetParam();
  auto r = run_partitioned(p, p, [](DataStream<Placed> s) { return s.forward(); });
  EXPECT_EQ(values_of(r.routes), range(4000));
  for (const auto& [v, s, c] : r.routes) EXPECT_EQ(s, c);
}

TEST_P(Streams, RebalanceSpreadsRoundRobin) {
  const int p = GetParam();
  auto r = run_partitioned(p, 3, [](DataStream<Placed> s) { return s.rebalance(); });
  EXPECT_EQ(values_of(r.routes), range(4000));
  // Round robin per producer: each producer's records differ by at most one between consumers.
  std::map<std::pair<int64_t, int64_t>, int64_t> counts;
  std::map<int64_t, int64_t> per_producer;
  for (const auto& [v, s, c] : r.routes) counts[std::make_pair(s, int64_t{c})]++, per_producer[s]++;
  for (const auto& [s, total] : per_producer)
    for (int c = 0; c < 3; ++c) {
      EXPECT_GE(counts[std::make_pair(s, int64_t{c})], total / 3) << "producer " << s << " consumer " << c;
      EXPECT_LE(counts[std::make_pair(s, int64_t{c})], total / 3 + 1)
          << "producer " << s << " consumer " << c;
    }
}

TEST_P(Streams, RescaleReachesEveryConsumer) {
  const int p = GetParam();
  auto r = run_partitioned(p, 2, [](DataStream<Placed> s) { return s.rescale(); });
  EXPECT_EQ(values_of(r.routes), range(4000));
  EXPECT_EQ(r.per_consumer.size(), 2u);
}

TEST_P(Streams, ShuffleReachesEveryConsumerOnce) {
  const int p = GetParam();
  auto r = run_partitioned(p, 4, [](DataStream<Placed> s) { return s.shuffle(); });
  EXPECT_EQ(values_of(r.routes), range(4000));
  EXPECT_EQ(r.per_consumer.size(), 4u);  // 4000 random choices leave no consumer empty
}

TEST_P(Streams, BroadcastCopiesToEveryConsumer) {
  const int p = GetParam();
  auto r = run_partitioned(p, 3, [](DataStream<Placed> s) { return s.broadcast(); });
  EXPECT_EQ(values_of(r.routes), range(4000, 3));
  for (int c = 0; c < 3; ++c) EXPECT_EQ(r.per_consumer[c], 4000);
}

TEST_P(Streams, GlobalSendsEverythingToSubtaskZero) {
  const int p = GetParam();
  auto r = run_partitioned(p, 4, [](DataStream<Placed> s) { return s.global(); });
  EXPECT_EQ(values_of(r.routes), range(4000));
  EXPECT_EQ(r.per_consumer.size(), 1u);
  EXPECT_EQ(r.per_consumer[0], 4000);
}

// ---- chaining ----

TEST(Chaining, ForwardEqualParallelismChainsAndSplitsWhereAsked) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(2);
  env->from_sequence(0, 9)
      .map([](const int64_t& v) { return v; }, "A")
      .filter([](const int64_t&) { return true; }, "B")
      .map([](const int64_t& v) { return v; }, "C")
      .start_new_chain()
      .map([](const int64_t& v) { return v; }, "D")
      .disable_chaining()
      .map([](const int64_t& v) { return v; }, "E")
      .rebalance()
      .map([](const int64_t& v) { return v; }, "F")
      .set_parallelism(3)
      .map([](const int64_t& v) { return v; }, "G")
      .set_parallelism(3)
      .collect();  // the sink has parallelism 2: no chain across the change
  auto jg = env->get_job_graph();
  std::vector<std::string> names;
  for (const auto& v : jg->vertices) names.push_back(v.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"Sequence Source -> A -> B", "C", "D", "E", "F -> G", "Collect Sink"}))
      << jg->describe();
  EXPECT_NE(jg->describe().find("REBALANCE"), std::string::npos);
}

TEST(Chaining, CanBeDisabledForTheJob) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->configure("pipeline.operator-chaining.enabled", "false");
  env->from_sequence(0, 9).map([](const int64_t& v) { return v; }, "A").collect();
  auto jg = env->get_job_graph();
  EXPECT_EQ(jg->vertices.size(), 3u) << jg->describe();
  auto out = env->from_sequence(0, 99).map([](const int64_t& v) { return v; }).collect();
  env->execute();
  EXPECT_EQ(out->size(), 100u);
}

// ---- connectors ----

TEST_P(Streams, TextFileRoundTrip) {
  const int p = GetParam();
  TempDir dir;
  std::vector<std::string> lines;
  {
    std::ofstream f(dir.path / "in.txt");
    for (int i = 0; i < 3000; ++i) {
      lines.push_back("line " + std::to_string(i) + (i % 7 == 0 ? "" : " with words"));
      f << lines.back() << (i % 10 == 0 ? "\r\n" : "\n");
    }
  }
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(p);
  env->read_text_file((dir.path / "in.txt").string())
      .map([](const std::string& s) { return "<" + s + ">"; })
      .write_as_text((dir.path / "out").string());
  env->execute("files");
  std::multiset<std::string> expected, actual;
  for (const auto& l : lines) expected.insert("<" + l + ">");
  int parts = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path / "out")) {
    std::string name = e.path().filename().string();
    ASSERT_EQ(name.rfind("part-", 0), 0u) << "unexpected file " << name;
    ++parts;
    std::ifstream f(e.path());
    for (std::string l; std::getline(f, l);) actual.insert(l);
  }
  EXPECT_EQ(parts, p);
  EXPECT_EQ(actual, expected);
}

TEST(Sources, SequenceAndGeneratorAtParallelismFourEmitEachElementOnce) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(4);
  auto seq = env->from_sequence(-50, 10049).collect();
  auto gen =
      env->from_generator<std::string>([](int64_t i) { return "g" + std::to_string(i * i); }, 7777).collect();
  env->execute("sources");
  auto sv = seq->values();
  std::sort(sv.begin(), sv.end());
  std::vector<int64_t> want_seq;
  for (int64_t i = -50; i <= 10049; ++i) want_seq.push_back(i);
  EXPECT_EQ(sv, want_seq);
  auto gv = gen->values();
  std::multiset<std::string> want_gen, got_gen(gv.begin(), gv.end());
  for (int64_t i = 0; i < 7777; ++i) want_gen.insert("g" + std::to_string(i * i));
  EXPECT_EQ(got_gen, want_gen);
  EXPECT_THROW(env->from_sequence(5, 4), JobDefinitionError);
}

TEST(Sources, SocketTextStreamReadsLinesFromALoopbackServer) {
  int server = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(server, 0);
  int one = 1;
  ::setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // any free port
  ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(server, 1), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);

  std::vector<std::string> lines;
  std::string payload;
  for (int i = 0; i < 5000; ++i) {
    lines.push_back("hello " + std::to_string(i));
    payload += lines.back() + (i % 3 == 0 ? "\r\n" : "\n");
  }
  payload += "no newline at the end";
  lines.push_back("no newline at the end");
  std::thread server_thread([&] {
    int c = ::accept(server, nullptr, nullptr);
    if (c < 0) return;
    // Small writes, so lines span reads.
    for (size_t off = 0; off < payload.size(); off += 777) {
      size_t n = std::min<size_t>(777, payload.size() - off);
      if (::send(c, payload.data() + off, n, MSG_NOSIGNAL) < 0) break;
    }
    ::close(c);
  });

  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(4);
  auto out = env->socket_text_stream("127.0.0.1", port)
                 .rebalance()
                 .map([](const std::string& s) { return s; })
                 .collect();
  env->execute("socket");
  server_thread.join();
  ::close(server);
  auto got = out->values();
  std::multiset<std::string> a(got.begin(), got.end()), e(lines.begin(), lines.end());
  EXPECT_EQ(a, e);
}

INSTANTIATE_TEST_SUITE_P(Parallelism, Streams, ::testing::Values(1, 4));

}  // namespace
}  // namespace weir
