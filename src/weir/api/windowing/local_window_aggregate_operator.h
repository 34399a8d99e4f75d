#pragma once
// LocalWindowAggregateOperator: the local half of a pre-aggregated window aggregate
// (WindowedStream::pre_aggregate). Chained to the stream's producer, before the keyed exchange, it folds
// the elements of a batch into one accumulator per key and window (per key and session fragment for
// merging windows) and sends those partials on; the WindowOperator after the exchange merges them
// (MergePreAggregated). Nexmark's hot keys make one partial out of most of a batch's elements.
//
// It sends everything on before a watermark that advances, a change of idleness, a checkpoint barrier (in
// snapshot_state, so it has no state of its own), the end of input, and when it holds `max_entries`
// partials. The window operator therefore sees every partial before the watermark that follows its
// elements, as it would have seen them. With event time and the default trigger (EventTimeTrigger) that
// is all: nothing after the exchange can fire before that watermark, so holding partials across batches
// delays no result, and a hot key's elements of a whole watermark interval fold into one partial. With
// processing time or another trigger (which may fire on the clock) it also sends everything on at the end
// of each batch of the task (runtime/batch_end.h), so no partial is older than the batch it came in, unless
// the job asked for PreAggregateHold::kUntilWatermark.
//
// Lateness: an element with a window whose end this operator's watermark passed (event time) is not
// folded: everything held is sent first, then the element as a partial of its own, so the window operator
// decides about it (late firing within the allowed lateness, merging into a session, dropping) exactly as
// about the element, in the same order. The windows of elements folded here have not ended here, so not
// after the exchange either (its watermark is never ahead of this operator's): there they only add to
// contents and register timers, which folding does not change.
//
// Processing-time windows are assigned by this operator's clock, when the element arrives here.
//
// Threading: task thread only.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weir/api/windowing/pre_aggregation.h"
#include "weir/api/windowing/window_assigner.h"
#include "weir/common/error.h"
#include "weir/common/hashing.h"
#include "weir/runtime/batch_end.h"
#include "weir/runtime/stream_operator.h"

namespace weir::windowing {

namespace detail {
//! A hash of `k`: std::hash where K has one, else of its serialized bytes (within one process only).
template <typename K>
uint64_t key_hash(const K& k, DataOutput& scratch) {
  if constexpr (requires { std::hash<K>{}(k); }) {
    return mix64(static_cast<uint64_t>(std::hash<K>{}(k)));
  } else {
    scratch.clear();
    Serializer<K>::write(scratch, k);
    return hash_bytes(scratch.view().data(), scratch.view().size());
  }
}
}  // namespace detail

template <typename T, typename K, typename Agg>
class LocalWindowAggregateOperator final : public runtime::StreamOperator, public runtime::Input<T> {
  using Acc = typename Agg::Acc;
  using P = PreAggregated<K, Acc>;

 public:
  LocalWindowAggregateOperator(std::shared_ptr<const InternalWindowAssigner<T, TimeWindow>> assigner,
                               std::function<K(const T&)> key_fn, Agg agg, size_t max_entries,
                               bool hold_until_watermark)
      : assigner_(std::move(assigner)),
        key_fn_(std::move(key_fn)),
        agg_(std::move(agg)),
        max_entries_(max_entries),
        hold_until_watermark_(hold_until_watermark) {
    size_t slots = 16;
    while (slots < 2 * max_entries_) slots *= 2;
    slots_.assign(slots, -1);
    entries_.reserve(max_entries_);
  }
  ~LocalWindowAggregateOperator() override { runtime::remove_batch_end_hook(this); }

  runtime::InputBase* input(int i) override { return i == 0 ? this : nullptr; }

  void open() override {
    out_ = static_cast<runtime::Output<P>*>(rt_.output);
    event_time_ = assigner_->is_event_time();
    merging_ = assigner_->is_merging();
    // Event time with EventTimeTrigger, or PreAggregateHold::kUntilWatermark: partials wait for the next
    // watermark (see the top of the file).
    if (!hold_until_watermark_) runtime::add_batch_end_hook(this, rt_.chain_position, [this] { flush(); });
  }
  void close() override { runtime::remove_batch_end_hook(this); }

  void process_element(const T& v, Timestamp ts) override {
    if (event_time_ && ts == kNoTimestamp)
      throw WeirError(assigner_->name() + ": record has no timestamp: use assign_timestamps_and_watermarks");
    windows_.clear();
    assigner_->assign_windows(v, ts, event_time_ ? ts : rt_.processing_time->now(), windows_);
    K key = key_fn_(v);
    if (event_time_ && any_window_late()) {
      flush();
      for (const TimeWindow& w : windows_)
        out_->collect(P{key, w, agg_.add(v, agg_.create_accumulator())}, ts);
      return;
    }
    const uint64_t kh = detail::key_hash(key, scratch_);
    for (const TimeWindow& w : windows_) {
      if (merging_) {
        add_to_session(key, kh, w, v);
      } else {
        add_to_window(key, kh, w, v);
      }
    }
    if (entries_.size() >= max_entries_) flush();
  }

