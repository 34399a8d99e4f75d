// Snapshot and restore of the heap keyed-state backend, by key group: the basis of checkpoints and
// of rescaling (a new subtask restores exactly the key groups of its new range).
#include <gtest/gtest.h>

#include "weir/common/serializer.h"
#include "weir/state/state_factory.h"

namespace weir::state {
namespace {

struct Sum : AggregateFunction<int64_t, int64_t, int64_t> {
  int64_t create_accumulator() override { return 0; }
  int64_t add(const int64_t& v, int64_t acc) override { return acc + v; }
  int64_t get_result(const int64_t& acc) override { return acc; }
  int64_t merge(int64_t a, int64_t b) override { return a + b; }
};

struct AllStates {
  explicit AllStates(KeyedStateBackend& b)
      : value(value_state(b, ValueStateDescriptor<std::string>("v"))),
        list(list_state(b, ListStateDescriptor<int64_t>("l"))),
        map(map_state(b, MapStateDescriptor<std::string, int64_t>("m"))),
        reducing(reducing_state(b, ReducingStateDescriptor<int64_t>(
                                       "r", [](const int64_t& a, const int64_t& c) { return a + c; }))),
        aggregating(aggregating_state(
            b, AggregatingStateDescriptor<int64_t, int64_t, int64_t>("a", std::make_shared<Sum>()))) {}
  ValueState<std::string>* value;
  ListState<int64_t>* list;
  MapState<std::string, int64_t>* map;
  ReducingState<int64_t>* reducing;
  AggregatingState<int64_t, int64_t>* aggregating;
};

void set_key(KeyedStateBackend& b, int64_t k) {
  b.set_current_key(serialize_to_string(k));
}

TEST(StateSnapshot, RestoresEveryStateTypeAcrossARescale) {
  constexpr int kMax = 16;
  auto clock = std::make_shared<ManualClock>(1000);
  HeapKeyedStateBackend old_backend({0, kMax - 1}, kMax, clock);
  AllStates s(old_backend);
  for (int64_t k = 0; k < 200; ++k) {
    set_key(old_backend, k);
    s.value->update("v" + std::to_string(k));
    s.list->add(k);
    s.list->add(k * 2);
    s.map->put("x", k);
    s.reducing->add(k);
    s.reducing->add(1);
    s.aggregating->add(k);
    s.aggregating->add(10);
  }
  // Snapshot every key group, then restore into two subtasks that split the range.
  std::map<KeyGroup, std::string> snapshot;
  for (KeyGroup kg = 0; kg < kMax; ++kg) {
    DataOutput out;
    old_backend.snapshot_key_group(kg, out);
    snapshot[kg] = out.str();
  }
  HeapKeyedStateBackend left({0, 7}, kMax, clock), right({8, 15}, kMax, clock);
  for (auto& [kg, bytes] : snapshot) {
    DataInput in(bytes);
    (kg <= 7 ? left : right).restore_key_group(kg, in);
  }
  // States are created after the restore, as a function's open() would.
  AllStates l(left), r(right);
  for (int64_t k = 0; k < 200; ++k) {
    KeyGroup kg = key_group_for_key_bytes(serialize_to_string(k), kMax);
    auto& b = kg <= 7 ? left : right;
    auto& st = kg <= 7 ? l : r;
    set_key(b, k);
    EXPECT_EQ(st.value->value(), "v" + std::to_string(k));
    EXPECT_EQ(st.list->get(), (std::vector<int64_t>{k, k * 2}));
    EXPECT_EQ(st.map->get("x"), k);
    EXPECT_EQ(st.reducing->get(), k + 1);
    EXPECT_EQ(st.aggregating->get(), k + 10);
  }
  EXPECT_GT(left.states().at("v")->num_entries(), 0u);
  EXPECT_GT(right.states().at("v")->num_entries(), 0u);
  EXPECT_EQ(left.states().at("v")->num_entries() + right.states().at("v")->num_entries(), 200u);
}

TEST(StateSnapshot, RestoredStateNobodyAskedForIsKeptInTheNextSnapshot) {
  auto clock = std::make_shared<ManualClock>(0);
  HeapKeyedStateBackend a({0, 3}, 4, clock);
  auto* v = value_state(a, ValueStateDescriptor<int64_t>("count"));
  set_key(a, 42);
  v->update(7);
  KeyGroup kg = a.current_key_group();
  DataOutput out;
  a.snapshot_key_group(kg, out);

  HeapKeyedStateBackend b({0, 3}, 4, clock);
  DataInput in(out.view());
  b.restore_key_group(kg, in);
  DataOutput again;
  b.snapshot_key_group(kg, again);  // "count" was never created in b
  HeapKeyedStateBackend c({0, 3}, 4, clock);
  DataInput in2(again.view());
  c.restore_key_group(kg, in2);
  set_key(c, 42);
  EXPECT_EQ(value_state(c, ValueStateDescriptor<int64_t>("count"))->value(), 7);
}

TEST(StateSnapshot, KeyGroupOutsideTheRangeIsRefused) {
  auto clock = std::make_shared<ManualClock>(0);
  HeapKeyedStateBackend b({0, 3}, 8, clock);
  DataOutput out;
  out.write_varint(0);
  DataInput in(out.view());
  EXPECT_THROW(b.restore_key_group(6, in), WeirError);
}

}  // namespace
}  // namespace weir::state
