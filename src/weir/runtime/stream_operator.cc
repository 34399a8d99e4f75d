#include "weir/runtime/stream_operator.h"

#include <algorithm>

namespace weir::runtime {

void StreamOperator::setup(OperatorRuntime rt, std::unique_ptr<state::KeyedStateBackend> backend) {
  rt_ = std::move(rt);
  backend_ = std::move(backend);
  input_wms_.assign(num_inputs(), kMinTimestamp);
  input_idle_.assign(num_inputs(), false);
}

InternalTimerService* StreamOperator::create_timer_service(Triggerable* target) {
  if (!backend_) throw WeirError("timers need a keyed stream (operator '" + rt_.name + "')");
  if (!timers_) timers_ = std::make_unique<InternalTimerService>(backend_.get(), rt_.processing_time, target);
  return timers_.get();
}

void StreamOperator::process_watermark(Timestamp wm, int input) {
  if (wm <= input_wms_[input]) return;
  input_wms_[input] = wm;
  advance_combined();
}

void StreamOperator::process_watermark_status(bool idle, int input) {
  input_idle_[input] = idle;
  bool all_idle = std::all_of(input_idle_.begin(), input_idle_.end(), [](bool b) { return b; });
  if (all_idle != emitted_idle_) {
    emitted_idle_ = all_idle;
    rt_.output->emit_watermark_status(all_idle);
  }
  if (!all_idle) advance_combined();
}

void StreamOperator::advance_combined() {
  Timestamp combined = kMaxTimestamp;
  bool any_active = false;
  for (size_t i = 0; i < input_wms_.size(); ++i) {
    if (input_idle_[i]) continue;
    any_active = true;
    combined = std::min(combined, input_wms_[i]);
  }
  if (!any_active || combined <= current_wm_) return;
  current_wm_ = combined;
  on_watermark(combined);
  rt_.output->emit_watermark(combined);
}

}  // namespace weir::runtime
