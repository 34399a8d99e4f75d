#pragma once
// SlidingAggregateOperator: sliding event-time windows with an aggregate function, the default
// trigger (EventTimeTrigger), no allowed lateness and no evictor, for keys of an integral type. Gives
// the same results as WindowOperator's pane sharing, without a timer or a keyed-state entry per key:
//
// - Each element adds to one accumulator in its pane (a slide-long slice; a window of size n * slide
//   is n panes) in a PaneTable per pane, keyed by the key value itself.
// - Windows fire across all keys from the operator's watermark: the operator keeps the set of window
//   ends that have panes (registered when a pane is created, like WindowOperator's per-key timers),
//   and when the watermark passes an end - 1 it walks the window's panes oldest first and emits each
//   key once, folding the key's accumulators of the window's panes with the function's merge. Then
//   the window's first pane, which no later window covers, is dropped.
// - Elements whose windows are all past the watermark are late: late-data side output, or dropped
//   and counted.
//
// Checkpoints: the panes are snapshotted by key group after the base class's bytes in
// out.keyed[kg] (per key group: the watermark at the snapshot, then per pane its start and the
// entries of the key group's keys), and restored for the key groups of this subtask's range, so a
// restore at another parallelism works. Windows that had fired before the snapshot (end - 1 at or
// below the snapshot's watermark of the key's group) do not fire again for those keys.
//
// Threading: task thread only.
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "weir/api/operators/keyed_support.h"
#include "weir/api/operators/udf_operator.h"
#include "weir/api/windowing/pane_table.h"
#include "weir/api/windowing/process_window_function.h"
#include "weir/api/windowing/time_window.h"
#include "weir/api/windowing/window_assigner.h"
#include "weir/api/windowing/window_contents.h"
#include "weir/common/serializer.h"

namespace weir::windowing {

//! Whether SlidingAggregateOperator can stand in for WindowOperator: checked when the job is built.
template <typename K, typename T, typename W, typename Acc>
bool can_use_sliding_aggregate(const InternalWindowAssigner<T, W>& assigner, bool default_trigger,
                               int64_t allowed_lateness, int64_t evictor_keep) {
  if constexpr (std::is_same_v<W, TimeWindow> && PaneKey<K> && Serializable<Acc> && Serializable<K>) {
    W pane;
    int64_t size = 0, slide = 0;
    return default_trigger && allowed_lateness == 0 && evictor_keep == 0 && assigner.is_event_time() &&
           !assigner.is_merging() && assigner.pane_of(0, pane, size, slide);
  } else {
    return false;
  }
}

template <typename K, typename IN, typename Agg, typename Fn>
class SlidingAggregateOperator final : public runtime::StreamOperator, public runtime::Input<IN> {
  using Acc = typename Agg::Acc;
  using OUT = typename Fn::Out;
  using W = TimeWindow;
  using Table = PaneTable<K, Acc>;

 public:
  SlidingAggregateOperator(std::shared_ptr<const InternalWindowAssigner<IN, W>> assigner,
                           std::function<K(const IN&)> key_fn, Agg agg, Fn fn, std::string late_data_tag)
      : assigner_(std::move(assigner)),
        key_fn_(std::move(key_fn)),
        agg_(std::move(agg)),
        fn_(std::move(fn)),
        late_data_tag_(std::move(late_data_tag)) {
    W probe;
    if (!assigner_->pane_of(0, probe, size_, slide_))
      throw JobDefinitionError("internal: SlidingAggregateOperator needs windows made of panes");
    // The pane of timestamp 0 starts at the assigners' offset (modulo the slide).
    offset_ = probe.start;
  }

  runtime::InputBase* input(int i) override { return i == 0 ? this : nullptr; }
  bool is_keyed() const override { return true; }

  void open() override {
    collector_.bind(static_cast<runtime::Output<OUT>*>(rt_.output));
    rctx_ = std::make_unique<RuntimeContext>(this);
    fn_.open(*rctx_);
    if (!late_data_tag_.empty()) {
      auto it = rt_.side_outputs.find(late_data_tag_);
      if (it != rt_.side_outputs.end()) late_output_ = static_cast<runtime::Output<IN>*>(it->second);
    }
  }
  void close() override { fn_.close(); }

