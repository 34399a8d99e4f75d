#pragma once
// Per-key timers of one keyed operator, in event time and processing time. Event-time timers fire
// when the operator's watermark passes them; processing-time timers when the task's clock does.
// Before a timer fires the backend's current key is set to the timer's key. Timers live on the heap
// (TimerQueue), or in the keyed-state backend when it offers a TimerStore (RocksDB with
// `state.backend.rocksdb.timer-service.factory: rocksdb`, and the heap backend with incremental
// checkpoints, whose checkpoints then hold the timers).
//
// Threading: task thread only.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weir/common/data_io.h"
#include "weir/runtime/operator_failure.h"
#include "weir/runtime/processing_time_service.h"
#include "weir/runtime/timer_queue.h"
#include "weir/state/keyed_state_backend.h"

namespace weir::runtime {

class Triggerable {
 public:
  virtual ~Triggerable() = default;
  virtual void on_event_time(const Timer& t) = 0;
  virtual void on_processing_time(const Timer& t) = 0;
};

//! The timers of one domain: a heap TimerQueue, or the backend's store when it has one.
class TimerDomain {
 public:
  TimerDomain(KeyGroupRange range, std::shared_ptr<state::TimerStore> store)
      : heap_(range), store_(std::move(store)) {}
  void add(KeyGroup kg, Timer t) {
    if (store_) {
      store_->add(kg, {t.ts, std::move(t.key), std::move(t.ns)});
    } else {
      heap_.add(kg, std::move(t));
    }
  }
  //! The same from views: on the heap, a timer that exists already is found without copying them.
  void add(KeyGroup kg, Timestamp ts, std::string_view key, std::string_view ns) {
    if (store_) {
      store_->add(kg, {ts, std::string(key), std::string(ns)});
    } else {
      heap_.add(kg, ts, key, ns);
    }
  }
  //! Adds a timer read from a checkpoint.
  void restore(KeyGroup kg, Timer t) {
    if (store_) {
      store_->restore(kg, t);
    } else {
      heap_.add(kg, std::move(t));
    }
  }
  void remove(KeyGroup kg, const Timer& t) {
    if (store_) {
      store_->remove(kg, {t.ts, t.key, t.ns});
    } else {
      heap_.remove(kg, t);
    }
  }
  Timestamp peek_ts() const { return store_ ? store_->peek_ts() : heap_.peek_ts(); }
  bool empty() const { return store_ ? store_->empty() : heap_.empty(); }
  size_t size() const { return store_ ? store_->size() : heap_.size(); }
  std::pair<KeyGroup, Timer> poll() { return store_ ? store_->poll() : heap_.poll(); }
  std::vector<Timer> sorted_group(KeyGroup kg) const {
    return store_ ? store_->sorted_group(kg) : heap_.sorted_group(kg);
  }

 private:
  TimerQueue heap_;
  std::shared_ptr<state::TimerStore> store_;
};

//! Adds the timers of key group `kg` in the canonical snapshot format (InternalTimerService's
//! snapshot_key_group) to two domains' stores.
inline void restore_timers_into(state::TimerStore& event, state::TimerStore& processing, KeyGroup kg,
                                DataInput& in) {
  for (state::TimerStore* q : {&event, &processing}) {
    uint64_t n = in.read_varint();
    for (uint64_t i = 0; i < n; ++i) {
      Timer t;
      t.ts = in.read_fixed<int64_t>();
      t.key = std::string(in.read_bytes());
      t.ns = std::string(in.read_bytes());
      q->restore(kg, t);
    }
  }
}

class InternalTimerService {
 public:
  InternalTimerService(state::KeyedStateBackend* backend, ProcessingTimeService* pts, Triggerable* target,
                       std::string operator_name = {})
      : operator_name_(std::move(operator_name)),
        backend_(backend),
        pts_(pts),
        target_(target),
        event_(backend->key_group_range(), backend->create_timer_store("event")),
        processing_(backend->key_group_range(), backend->create_timer_store("processing")) {
    schedule_processing();  // a backend's store may hold restored timers already
  }

  Timestamp current_watermark() const { return watermark_; }
  Timestamp current_processing_time() const { return pts_->now(); }

  void register_event_time_timer(std::string_view ns, Timestamp ts) {
    event_.add(backend_->current_key_group(), ts, backend_->current_key(), ns);
  }
  void delete_event_time_timer(std::string_view ns, Timestamp ts) {
    event_.remove(backend_->current_key_group(), {ts, std::string(backend_->current_key()), std::string(ns)});
  }
  void register_processing_time_timer(std::string_view ns, Timestamp ts) {
    processing_.add(backend_->current_key_group(), ts, backend_->current_key(), ns);
    if (ts < scheduled_) schedule_processing();
  }
  void delete_processing_time_timer(std::string_view ns, Timestamp ts) {
    processing_.remove(backend_->current_key_group(),
                       {ts, std::string(backend_->current_key()), std::string(ns)});
  }

  //! Fires every event-time timer at or before `wm`, in timestamp order.
  void advance_watermark(Timestamp wm) {
    watermark_ = wm;
    while (!event_.empty() && event_.peek_ts() <= wm) {
      auto [kg, t] = event_.poll();
      backend_->set_current_key(t.key);
      target_->on_event_time(t);
    }
  }

  //! Timers of key group `kg` in the canonical snapshot format: event-time timers, then processing-time
  //! timers, each as varint count and (timestamp, key, namespace) triples.
  void snapshot_key_group(KeyGroup kg, DataOutput& out) const {
    for (const TimerDomain* q : {&event_, &processing_}) {
      const auto g = q->sorted_group(kg);
      out.write_varint(g.size());
      for (const auto& t : g) {
        out.write_fixed<int64_t>(t.ts);
        out.write_bytes(t.key);
        out.write_bytes(t.ns);
      }
    }
  }
  void restore_key_group(KeyGroup kg, DataInput& in) {
    for (TimerDomain* q : {&event_, &processing_}) {
      uint64_t n = in.read_varint();
      for (uint64_t i = 0; i < n; ++i) {
        Timer t;
        t.ts = in.read_fixed<int64_t>();
        t.key = std::string(in.read_bytes());
        t.ns = std::string(in.read_bytes());
        q->restore(kg, std::move(t));
      }
    }
    schedule_processing();
  }

  size_t num_event_time_timers() const { return event_.size(); }
  size_t num_processing_time_timers() const { return processing_.size(); }

 private:
  void schedule_processing() {
    Timestamp next = processing_.peek_ts();
    if (next == kMaxTimestamp || next >= scheduled_) return;
    scheduled_ = next;
    pts_->register_timer(next, [this](Timestamp now) { fire_processing(now); });
  }
  void fire_processing(Timestamp now) {
    scheduled_ = kMaxTimestamp;
    while (!processing_.empty() && processing_.peek_ts() <= now) {
      auto [kg, t] = processing_.poll();
      backend_->set_current_key(t.key);
      try {
        target_->on_processing_time(t);
      } catch (const OperatorFailure&) {
        throw;
      } catch (const TaskCanceled&) {
        throw;
      } catch (const std::exception& e) {
        throw OperatorFailure(operator_name_, e.what());
      } catch (...) {
        throw OperatorFailure(operator_name_, kNotAStdException);
      }
    }
    schedule_processing();
  }

  std::string operator_name_;
  state::KeyedStateBackend* backend_;
  ProcessingTimeService* pts_;
  Triggerable* target_;
  TimerDomain event_;
  TimerDomain processing_;
  Timestamp watermark_ = kMinTimestamp;
  Timestamp scheduled_ = kMaxTimestamp;
};

}  // namespace weir::runtime
