// State in running jobs: keyed state of every type, TTL on the job's clock, operator list state,
// and broadcast state.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/weir.h"

namespace weir {
namespace {

using testing::eventually;
using testing::Feed;
using testing::from_feed;
using KV = std::pair<int64_t, int64_t>;
// key, previous value (-1: none), list size, distinct map keys, sum, average
using Snapshot = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, double>;

struct Avg final : AggregateFunction<int64_t, std::pair<int64_t, int64_t>, double> {
  std::pair<int64_t, int64_t> create_accumulator() override { return {0, 0}; }
  std::pair<int64_t, int64_t> add(const int64_t& v, std::pair<int64_t, int64_t> a) override {
    return {a.first + v, a.second + 1};
  }
  double get_result(const std::pair<int64_t, int64_t>& a) override {
    return static_cast<double>(a.first) / static_cast<double>(a.second);
  }
  std::pair<int64_t, int64_t> merge(std::pair<int64_t, int64_t> a, std::pair<int64_t, int64_t> b) override {
    return {a.first + b.first, a.second + b.second};
  }
};

class EveryState final : public KeyedProcessFunction<int64_t, KV, Snapshot> {
 public:
  void open(RuntimeContext& ctx) override {
    value_ = &ctx.get_state(ValueStateDescriptor<int64_t>("last"));
    list_ = &ctx.get_list_state(ListStateDescriptor<int64_t>("all"));
    map_ = &ctx.get_map_state(MapStateDescriptor<int64_t, int64_t>("by-residue"));
    sum_ = &ctx.get_reducing_state(
        ReducingStateDescriptor<int64_t>("sum", [](const int64_t& a, const int64_t& b) { return a + b; }));
    avg_ =
        &ctx.get_aggregating_state(AggregatingStateDescriptor<int64_t, std::pair<int64_t, int64_t>, double>(
            "avg", std::make_shared<Avg>()));
  }
  void process_element(const KV& kv, Context& ctx, Collector<Snapshot>& out) override {
    int64_t prev = value_->value().value_or(-1);
    value_->update(kv.second);
    list_->add(kv.second);
    map_->put(kv.second % 3, kv.second);
    sum_->add(kv.second);
    avg_->add(kv.second);
    out.collect({ctx.get_current_key(), prev, static_cast<int64_t>(list_->get().size()),
                 static_cast<int64_t>(map_->keys().size()), *sum_->get(), *avg_->get()});
  }

 private:
  ValueState<int64_t>* value_ = nullptr;
  ListState<int64_t>* list_ = nullptr;
  MapState<int64_t, int64_t>* map_ = nullptr;
  ReducingState<int64_t>* sum_ = nullptr;
  AggregatingState<int64_t, double>* avg_ = nullptr;
};

class KeyedState : public testing::BackendFixture {};

TEST_P(KeyedState, EveryStateTypeIsPerKey) {
  auto env = testing::environment();
  env->set_parallelism(parallelism());
  std::vector<KV> input;
  for (int64_t i = 0; i < 5000; ++i) input.push_back({(i * 31) % 97, i});
  auto out = env->from_collection(input)
                 .key_by([](const KV& kv) { return kv.first; })
                 .process(EveryState())
                 .collect();
  env->execute("keyed state");

  // Reference: records of one key keep their order, so each key's snapshots follow the input.
  std::map<int64_t, std::vector<Snapshot>> expected, actual;
  std::map<int64_t, std::vector<int64_t>> seen;
  for (const auto& [k, v] : input) {
    auto& vs = seen[k];
    int64_t prev = vs.empty() ? -1 : vs.back();
    vs.push_back(v);
    std::set<int64_t> residues;
    int64_t sum = 0;
    for (auto x : vs) {
      residues.insert(x % 3);
      sum += x;
    }
    expected[k].push_back({k, prev, static_cast<int64_t>(vs.size()), static_cast<int64_t>(residues.size()),
                           sum, static_cast<double>(sum) / static_cast<double>(vs.size())});
  }
  for (const auto& s : out->values()) actual[std::get<0>(s)].push_back(s);
  EXPECT_EQ(actual, expected);
}

// ---- TTL on the job's clock ----

// Commands: ("set", key, value) stores; ("get", key, _) emits "key=value" or "key=none".
using Cmd = std::tuple<std::string, int64_t, int64_t>;

class TtlFunction final : public KeyedProcessFunction<int64_t, Cmd, std::string> {
 public:
  explicit TtlFunction(StateTtlConfig ttl) : ttl_(ttl) {}
  void open(RuntimeContext& ctx) override {
    ValueStateDescriptor<int64_t> vd("v");
    vd.enable_time_to_live(ttl_);
    MapStateDescriptor<int64_t, int64_t> md("m");
    md.enable_time_to_live(ttl_);
    value_ = &ctx.get_state(vd);
    map_ = &ctx.get_map_state(md);
  }
  void process_element(const Cmd& c, Context& ctx, Collector<std::string>& out) override {
    const auto& [op, key, v] = c;
    std::string k = std::to_string(key);
    if (op == "set") {
      value_->update(v);
      map_->put(0, v);
      out.collect("ack " + k);
    } else {
      auto a = value_->value();
      auto b = map_->get(0);
      out.collect(k + "=" + (a ? std::to_string(*a) : "none") + "/" + (b ? std::to_string(*b) : "none"));
    }
  }