  void process_element(const IN& v, Timestamp ts) override {
    if (ts == kNoTimestamp)
      throw WeirError(assigner_->name() + ": record has no timestamp: use assign_timestamps_and_watermarks");
    Timestamp start = TimeWindow::start_with_offset(ts, offset_, slide_);
    Timestamp wm = current_watermark();
    if (start + size_ - 1 <= wm) {
      // Every window of the element has fired (no allowed lateness): late.
      if (late_output_) {
        late_output_->collect(v, ts);
      } else {
        ++late_records_dropped_;
      }
      return;
    }
    Table& table = pane(start);
    bool created = false;
    Acc& acc = table.find_or_insert(
        key_fn_(v), [this] { return agg_.create_accumulator(); }, created);
    acc = agg_.add(v, std::move(acc));
  }

  //! Late elements dropped because no late-data side output consumes them (Flink's numLateRecordsDropped).
  int64_t num_late_records_dropped() const { return late_records_dropped_; }
  //! Accumulators held (all panes, all keys): for tests.
  size_t num_entries() const {
    size_t n = 0;
    for (const auto& [start, t] : panes_) n += t.size();
    return n;
  }

  void snapshot_state(checkpoint::OperatorSnapshot& out) override {
    StreamOperator::snapshot_state(out);
    const KeyGroupRange& range = rt_.key_groups;
    // Per local key group, per pane (in start order): the entries of the group's keys.
    using EntryList = std::vector<const typename Table::Entry*>;
    std::vector<std::vector<std::pair<Timestamp, EntryList>>> groups(range.size());
    DataOutput key_bytes;
    for (const auto& [start, table] : panes_) {
      for (const auto& e : table.entries()) {
        key_bytes.clear();
        Serializer<K>::write(key_bytes, e.key);
        KeyGroup kg = key_group_for_key_bytes(key_bytes.view(), rt_.max_parallelism);
        if (!range.contains(kg)) throw WeirError("internal: a window pane holds a key of another subtask");
        auto& panes = groups[kg - range.start];
        if (panes.empty() || panes.back().first != start) panes.emplace_back(start, EntryList{});
        panes.back().second.push_back(&e);
      }
    }
    DataOutput part, wrapped;
    for (KeyGroup kg = range.start; kg <= range.end; ++kg) {
      const auto& panes = groups[kg - range.start];
      part.clear();
      part.write_fixed<int64_t>(current_watermark());
      part.write_varint(panes.size());
      for (const auto& [start, entries] : panes) {
        part.write_fixed<int64_t>(start);
        part.write_varint(entries.size());
        for (const auto* e : entries) {
          Serializer<K>::write(part, e->key);
          Serializer<Acc>::write(part, e->acc);
        }
      }
      wrapped.clear();
      wrapped.write_bytes(part.view());
      out.keyed[kg].append(wrapped.view());
    }
  }

  void initialize_state(const checkpoint::OperatorRestore& restore) override {
    StreamOperator::initialize_state(restore);
    const KeyGroupRange& range = rt_.key_groups;
    fired_through_.assign(range.size(), kMinTimestamp);
    for (const auto* snap : restore.parts) {
      for (const auto& [kg, bytes] : snap->keyed) {
        if (!range.contains(kg)) continue;
        DataInput in(bytes);
        in.skip_bytes();  // keyed state
        in.skip_bytes();  // timers
        if (in.remaining() == 0) continue;
        DataInput pin(in.read_bytes());
        Timestamp fired = pin.read_fixed<int64_t>();
        fired_through_[kg - range.start] = fired;
        max_fired_through_ = std::max(max_fired_through_, fired);
        uint64_t num_panes = pin.read_varint();
        for (uint64_t p = 0; p < num_panes; ++p) {
          Timestamp start = pin.read_fixed<int64_t>();
          uint64_t n = pin.read_varint();
          Table& table = pane(start);
          for (uint64_t i = 0; i < n; ++i) {
            K key = Serializer<K>::read(pin);
            Acc acc = Serializer<Acc>::read(pin);
            bool created = false;
            table.find_or_insert(
                key, [&] { return std::move(acc); }, created);
            if (!created) throw SerializationError("a window pane's snapshot holds a key twice");
          }
        }
      }
    }
  }

