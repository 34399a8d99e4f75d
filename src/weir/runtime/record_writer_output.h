#pragma once
// The network end of a chain: serializes each record once and writes it to the subpartition(s) the
// edge's partitioner selects.
#include <random>

#include "weir/common/data_io.h"
#include "weir/common/key_group.h"
#include "weir/common/serializer.h"
#include "weir/network/result_partition.h"
#include "weir/runtime/output.h"
#include "weir/runtime/partitioner.h"

namespace weir::runtime {

template <typename T>
class RecordWriterOutput final : public Output<T> {
 public:
  using KeyFn = std::function<void(const T&, DataOutput&)>;
  RecordWriterOutput(network::ResultPartition* partition, const PartitionerSpec& spec, int subtask,
                     int max_parallelism)
      : partition_(partition),
        kind_(spec.kind),
        n_(partition->num_subpartitions()),
        next_(subtask % std::max(1, partition->num_subpartitions())),
        max_parallelism_(max_parallelism),
        rng_(static_cast<uint64_t>(subtask) * 7919 + 17) {
    if (kind_ == PartitionerKind::kHash) key_fn_ = static_cast<KeyFn*>(spec.key_bytes.get());
  }

  void collect(const T& v, Timestamp ts) override {
    scratch_.clear();
    scratch_.write_fixed<int64_t>(ts);
    Serializer<T>::write(scratch_, v);
    std::string_view bytes = scratch_.view();
    partition_->count_record();
    switch (kind_) {
      case PartitionerKind::kForward:
      case PartitionerKind::kGlobal:
        partition_->write(0, network::ElementKind::kRecord, bytes);
        break;
      case PartitionerKind::kRebalance:
      case PartitionerKind::kRescale:
        partition_->write(next_, network::ElementKind::kRecord, bytes);
        if (++next_ == n_) next_ = 0;
        break;
      case PartitionerKind::kShuffle:
        partition_->write(static_cast<int>(rng_() % n_), network::ElementKind::kRecord, bytes);
        break;
      case PartitionerKind::kBroadcast:
        partition_->broadcast(network::ElementKind::kRecord, bytes);
        break;
      case PartitionerKind::kHash: {
        key_scratch_.clear();
        (*key_fn_)(v, key_scratch_);
        KeyGroup kg = key_group_for_key_bytes(key_scratch_.view(), max_parallelism_);
        partition_->write(subtask_for_key_group(kg, max_parallelism_, n_), network::ElementKind::kRecord,
                          bytes);
        break;
      }
    }
  }
  void emit_watermark(Timestamp wm) override {
    partition_->broadcast(network::ElementKind::kWatermark,
                          std::string_view(reinterpret_cast<const char*>(&wm), sizeof(wm)));
  }
  void emit_watermark_status(bool idle) override {
    char b = idle ? 1 : 0;
    partition_->broadcast(network::ElementKind::kWatermarkStatus, std::string_view(&b, 1));
  }

 private:
  network::ResultPartition* partition_;
  PartitionerKind kind_;
  int n_;
  int next_;
  int max_parallelism_;
  KeyFn* key_fn_ = nullptr;
  std::mt19937_64 rng_;
  DataOutput scratch_;
  DataOutput key_scratch_;
};

}  // namespace weir::runtime
