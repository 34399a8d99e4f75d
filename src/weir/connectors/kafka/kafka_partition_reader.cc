#include "weir/connectors/kafka/kafka_partition_reader.h"

#include <librdkafka/rdkafka.h>

#include <regex>

#include "weir/common/log.h"
#include "weir/connectors/kafka/kafka_error.h"

namespace weir::kafka {
namespace {

// How many uncompleted checkpoints' offsets a reader keeps for committing; older ones are dropped (their
// commit would be overtaken by a later one anyway).
constexpr size_t kMaxPendingCommits = 32;

// Errors a consumer poll reports that no retry inside librdkafka will cure: the task fails with them.
// Others (a broker connection lost, a leader moving) are transient and librdkafka recovers by itself.
bool is_permanent(int code) {
  switch (code) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__SSL:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
      return true;
    default:
      return false;
  }
}

}  // namespace

int partition_owner(const TopicPartition& tp, int parallelism) {
  // FNV-1a of the topic name: the same in every process (std::hash is not guaranteed to be).
  uint32_t h = 2166136261u;
  for (unsigned char c : tp.topic) h = (h ^ c) * 16777619u;
  int start = static_cast<int>(((h * 31u) & 0x7fffffffu) % static_cast<uint32_t>(parallelism));
  return (start + tp.partition) % parallelism;
}

KafkaPartitionReader::KafkaPartitionReader(KafkaSourceSettings settings, int subtask, int parallelism)
    : settings_(std::move(settings)), subtask_(subtask), parallelism_(parallelism) {
  KafkaProperties props = settings_.properties;
  props["bootstrap.servers"] = settings_.bootstrap_servers;
  // librdkafka's consumer needs a group even when it only assigns; without the user's, offsets are not
  // committed.
  props["group.id"] = settings_.group_id.empty() ? "weir-kafka-source" : settings_.group_id;
  props.emplace("client.id", "weir-kafka-source-" + std::to_string(subtask));
  // Offsets out of range (retention deleted them): re-read what is left rather than skip to the end.
  props.emplace("auto.offset.reset", "earliest");
  // librdkafka fetches a partition only while fewer than queued.min.messages (default 100,000) of it are
  // queued: with small records the fetcher then idles, and the source reads ~3x slower than the broker serves
  // (benchmarks/BENCHMARKS.md, "Side by side with Flink"). The memory bound stays queued.max.messages.kbytes.
  props.emplace("queued.min.messages", "1000000");
  consumer_ = std::make_unique<KafkaConsumer>(std::move(props));
}

void KafkaPartitionReader::restore(std::vector<KafkaPartitionSplit> splits) {
  restored_ = std::move(splits);
}

void KafkaPartitionReader::restore_known(std::vector<TopicPartition> partitions) {
  known_.insert(std::make_move_iterator(partitions.begin()), std::make_move_iterator(partitions.end()));
}

