#pragma once
// Where an operator's results go. A typed Output<T> is either the next operator in the chain, a
// network writer, or a fan-out to several of these. Watermarks and watermark status travel on the
// same path as records.
#include <vector>

#include "weir/common/time.h"

namespace weir::runtime {

class OutputBase {
 public:
  virtual ~OutputBase() = default;
  virtual void emit_watermark(Timestamp wm) = 0;
  virtual void emit_watermark_status(bool idle) = 0;
};

template <typename T>
class Output : public OutputBase {
 public:
  virtual void collect(const T& value, Timestamp ts) = 0;
};

//! An output with no consumer (an unused side output, or a sink's output).
template <typename T>
class DiscardingOutput final : public Output<T> {
 public:
  void collect(const T&, Timestamp) override {}
  void emit_watermark(Timestamp) override {}
  void emit_watermark_status(bool) override {}
};

class InputBase {
 public:
  virtual ~InputBase() = default;
};

//! The typed entry point of an operator input.
template <typename T>
class Input : public InputBase {
 public:
  virtual void process_element(const T& value, Timestamp ts) = 0;
};

//! Sends everything to several outputs (an operator with more than one consumer).
template <typename T>
class BroadcastingOutput final : public Output<T> {
 public:
  explicit BroadcastingOutput(std::vector<Output<T>*> outs) : outs_(std::move(outs)) {}
  void collect(const T& v, Timestamp ts) override {
    for (auto* o : outs_) o->collect(v, ts);
  }
  void emit_watermark(Timestamp wm) override {
    for (auto* o : outs_) o->emit_watermark(wm);
  }
  void emit_watermark_status(bool idle) override {
    for (auto* o : outs_) o->emit_watermark_status(idle);
  }

 private:
  std::vector<Output<T>*> outs_;
};

}  // namespace weir::runtime
