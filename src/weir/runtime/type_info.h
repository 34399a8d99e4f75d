#pragma once
// TypeInfo<T>: the bridge between typed operators and the type-erased graph and task. The API
// records one per stream; the task asks it to build outputs and input dispatchers for T.
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "weir/common/error.h"
#include "weir/common/serializer.h"
#include "weir/runtime/operator_failure.h"
#include "weir/runtime/record_writer_output.h"
#include "weir/runtime/stream_operator.h"

namespace weir::runtime {

//! Decodes records of one input from network bytes and hands them to the operator.
class RecordDispatcher {
 public:
  virtual ~RecordDispatcher() = default;
  virtual void dispatch(DataInput& in) = 0;
};

class TypeInfoBase {
 public:
  virtual ~TypeInfoBase() = default;
  virtual const std::type_info& type() const = 0;
  virtual std::unique_ptr<OutputBase> chaining_output(StreamOperator* target, int input) const = 0;
  virtual std::unique_ptr<OutputBase> broadcasting_output(std::vector<OutputBase*> outs) const = 0;
  virtual std::unique_ptr<OutputBase> network_output(network::ResultPartition* p, const PartitionerSpec& spec,
                                                     int subtask, int max_parallelism) const = 0;
  virtual std::unique_ptr<OutputBase> discarding_output() const = 0;
  virtual std::unique_ptr<RecordDispatcher> dispatcher(StreamOperator* target, int input) const = 0;
  //! Of a run of complete frames sent over a hash-partitioned edge, keeps only the records whose key
  //! falls in `range` (restoring unaligned in-flight data at another parallelism).
  virtual std::string keep_key_groups(std::string_view frames, const PartitionerSpec& spec,
                                      int32_t max_parallelism, KeyGroupRange range) const = 0;
};

namespace detail {
template <typename T>
Input<T>* typed_input(StreamOperator* op, int input) {
  auto* in = dynamic_cast<Input<T>*>(op->input(input));
  if (!in)
    throw JobDefinitionError("operator '" + op->runtime().name + "' input " + std::to_string(input) +
                             " does not accept records of type " + typeid(T).name());
  return in;
}

// Calls into an operator and names it in any error the user's code raised.
template <typename T>
inline void deliver(Input<T>* in, const std::string& name, const T& v, Timestamp ts) {
  try {
    in->process_element(v, ts);
  } catch (const OperatorFailure&) {
    throw;
  } catch (const TaskCanceled&) {
    throw;
  } catch (const std::exception& e) {
    throw OperatorFailure(name, e.what());
  } catch (...) {
    throw OperatorFailure(name, kNotAStdException);
  }
}
}  // namespace detail

//! Calls the next operator of the chain directly: no serialization, no copy.
template <typename T>
class ChainingOutput final : public Output<T> {
 public:
  ChainingOutput(StreamOperator* target, int input)
      : target_(target), input_(input), in_(detail::typed_input<T>(target, input)) {}
  void collect(const T& v, Timestamp ts) override { detail::deliver(in_, target_->runtime().name, v, ts); }
  void emit_watermark(Timestamp wm) override { target_->process_watermark(wm, input_); }
  void emit_watermark_status(bool idle) override { target_->process_watermark_status(idle, input_); }

 private:
  StreamOperator* target_;
  int input_;
  Input<T>* in_;
};

template <typename T>
class TypedDispatcher final : public RecordDispatcher {
 public:
  TypedDispatcher(StreamOperator* target, int input)
      : target_(target), in_(detail::typed_input<T>(target, input)) {}
  void dispatch(DataInput& in) override {
    Timestamp ts = in.read_fixed<int64_t>();
    if constexpr (kReuse) {
      // Operators get records as const T& and copy what they keep, so one value serves every record
      // of this input: strings and vectors keep their buffers, and a record allocates only when it
      // outgrows the one before (a bid's url and extra exceed std::string's inline bytes).
      read_into(in, scratch_);
      detail::deliver(in_, target_->runtime().name, scratch_, ts);
    } else {
      T v = Serializer<T>::read(in);
      detail::deliver(in_, target_->runtime().name, v, ts);
    }
  }

 private:
  struct Nothing {};
  static constexpr bool kReuse = std::is_default_constructible_v<T> && std::is_move_assignable_v<T>;
  StreamOperator* target_;
  Input<T>* in_;
  [[no_unique_address]] std::conditional_t<kReuse, T, Nothing> scratch_{};
};

template <typename T>
class TypeInfo final : public TypeInfoBase {
 public:
  static std::shared_ptr<TypeInfoBase> get() {
    static std::shared_ptr<TypeInfoBase> info = std::make_shared<TypeInfo<T>>();
    return info;
  }
  const std::type_info& type() const override { return typeid(T); }
  std::unique_ptr<OutputBase> chaining_output(StreamOperator* target, int input) const override {
    return std::make_unique<ChainingOutput<T>>(target, input);
  }
  std::unique_ptr<OutputBase> broadcasting_output(std::vector<OutputBase*> outs) const override {
    std::vector<Output<T>*> typed;
    for (auto* o : outs) typed.push_back(static_cast<Output<T>*>(o));
    return std::make_unique<BroadcastingOutput<T>>(std::move(typed));
  }
  std::unique_ptr<OutputBase> network_output(network::ResultPartition* p, const PartitionerSpec& spec,
                                             int subtask, int max_parallelism) const override {
    return std::make_unique<RecordWriterOutput<T>>(p, spec, subtask, max_parallelism);
  }
  std::unique_ptr<OutputBase> discarding_output() const override {
    return std::make_unique<DiscardingOutput<T>>();
  }
  std::unique_ptr<RecordDispatcher> dispatcher(StreamOperator* target, int input) const override {
    return std::make_unique<TypedDispatcher<T>>(target, input);
  }
  std::string keep_key_groups(std::string_view frames, const PartitionerSpec& spec, int32_t max_parallelism,
                              KeyGroupRange range) const override {
    using KeyFn = typename RecordWriterOutput<T>::KeyFn;
    const auto* key_fn = static_cast<const KeyFn*>(spec.key_bytes.get());
    if (spec.kind != PartitionerKind::kHash || !key_fn)
      throw WeirError("internal: keep_key_groups on an edge that is not hash-partitioned");
    std::string out;
    DataOutput key;
    network::for_each_frame(frames,
                            [&](network::ElementKind kind, std::string_view frame, std::string_view payload) {
                              if (kind != network::ElementKind::kRecord) return;
                              DataInput in(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
                              in.skip_fixed<int64_t>();  // timestamp
                              T v = Serializer<T>::read(in);
                              key.clear();
                              (*key_fn)(v, key);
                              if (range.contains(key_group_for_key_bytes(key.view(), max_parallelism)))
                                out.append(frame);
                            });
    return out;
  }
};

}  // namespace weir::runtime