std::map<std::string, int32_t> KafkaPartitionReader::subscribed(const std::map<std::string, int32_t>& listed,
                                                                bool require_all) const {
  std::map<std::string, int32_t> chosen;
  if (!settings_.topic_pattern.empty()) {
    std::regex pattern(settings_.topic_pattern);
    for (const auto& [name, partitions] : listed)
      if (std::regex_match(name, pattern)) chosen.emplace(name, partitions);
  } else {
    for (const auto& name : settings_.topics) {
      auto it = listed.find(name);
      if (it != listed.end()) {
        chosen.emplace(name, it->second);
      } else if (require_all) {
        throw KafkaError("topic '" + name + "' does not exist on " + consumer_->client().where(),
                         RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
      }
    }
  }
  return chosen;
}

std::vector<TopicPartition> KafkaPartitionReader::discover_partitions() {
  auto chosen = subscribed(consumer_->client().list_topics(settings_.client_timeout), /*require_all=*/true);
  std::vector<TopicPartition> mine;
  for (const auto& [name, partitions] : chosen)
    for (int32_t p = 0; p < partitions; ++p)
      if (TopicPartition tp{name, p}; partition_owner(tp, parallelism_) == subtask_) mine.push_back(tp);
  return mine;
}

void KafkaPartitionReader::add_discovered() {
  auto listing = discovery_->take();
  if (!listing) return;
  std::map<TopicPartition, int64_t> added;
  for (const auto& [name, partitions] : subscribed(*listing, /*require_all=*/false))
    for (int32_t p = 0; p < partitions; ++p) {
      TopicPartition tp{name, p};
      if (splits_.count(tp) || known_.count(tp) || partition_owner(tp, parallelism_) != subtask_) continue;
      splits_[tp] = KafkaPartitionSplit{tp, KafkaPartitionSplit::kEarliest, KafkaPartitionSplit::kNoStop};
      added[tp] = KafkaPartitionSplit::kEarliest;
    }
  if (added.empty()) return;
  consumer_->add_partitions(added);
  unfinished_ += added.size();
  log::get("connectors")
      .info("Kafka source subtask {} discovered {} new partitions, first {}", subtask_, added.size(),
            describe_partition(added.begin()->first.topic, added.begin()->first.partition));
}

void KafkaPartitionReader::set_up() {
  set_up_ = true;
  const bool restored = restored_.has_value();
  if (restored_) {
    for (auto& s : *restored_) splits_[s.partition] = s;
    restored_.reset();
  } else {
    auto partitions = discover_partitions();
    auto start = settings_.starting_offsets.resolve(*consumer_, partitions, settings_.client_timeout);
    std::map<TopicPartition, int64_t> stop;
    if (settings_.stopping_offsets)
      stop = settings_.stopping_offsets->resolve(*consumer_, partitions, settings_.client_timeout);
    for (const auto& tp : partitions) {
      KafkaPartitionSplit s{tp, start.at(tp), KafkaPartitionSplit::kNoStop};
      if (settings_.stopping_offsets) s.stop_offset = stop.at(tp);
      splits_[tp] = s;
    }
  }
  std::map<TopicPartition, int64_t> assignment;
  for (const auto& [tp, s] : splits_)
    if (!s.finished()) assignment[tp] = s.next_offset;
  unfinished_ = assignment.size();
  if (!assignment.empty()) consumer_->assign(assignment);
  if (settings_.discovers_partitions()) {
    // A fresh subtask has just listed the topics; a restored one looks at once for partitions added since
    // the checkpoint.
    auto first = restored ? std::chrono::milliseconds(0) : settings_.partition_discovery_interval;
    auto timeout = std::min(settings_.client_timeout, std::chrono::milliseconds(5000));
    discovery_ = std::make_unique<PartitionDiscovery>(
        [this, timeout] {
          // Only the client is shared with the task thread: librdkafka's metadata calls are thread-safe.
          return consumer_->client().list_topics(timeout);
        },
        first, settings_.partition_discovery_interval);
  }
}

void KafkaPartitionReader::mark_finished(KafkaPartitionSplit& split) {
  --unfinished_;
  consumer_->pause({split.partition});
}

std::unique_ptr<KafkaMessage> KafkaPartitionReader::next(std::chrono::milliseconds timeout) {
  if (!set_up_) set_up();
  if (discovery_) add_discovered();
  if (unfinished_ == 0) return nullptr;
  for (auto wait = timeout;; wait = std::chrono::milliseconds(0)) {
    auto m = consumer_->poll(wait);
    if (!m) return nullptr;
    if (m->error() != RD_KAFKA_RESP_ERR_NO_ERROR && !m->partition_eof()) {
      if (!is_permanent(m->error())) continue;
      std::string where =
          m->topic().empty() ? std::string() : " in " + describe_partition(m->topic(), m->partition());
      throw KafkaError("Kafka source" + where + " on " + consumer_->client().where() +
                           " failed: " + m->error_text() + " (" + kafka_error_name(m->error()) + ")",
                       m->error());
    }
    KafkaPartitionSplit* found = split_of(*m);
    if (!found || found->finished()) continue;
    KafkaPartitionSplit& split = *found;
    if (m->partition_eof()) {
      // The consumer is at the partition's end: everything before the end offset was delivered (control
      // records of transactions occupy offsets but are never delivered).
      split.next_offset = std::max(split.next_offset, m->offset());
      if (split.finished()) mark_finished(split);
      continue;
    }
    if (m->offset() < split.next_offset) continue;
    if (m->offset() >= split.stop_offset) {
      split.next_offset = split.stop_offset;
      mark_finished(split);
      continue;
    }
    split.next_offset = m->offset() + 1;
    if (split.finished()) mark_finished(split);
    last_ = &split;
    return m;
  }
}

KafkaPartitionSplit* KafkaPartitionReader::split_of(const KafkaMessage& m) {
  auto key = std::make_pair(m.topic_handle(), m.partition());
  if (auto it = by_handle_.find(key); it != by_handle_.end()) return it->second;
  auto it = splits_.find({m.topic(), m.partition()});
  if (it == splits_.end()) return nullptr;
  return by_handle_[key] = &it->second;
}

bool KafkaPartitionReader::finished() const {
  return settings_.stopping_offsets && set_up_ && unfinished_ == 0;
}

std::vector<KafkaPartitionSplit> KafkaPartitionReader::snapshot(int64_t checkpoint_id) {
  // A checkpoint before the first read still has to name this subtask's partitions and their offsets.
  if (!set_up_) set_up();
  std::vector<KafkaPartitionSplit> out;
  std::map<TopicPartition, int64_t> offsets;
  for (const auto& [tp, s] : splits_) {
    out.push_back(s);
    if (s.next_offset >= 0) offsets[tp] = s.next_offset;  // kEarliest: nothing read yet, nothing to commit
  }
  pending_commits_.emplace_back(checkpoint_id, std::move(offsets));
  if (pending_commits_.size() > kMaxPendingCommits) pending_commits_.pop_front();
  return out;
}

void KafkaPartitionReader::checkpoint_complete(int64_t checkpoint_id) {
  while (!pending_commits_.empty() && pending_commits_.front().first <= checkpoint_id) {
    if (pending_commits_.front().first == checkpoint_id && !settings_.group_id.empty())
      consumer_->commit_async(pending_commits_.front().second);
    pending_commits_.pop_front();
  }
}

}  // namespace weir::kafka
