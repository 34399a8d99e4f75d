#pragma once
// A Kafka source subtask: KafkaPartitionReader's records through the deserializer into the stream, with the
// record's Kafka timestamp (or the timestamp assigner's) as its event time, and, with a watermark strategy,
// watermarks per partition. Checkpoints carry one split per partition (its next offset).
//
// Threading: the source's task thread only.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/connectors/kafka/kafka_deserializer.h"
#include "weir/connectors/kafka/kafka_error.h"
#include "weir/connectors/kafka/kafka_partition_reader.h"
#include "weir/connectors/kafka/partition_watermarks.h"
#include "weir/functions/source_operator.h"

namespace weir::kafka {

template <typename T>
class KafkaSourceReader final : public SourceReader<T> {
 public:
  //! Timestamp of a record from its value and its Kafka timestamp (Flink's TimestampAssigner).
  using TimestampAssigner = std::function<Timestamp(const T&, Timestamp)>;

  KafkaSourceReader(KafkaSourceSettings settings, KafkaRecordDeserializer<T> deserializer,
                    TimestampAssigner assigner = {})
      : settings_(std::move(settings)),
        deserializer_(std::move(deserializer)),
        assigner_(std::move(assigner)),
        watermarks_(settings_.out_of_orderness_ms, settings_.idle_timeout) {}

  void open(const SourceContext& ctx) override {
    reader_ = std::make_unique<KafkaPartitionReader>(settings_, ctx.subtask_index, ctx.parallelism);
    // Records that arrive while the task waits wake it (it polls without waiting, then waits up to 10 ms).
    if (ctx.wake_task) reader_->on_records_available(ctx.wake_task);
  }

  InputStatus poll_next(SourceOutput<T>& out, int max_records) override {
    int emitted = 0;
    while (emitted < max_records) {
      // Never wait here: the task waits between polls and runs checkpoints and timers meanwhile.
      auto m = reader_->next(std::chrono::milliseconds(0));
      if (!m) break;
      KafkaRecordView r = m->view();
      std::optional<T> value;
      try {
        value.emplace(deserializer_(r));
      } catch (const std::exception& e) {
        if (settings_.skip_undecodable) continue;
        throw KafkaError("cannot deserialize the record at offset " + std::to_string(r.offset) + " of " +
                         describe_partition(std::string(r.topic), r.partition) + ": " + e.what());
      }
      Timestamp ts = r.timestamp_ms ? *r.timestamp_ms : kNoTimestamp;
      if (assigner_) ts = assigner_(*value, ts);
      if (settings_.per_partition_watermarks && ts != kNoTimestamp)
        watermarks_.on_record(reader_->last_partition(), ts, PartitionWatermarks::Clock::now());
      out.collect(*value, ts);
      ++emitted;
    }
    if (settings_.per_partition_watermarks) emit_watermark(out);
    if (emitted > 0) return InputStatus::kMoreAvailable;
    return reader_->finished() ? InputStatus::kEndOfInput : InputStatus::kNothingAvailable;
  }

  void close() override { reader_.reset(); }

  std::optional<std::vector<std::string>> snapshot_splits() override { return snapshot_splits_at(0); }
  std::optional<std::vector<std::string>> snapshot_splits_at(int64_t checkpoint_id) override {
    std::vector<std::string> out;
    for (const auto& s : reader_->snapshot(checkpoint_id)) out.push_back(s.encode());
    return out;
  }
  void restore_splits(const std::vector<std::string>& splits) override {
    std::vector<KafkaPartitionSplit> decoded;
    for (const auto& s : splits) decoded.push_back(KafkaPartitionSplit::decode(s));
    reader_->restore(std::move(decoded));
  }
  void restore_job_splits(const std::vector<std::string>& all_splits) override {
    std::vector<TopicPartition> known;
    for (const auto& s : all_splits) known.push_back(KafkaPartitionSplit::decode(s).partition);
    reader_->restore_known(std::move(known));
  }
  //! Rescaled, a partition goes to the subtask discovery would give it to (partition_owner), so that after
  //! any restore a subtask's own splits are all the partitions the rule gives it, and discovery on a subtask
  //! restored at an unchanged parallelism never takes a partition another subtask reads.
  int split_owner(const std::string& split, int parallelism) const override {
    return partition_owner(KafkaPartitionSplit::decode(split).partition, parallelism);
  }
  void notify_checkpoint_complete(int64_t checkpoint_id) override {
    reader_->checkpoint_complete(checkpoint_id);
  }

  //! The partitions this subtask reads and where it stands in each (tests and metrics).
  const KafkaPartitionReader& partitions() const { return *reader_; }

 private:
  // Brings the partitions up to date (new ones count from now for idleness, finished ones no longer hold the
  // watermark back) and emits the watermark when it advanced, or the idle status when it changed.
  void emit_watermark(SourceOutput<T>& out) {
    auto now = PartitionWatermarks::Clock::now();
    for (const auto& [tp, split] : reader_->splits()) {
      if (split.finished())
        watermarks_.remove(tp);
      else
        watermarks_.add(tp, now);
    }
    PartitionWatermarks::Status st = watermarks_.current(now);
    if (st.idle != idle_ && !st.idle) out.mark_idle(idle_ = false);
    if (st.watermark && *st.watermark > last_watermark_) out.emit_watermark(last_watermark_ = *st.watermark);
    if (st.idle != idle_ && st.idle) out.mark_idle(idle_ = true);
  }

  KafkaSourceSettings settings_;
  KafkaRecordDeserializer<T> deserializer_;
  TimestampAssigner assigner_;
  std::unique_ptr<KafkaPartitionReader> reader_;
  PartitionWatermarks watermarks_;
  Timestamp last_watermark_ = kMinTimestamp;
  bool idle_ = false;
};

}  // namespace weir::kafka