 protected:
  void on_watermark(Timestamp wm) override {
    while (!ends_.empty() && *ends_.begin() - 1 <= wm) {
      Timestamp end = *ends_.begin();
      ends_.erase(ends_.begin());
      fire(W{end - size_, end});
    }
    StreamOperator::on_watermark(wm);
  }

 private:
  struct Ctx final : WindowContext<W> {
    const W& window() const override { return *w; }
    Timestamp current_watermark() const override { return op->current_watermark(); }
    Timestamp current_processing_time() const override { return op->rt_.processing_time->now(); }
    const W* w = nullptr;
    const SlidingAggregateOperator* op = nullptr;
  };

  //! The table of the pane starting at `start`, created (with its windows' ends registered) if missing.
  Table& pane(Timestamp start) {
    if (start == last_start_ && last_table_) return *last_table_;
    auto [it, inserted] = panes_.try_emplace(start);
    if (inserted) {
      Timestamp wm = current_watermark();
      for (Timestamp end = start + slide_; end <= start + size_; end += slide_)
        if (end - 1 > wm) ends_.insert(end);
    }
    last_start_ = start;
    last_table_ = &it->second;
    return it->second;
  }

  void fire(const W& window) {
    window_panes_.clear();
    for (auto it = panes_.lower_bound(window.start); it != panes_.end() && it->first < window.end; ++it)
      window_panes_.push_back(&it->second);
    const bool check_restored = window.max_timestamp() <= max_fired_through_;
    Timestamp ts = window.max_timestamp();
    collector_.set_timestamp(ts);
    wctx_.w = &window;
    wctx_.op = this;
    wctx_.bind(&rt_.side_outputs, ts);
    for (size_t i = 0; i < window_panes_.size(); ++i) {
      for (const auto& e : window_panes_[i]->entries()) {
        // A key is emitted from the oldest pane of the window that holds it.
        bool seen = false;
        for (size_t j = 0; j < i && !seen; ++j) seen = window_panes_[j]->find(e.key) != nullptr;
        if (seen) continue;
        keys_.set_key(this, e.key);
        if (check_restored && fired_before_restore(window)) continue;
        Acc acc = e.acc;
        for (size_t j = i + 1; j < window_panes_.size(); ++j)
          if (Acc* a = window_panes_[j]->find(e.key)) acc = agg_.merge(std::move(acc), *a);
        fn_.apply(keys_.key(), wctx_, agg_.get_result(acc), collector_);
        fn_.clear(wctx_);
      }
    }
    // The window's first pane is in no later window.
    if (auto it = panes_.find(window.start); it != panes_.end()) {
      if (last_table_ == &it->second) last_table_ = nullptr;
      panes_.erase(it);
    }
  }

  //! True when the current key's group had fired `window` before the snapshot this subtask restored.
  bool fired_before_restore(const W& window) const {
    KeyGroup kg = keyed_backend()->current_key_group();
    return window.max_timestamp() <= fired_through_[kg - rt_.key_groups.start];
  }

  std::shared_ptr<const InternalWindowAssigner<IN, W>> assigner_;
  std::function<K(const IN&)> key_fn_;
  Agg agg_;
  Fn fn_;
  std::string late_data_tag_;
  int64_t size_ = 0;
  int64_t slide_ = 0;
  Timestamp offset_ = 0;

  std::map<Timestamp, Table> panes_;  //!< by pane start
  std::set<Timestamp> ends_;          //!< ends of the windows still to fire
  Timestamp last_start_ = kMinTimestamp;
  Table* last_table_ = nullptr;
  std::vector<Table*> window_panes_;
  //! Per local key group: the watermark of the snapshot it was restored from (kMinTimestamp: none).
  std::vector<Timestamp> fired_through_;
  Timestamp max_fired_through_ = kMinTimestamp;

  ops::KeyContext<K> keys_;
  ops::TimestampedCollector<OUT> collector_;
  Ctx wctx_;
  std::unique_ptr<RuntimeContext> rctx_;
  runtime::Output<IN>* late_output_ = nullptr;
  int64_t late_records_dropped_ = 0;
};

}  // namespace weir::windowing
