#pragma once
// Sources are polled by their task's mailbox loop: emit_next() emits a bounded batch and says whether
// more is available now, later, or never. Between batches the task runs timers and mailbox actions,
// which is where checkpoint triggers will run.
#include "weir/runtime/stream_operator.h"

namespace weir::runtime {

enum class [[nodiscard]] InputStatus{kMoreAvailable, kNothingAvailable, kEndOfInput};

class SourceOperatorBase : public StreamOperator {
 public:
  int num_inputs() const override { return 0; }
  virtual InputStatus emit_next(int max_records) = 0;
  //! Bounded sources end with the maximum watermark so every pending event-time window fires. A source that
  //! reported itself idle (e.g. Kafka, once all its partitions ended) becomes active first, as a watermark
  //! makes a stream active in Flink: downstream ignores the watermarks of idle inputs.
  void finish() override {
    rt_.output->emit_watermark_status(false);
    rt_.output->emit_watermark(kMaxTimestamp);
  }
};

}  // namespace weir::runtime