 private:
  StateTtlConfig ttl_;
  ValueState<int64_t>* value_ = nullptr;
  MapState<int64_t, int64_t>* map_ = nullptr;
};

struct TtlJob {
  explicit TtlJob(int p, StateTtlConfig ttl) {
    env->set_parallelism(p);
    env->set_clock(clock);
    out = from_feed(*env, feed)
              .key_by([](const Cmd& c) { return std::get<1>(c); })
              .process(TtlFunction(ttl))
              .collect();
    client.emplace(env->execute_async("ttl"));
  }
  ~TtlJob() {
    feed->close();
    if (client) client->get_job_execution_result();
  }
  //! Sends commands and waits until `n` more results arrived; returns those results, sorted.
  std::vector<std::string> send(const std::vector<Cmd>& cmds) {
    size_t before = out->size();
    for (const auto& c : cmds) feed->push(c);
    EXPECT_TRUE(eventually([&] { return out->size() >= before + cmds.size(); }));
    auto all = out->values();
    std::vector<std::string> got(all.begin() + static_cast<long>(before), all.end());
    std::sort(got.begin(), got.end());
    return got;
  }
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(1'000'000);
  std::shared_ptr<Feed<Cmd>> feed = std::make_shared<Feed<Cmd>>();
  std::unique_ptr<StreamExecutionEnvironment> env = testing::environment();
  std::shared_ptr<CollectedResults<std::string>> out;
  std::optional<JobClient> client;
};

TEST_P(KeyedState, TtlExpiresOnTheJobClock) {
  TtlJob job(parallelism(), StateTtlConfig::of_ms(100));
  EXPECT_EQ(job.send({{"set", 1, 10}, {"set", 2, 20}}), (std::vector<std::string>{"ack 1", "ack 2"}));
  job.clock->advance(60);
  EXPECT_EQ(job.send({{"set", 2, 21}, {"get", 1, 0}}), (std::vector<std::string>{"1=10/10", "ack 2"}));
  job.clock->advance(40);  // key 1 written 100 ms ago (reads do not refresh); key 2 40 ms ago
  EXPECT_EQ(job.send({{"get", 1, 0}, {"get", 2, 0}}), (std::vector<std::string>{"1=none/none", "2=21/21"}));
  job.clock->advance(60);
  EXPECT_EQ(job.send({{"get", 2, 0}}), (std::vector<std::string>{"2=none/none"}));
}

TEST_P(KeyedState, TtlOnReadAndWriteKeepsReadStateAlive) {
  TtlJob job(parallelism(),
             StateTtlConfig::of_ms(100).set_update_type(StateTtlConfig::UpdateType::kOnReadAndWrite));
  job.send({{"set", 1, 10}, {"set", 2, 20}});
  for (int i = 0; i < 3; ++i) {
    job.clock->advance(70);
    EXPECT_EQ(job.send({{"get", 1, 0}}), (std::vector<std::string>{"1=10/10"}));
  }
  EXPECT_EQ(job.send({{"get", 2, 0}}), (std::vector<std::string>{"2=none/none"}));
}

TEST_P(KeyedState, TtlReturnExpiredIfNotCleanedUp) {
  TtlJob job(parallelism(), StateTtlConfig::of_ms(100).set_state_visibility(
                                StateTtlConfig::Visibility::kReturnExpiredIfNotCleanedUp));
  job.send({{"set", 1, 10}});
  job.clock->advance(150);
  // Expired but not yet cleaned up: returned once, and that read cleans it up.
  EXPECT_EQ(job.send({{"get", 1, 0}}), (std::vector<std::string>{"1=10/10"}));
  EXPECT_EQ(job.send({{"get", 1, 0}}), (std::vector<std::string>{"1=none/none"}));
}

// ---- operator list state ----

class CountingMap final : public MapFunction<int64_t, std::pair<int64_t, int64_t>> {
 public:
  void open(RuntimeContext& ctx) override {
    subtask_ = ctx.get_index_of_this_subtask();
    seen_ = &ctx.get_operator_list_state(ListStateDescriptor<int64_t>("seen"));
  }
  std::pair<int64_t, int64_t> map(const int64_t& v) override {
    seen_->add(v);
    auto all = seen_->get();
    // (subtask, how many values this subtask's list state holds, checked to end with v)
    return {subtask_, all.back() == v ? static_cast<int64_t>(all.size()) : -1};
  }

