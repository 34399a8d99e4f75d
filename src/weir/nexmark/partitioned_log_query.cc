// q10 (log to file system): every bid with its partition columns dt = DATE_FORMAT(dateTime,
// 'yyyy-MM-dd') and hm = DATE_FORMAT(dateTime, 'HH:mm'), written into a directory partitioned Hive-style
// by (dt, hm), as Flink's filesystem connector does with PARTITIONED BY (dt, hm):
// DIR/dt=2026-12-04/hm=15:40/part-*. Each partition directory holds part files per sink subtask, written
// by a FilePartWriter (file_sink.h) with its exactly-once life cycle: without checkpointing a part is
// published when the subtask's stream moves on to another minute (or its input ends); with checkpointing
// by the checkpoint that follows. The rows are JSON lines with every column (dt and hm too). Not done:
// Flink's partition commit policy (a _SUCCESS file once the watermark passes a partition's end plus
// 1 min).
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weir/connectors/file_sink.h"
#include "weir/nexmark/query_builders.h"
#include "weir/nexmark/query_plumbing.h"
#include "weir/nexmark/rows.h"
#include "weir/nexmark/time_format.h"

namespace weir::nexmark::detail {
namespace {

namespace stdfs = std::filesystem;

//! JSON lines into dt=.../hm=... subdirectories of a directory, exactly once.
class PartitionedLogSink final : public SinkFunction<Q10Row>,
                                 public CheckpointedFunction,
                                 public CheckpointListener {
 public:
  explicit PartitionedLogSink(std::string dir) : dir_(std::move(dir)) {}
  PartitionedLogSink(const PartitionedLogSink& o) : dir_(o.dir_) {}

  void initialize_state(RuntimeContext& ctx, bool restored) override {
    state_ = &ctx.get_union_list_state(ListStateDescriptor<std::string>("q10-pending-part-files"));
    transactional_ = connectors::part_files_are_transactional(ctx);
    job_prefix_ = ctx.get_job_id().substr(0, 8);
    attempt_ = ctx.get_attempt_number();
    subtask_ = ctx.get_index_of_this_subtask();
    if (restored) recover(state_->get(), ctx.get_number_of_parallel_subtasks());
    state_->clear();
  }
  void snapshot_state(int64_t id) override {
    std::vector<std::string> pending;
    for (auto& [dir, w] : writers_) {
      w->prepare_commit(id);
      for (auto& e : w->pending_state()) pending.push_back(std::move(e));
    }
    state_->update(pending);
  }
  void notify_checkpoint_complete(int64_t id) override {
    for (auto& [dir, w] : writers_) w->commit(id);
  }
  void invoke(const Q10Row& r, const Context&) override {
    // The partition changes once a minute of event time: look it up only then.
    int64_t minute = minute_number(r.dateTime);
    if (minute != current_minute_ || !current_) {
      // Without checkpointing, the partition the stream leaves is published now, so a long run keeps
      // one part file open per subtask, not one per minute it passed (a late row opens a new part).
      // With checkpointing, each checkpoint closes the open parts.
      if (current_ && !transactional_) current_->finish();
      current_minute_ = minute;
      current_ = &writer((stdfs::path(dir_) / ("dt=" + r.dt) / ("hm=" + r.hm)).string());
    }
    line_.clear();
    connectors::append_json(line_, r);
    current_->write_line(line_);
  }
  void finish() override {
    for (auto& [dir, w] : writers_) w->finish();
  }

 private:
  connectors::FilePartWriter& writer(const std::string& dir) {
    auto& w = writers_[dir];
    if (!w) {
      w = std::make_unique<connectors::FilePartWriter>();
      w->open(dir, job_prefix_, attempt_, subtask_, transactional_);
    }
    return *w;
  }

  //! Every partition directory that exists or that the restored pending files name recovers its files:
  //! restored pending files are published, hidden files of earlier attempts are deleted.
  void recover(const std::vector<std::string>& restored, int parallelism) {
    std::map<std::string, std::vector<std::string>> by_dir;
    for (const auto& e : restored) {
      auto a = e.find('|'), b = e.rfind('|');
      if (a == std::string::npos || a == b)
        throw WeirError("q10 sink: malformed pending-file state '" + e + "'");
      by_dir[e.substr(a + 1, b - a - 1)].push_back(e);
    }
    std::error_code ec;
    for (const auto& day : stdfs::directory_iterator(dir_, ec)) {
      if (!day.is_directory() || !day.path().filename().string().starts_with("dt=")) continue;
      for (const auto& minute : stdfs::directory_iterator(day.path(), ec))
        if (minute.is_directory() && minute.path().filename().string().starts_with("hm="))
          by_dir.try_emplace(stdfs::absolute(minute.path()).string());
    }
    for (const auto& [dir, entries] : by_dir) writer(dir).recover(entries, parallelism);
  }

  std::string dir_;
  bool transactional_ = false;
  std::string job_prefix_;
  int attempt_ = 0;
  int subtask_ = 0;
  ListState<std::string>* state_ = nullptr;
  std::map<std::string, std::unique_ptr<connectors::FilePartWriter>> writers_;
  connectors::FilePartWriter* current_ = nullptr;
  int64_t current_minute_ = INT64_MIN;
  std::string line_;
};

//! Adds dt and hm to a bid; their text is made again only when the minute changes.
class PartitionColumns final : public FlatMapFunction<Bid, Q10Row> {
 public:
  void flat_map(const Bid& b, Collector<Q10Row>& out) override {
    int64_t m = minute_number(b.dateTime);
    if (m != minute_) {
      minute_ = m;
      int64_t day = day_number(b.dateTime);
      dt_ = format_day(day);
      hm_ = format_hour_minute(m - day * 24 * 60);
    }
    out.collect({b.auction, b.bidder, b.price, b.dateTime, b.extra, dt_, hm_});
  }

 private:
  int64_t minute_ = INT64_MIN;
  std::string dt_;
  std::string hm_;
};

}  // namespace

void build_q10(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto rows = bids_of(event_stream(env, o, BidColumns::kExtra))
                  .flat_map(PartitionColumns{}, "q10: Partition Columns");
  if (o.sink.kind == SinkSpec::Kind::kDirectory)
    rows.add_sink(PartitionedLogSink(o.sink.dir), "q10: Partitioned File Sink " + o.sink.dir);
  else
    write_rows(rows, o, "q10");
}

}  // namespace weir::nexmark::detail
