#pragma once
// A Kafka source subtask: KafkaPartitionReader's records through the deserializer into the stream, with the
// record's Kafka timestamp as its event time. Checkpoints carry one split per partition (its next offset).
//
// Threading: the source's task thread only.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/connectors/kafka/kafka_deserializer.h"
#include "weir/connectors/kafka/kafka_error.h"
#include "weir/connectors/kafka/kafka_partition_reader.h"
#include "weir/functions/source_operator.h"

namespace weir::kafka {

template <typename T>
class KafkaSourceReader final : public SourceReader<T> {
 public:
  KafkaSourceReader(KafkaSourceSettings settings, KafkaRecordDeserializer<T> deserializer)
      : settings_(std::move(settings)), deserializer_(std::move(deserializer)) {}

  void open(const SourceContext& ctx) override {
    reader_ = std::make_unique<KafkaPartitionReader>(settings_, ctx.subtask_index, ctx.parallelism);
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
      if (r.timestamp_ms)
        out.collect(*value, *r.timestamp_ms);
      else
        out.collect(*value);
      ++emitted;
    }
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
  void notify_checkpoint_complete(int64_t checkpoint_id) override {
    reader_->checkpoint_complete(checkpoint_id);
  }

  //! The partitions this subtask reads and where it stands in each (tests and metrics).
  const KafkaPartitionReader& partitions() const { return *reader_; }

 private:
  KafkaSourceSettings settings_;
  KafkaRecordDeserializer<T> deserializer_;
  std::unique_ptr<KafkaPartitionReader> reader_;
};

}  // namespace weir::kafka