  void process_watermark(Timestamp wm, int input) override {
    if (wm > last_input_wm_) {  // one that does not advance goes nowhere: what is held may stay
      last_input_wm_ = wm;
      flush();
    }
    runtime::StreamOperator::process_watermark(wm, input);
  }
  void process_watermark_status(bool idle, int input) override {
    flush();
    runtime::StreamOperator::process_watermark_status(idle, input);
  }
  void end_input(int) override { flush(); }
  void finish() override { flush(); }
  void snapshot_state(checkpoint::OperatorSnapshot& out) override {
    flush();
    runtime::StreamOperator::snapshot_state(out);
  }

 private:
  struct Entry {
    K key;
    TimeWindow window;
    Acc acc;
    uint64_t hash = 0;
    int32_t next = -1;  // merging windows: the key's next session fragment
    bool live = true;   // merging windows: false once folded into another fragment
  };

  // A window whose end the watermark passed fires again for every element within the allowed lateness,
  // and one past it drops them: elements of such windows go on one by one.
  bool any_window_late() const {
    for (const TimeWindow& w : windows_)
      if (w.max_timestamp() <= current_watermark()) return true;
    return false;
  }

  //! The slot of (key, window) (non-merging) or of the key's first fragment (merging), and whether an
  //! entry is there.
  size_t probe(const K& key, uint64_t h, const TimeWindow* w, bool& found) const {
    const size_t mask = slots_.size() - 1;
    for (size_t s = h & mask;; s = (s + 1) & mask) {
      int32_t i = slots_[s];
      if (i < 0) {
        found = false;
        return s;
      }
      const Entry& e = entries_[static_cast<size_t>(i)];
      if (e.hash == h && e.key == key && (!w || e.window == *w)) {
        found = true;
        return s;
      }
    }
  }

  void add_to_window(const K& key, uint64_t kh, const TimeWindow& w, const T& v) {
    const uint64_t h =
        mix64(kh ^ (static_cast<uint64_t>(w.start) * 0x9e3779b97f4a7c15ULL) ^ static_cast<uint64_t>(w.end));
    bool found = false;
    size_t s = probe(key, h, &w, found);
    if (found) {
      Entry& e = entries_[static_cast<size_t>(slots_[s])];
      e.acc = agg_.add(v, std::move(e.acc));
      return;
    }
    slots_[s] = static_cast<int32_t>(entries_.size());
    entries_.push_back(Entry{key, w, agg_.add(v, agg_.create_accumulator()), h});
  }

  // Session fragments of one key: a chain of entries from the one the index points at. A new element's
  // window folds into the first fragment it intersects; the grown fragment then absorbs any other it now
  // intersects (an element can bridge two), as the window operator's merging would.
  void add_to_session(const K& key, uint64_t kh, const TimeWindow& w, const T& v) {
    bool found = false;
    size_t s = probe(key, kh, nullptr, found);
    if (!found) {
      slots_[s] = static_cast<int32_t>(entries_.size());
      entries_.push_back(Entry{key, w, agg_.add(v, agg_.create_accumulator()), kh});
      return;
    }
    const int32_t head = slots_[s];
    int32_t target = -1;
    for (int32_t i = head; i >= 0; i = entries_[static_cast<size_t>(i)].next) {
      const Entry& e = entries_[static_cast<size_t>(i)];
      if (e.live && e.window.intersects(w)) {
        target = i;
        break;
      }
    }
    if (target < 0) {  // a fragment of its own, second in the chain
      Entry e{key, w, agg_.add(v, agg_.create_accumulator()), kh};
      e.next = entries_[static_cast<size_t>(head)].next;
      entries_[static_cast<size_t>(head)].next = static_cast<int32_t>(entries_.size());
      entries_.push_back(std::move(e));
      return;
    }
    Entry& t = entries_[static_cast<size_t>(target)];
    t.acc = agg_.add(v, std::move(t.acc));
    t.window = t.window.cover(w);
    for (bool grew = true; grew;) {
      grew = false;
      for (int32_t i = head; i >= 0; i = entries_[static_cast<size_t>(i)].next) {
        Entry& o = entries_[static_cast<size_t>(i)];
        if (i == target || !o.live || !o.window.intersects(t.window)) continue;
        t.acc = agg_.merge(std::move(t.acc), std::move(o.acc));
        t.window = t.window.cover(o.window);
        o.live = false;
        grew = true;
      }
    }
  }

  //! Sends every partial held, in the order their first elements came, and forgets them.
  void flush() {
    if (entries_.empty()) return;
    for (Entry& e : entries_)
      if (e.live) out_->collect(P{std::move(e.key), e.window, std::move(e.acc)}, e.window.max_timestamp());
    entries_.clear();
    std::fill(slots_.begin(), slots_.end(), -1);
  }

  std::shared_ptr<const InternalWindowAssigner<T, TimeWindow>> assigner_;
  std::function<K(const T&)> key_fn_;
  Agg agg_;
  size_t max_entries_ = 0;
  bool hold_until_watermark_ = false;  // no flush at batch ends
  bool event_time_ = false;
  bool merging_ = false;
  runtime::Output<P>* out_ = nullptr;
  Timestamp last_input_wm_ = kMinTimestamp;
  std::vector<TimeWindow> windows_;
  std::vector<Entry> entries_;
  std::vector<int32_t> slots_;  // index into entries_, -1 when free (linear probing)
  DataOutput scratch_;
};

}  // namespace weir::windowing
