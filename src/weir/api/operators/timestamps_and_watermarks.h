#pragma once
// Assigns timestamps and generates watermarks per a WatermarkStrategy. Upstream watermarks are
// replaced by this operator's own, except the final maximum watermark of a bounded input.
#include <algorithm>

#include "weir/api/watermark_strategy.h"
#include "weir/common/config_options.h"
#include "weir/runtime/stream_operator.h"

namespace weir::ops {

template <typename T>
class TimestampsAndWatermarksOperator final : public runtime::StreamOperator, public runtime::Input<T> {
 public:
  explicit TimestampsAndWatermarksOperator(WatermarkStrategy<T> s) : strategy_(std::move(s)) {}
  runtime::InputBase* input(int i) override { return i == 0 ? this : nullptr; }

  void open() override {
    out_ = static_cast<runtime::Output<T>*>(rt_.output);
    interval_ = rt_.config->get_duration(options::kAutoWatermarkInterval).count();
    pts_ = rt_.processing_time;
    last_record_time_ = pts_->now();
    int64_t tick = interval_ > 0 ? interval_ : 0;
    if (strategy_.idle_timeout_ms > 0)
      tick = tick > 0 ? std::min(tick, strategy_.idle_timeout_ms) : strategy_.idle_timeout_ms;
    if (tick > 0 && (strategy_.emits_watermarks || strategy_.idle_timeout_ms > 0)) schedule(tick);
  }

  void process_element(const T& v, Timestamp ts) override {
    Timestamp t = strategy_.assigner ? strategy_.assigner(v, ts) : ts;
    if (t != kNoTimestamp) max_ts_ = std::max(max_ts_, t);
    if (idle_) {
      idle_ = false;
      out_->emit_watermark_status(false);
    }
    if (strategy_.idle_timeout_ms > 0) last_record_time_ = pts_->now();
    out_->collect(v, t);
    if (interval_ == 0) emit_watermark();
  }

  //! Upstream watermarks are replaced by this operator's own; only the end-of-input maximum passes.
  void process_watermark(Timestamp wm, int) override {
    if (wm == kMaxTimestamp) finish();
  }
  void process_watermark_status(bool, int) override {}

  void finish() override {
    // End of a bounded input: everything has arrived.
    if (last_emitted_ < kMaxTimestamp) {
      last_emitted_ = kMaxTimestamp;
      out_->emit_watermark(kMaxTimestamp);
    }
  }

 private:
  void schedule(int64_t tick) {
    pts_->register_timer(pts_->now() + tick, [this, tick](Timestamp now) {
      if (strategy_.idle_timeout_ms > 0 && !idle_ && now - last_record_time_ >= strategy_.idle_timeout_ms) {
        idle_ = true;
        out_->emit_watermark_status(true);
      }
      if (!idle_ && interval_ > 0) emit_watermark();
      schedule(tick);
    });
  }
  void emit_watermark() {
    if (!strategy_.emits_watermarks || max_ts_ == kMinTimestamp) return;
    Timestamp wm = max_ts_ - strategy_.out_of_orderness_ms - 1;
    if (wm > last_emitted_) {
      last_emitted_ = wm;
      out_->emit_watermark(wm);
    }
  }

  WatermarkStrategy<T> strategy_;
  runtime::Output<T>* out_ = nullptr;
  runtime::ProcessingTimeService* pts_ = nullptr;
  int64_t interval_ = 200;
  Timestamp max_ts_ = kMinTimestamp;
  Timestamp last_emitted_ = kMinTimestamp;
  Timestamp last_record_time_ = 0;
  bool idle_ = false;
};

}  // namespace weir::ops