 private:
  int64_t subtask_ = 0;
  ListState<int64_t>* seen_ = nullptr;
};

TEST_P(KeyedState, OperatorListStateIsPerSubtask) {
  const int p = parallelism();
  auto env = testing::environment();
  env->set_parallelism(p);
  auto out = env->from_sequence(0, 9999).map(CountingMap()).collect();
  env->execute("operator list state");
  std::map<int64_t, std::vector<int64_t>> sizes;
  for (const auto& [s, n] : out->values()) sizes[s].push_back(n);
  ASSERT_EQ(sizes.size(), static_cast<size_t>(p));
  int64_t total = 0;
  for (auto& [s, ns] : sizes) {
    std::vector<int64_t> want(ns.size());
    for (size_t i = 0; i < want.size(); ++i) want[i] = static_cast<int64_t>(i) + 1;
    EXPECT_EQ(ns, want) << "subtask " << s;
    total += static_cast<int64_t>(ns.size());
  }
  EXPECT_EQ(total, 10000);
}

// ---- broadcast state ----

using Rule = std::pair<std::string, int64_t>;  // (name, multiplier)
const MapStateDescriptor<std::string, int64_t> kRules("rules");

class ApplyRules final : public BroadcastProcessFunction<int64_t, Rule, std::string> {
 public:
  void open(RuntimeContext& ctx) override { subtask_ = ctx.get_index_of_this_subtask(); }
  void process_element(const int64_t& v, ReadOnlyContext& ctx, Collector<std::string>& out) override {
    for (const auto& [name, m] : ctx.get_broadcast_state(kRules).entries())
      out.collect(name + ":" + std::to_string(v * m));
  }
  void process_broadcast_element(const Rule& r, Context& ctx, Collector<std::string>& out) override {
    ctx.get_broadcast_state(kRules).put(r.first, r.second);
    out.collect("rule " + r.first + " at " + std::to_string(subtask_));
  }

 private:
  int subtask_ = 0;
};

TEST_P(KeyedState, BroadcastRulesReachEverySubtask) {
  const int p = parallelism();
  auto env = testing::environment();
  env->set_parallelism(p);
  auto values = std::make_shared<Feed<int64_t>>();
  auto rules = env->from_collection(std::vector<Rule>{{"double", 2}, {"triple", 3}}).broadcast(kRules);
  auto out = from_feed(*env, values).rebalance().connect(rules).process(ApplyRules()).collect();
  auto client = env->execute_async("broadcast state");
  // Every subtask acknowledges every rule before any value is sent, so each value sees both rules.
  ASSERT_TRUE(eventually([&] { return out->size() >= static_cast<size_t>(2 * p); }));
  std::set<std::string> acks;
  for (const auto& s : out->values()) acks.insert(s);
  for (int i = 0; i < p; ++i)
    for (std::string r : {"double", "triple"})
      EXPECT_TRUE(acks.count("rule " + r + " at " + std::to_string(i)));
  for (int64_t v = 0; v < 1000; ++v) values->push(v);
  values->close();
  client.get_job_execution_result();

  std::multiset<std::string> expected, actual;
  for (int64_t v = 0; v < 1000; ++v) {
    expected.insert("double:" + std::to_string(2 * v));
    expected.insert("triple:" + std::to_string(3 * v));
  }
  for (const auto& s : out->values())
    if (s.rfind("rule ", 0) != 0) actual.insert(s);
  EXPECT_EQ(actual, expected);
}

INSTANTIATE_TEST_SUITE_P(Backends, KeyedState,
                         ::testing::Combine(::testing::Values(1, 4),
                                            ::testing::ValuesIn(testing::kStateBackends)),
                         testing::backend_param_name);

}  // namespace
}  // namespace weir
