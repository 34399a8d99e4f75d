#include "weir/checkpoint/checkpoint_storage.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "weir/common/crc32c.h"
#include "weir/common/error.h"
#include "weir/fs/file_system.h"

namespace weir::checkpoint {

namespace {

constexpr int kMaxIndex = 1 << 20;  // bounds vertex and subtask indices read from a file

// A name a _metadata may give a file: relative, below the checkpoint directory.
bool relative_inside(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find("://") != std::string::npos) return false;
  size_t i = 0;
  while (i <= name.size()) {
    size_t j = name.find('/', i);
    if (j == std::string::npos) j = name.size();
    std::string_view seg(name.data() + i, j - i);
    if (seg.empty() || seg == "." || seg == "..") return false;
    i = j + 1;
  }
  return true;
}

nlohmann::json encode_task(const TaskStateHandle& t) {
  nlohmann::json j = {{"vertex", t.vertex},
                      {"subtask", t.subtask},
                      {"file", t.file},
                      {"size", t.size},
                      {"head", {t.head_offset, t.head_length}}};
  j["operators"] = nlohmann::json::array();
  for (const auto& op : t.operators) {
    nlohmann::json o = {{"id", op.operator_id}, {"state", op.has_state}};
    if (!op.key_groups.empty()) {
      o["key_group_first"] = op.key_groups.first;
      o["key_group_offsets"] = op.key_groups.offsets;
    }
    if (!op.keyed_state_file.empty()) o["keyed_state_file"] = op.keyed_state_file;
    j["operators"].push_back(std::move(o));
  }
  return j;
}

TaskStateHandle decode_task(const nlohmann::json& t) {
  TaskStateHandle h;
  h.vertex = t.at("vertex").get<int>();
  h.subtask = t.at("subtask").get<int>();
  h.file = t.at("file").get<std::string>();
  h.size = t.at("size").get<uint64_t>();
  if (h.vertex < 0 || h.vertex > kMaxIndex || h.subtask < 0 || h.subtask > kMaxIndex)
    throw SerializationError(fmt::format("task {}-{} has an index out of range", h.vertex, h.subtask));
  if (!relative_inside(h.file))
    throw SerializationError(fmt::format("it names the file '{}', which is outside the directory", h.file));
  if (t.contains("head")) {
    h.head_offset = t["head"].at(0).get<uint64_t>();
    h.head_length = t["head"].at(1).get<uint64_t>();
    if (h.head_offset > h.size || h.head_length > h.size - h.head_offset)
      throw SerializationError(fmt::format("the head of '{}' lies beyond its size", h.file));
  }
  if (t.contains("operators"))
    for (const auto& o : t["operators"]) {
      OperatorStateHandle op;
      op.operator_id = o.at("id").get<std::string>();
      op.has_state = o.at("state").get<bool>();
      if (o.contains("key_group_offsets")) {
        op.key_groups.first = o.at("key_group_first").get<KeyGroup>();
        op.key_groups.offsets = o["key_group_offsets"].get<std::vector<uint64_t>>();
        const auto& v = op.key_groups.offsets;
        if (op.key_groups.first < 0 || v.size() < 2 ||
            static_cast<int64_t>(op.key_groups.first) + static_cast<int64_t>(v.size()) - 1 > kMaxKeyGroups ||
            !std::is_sorted(v.begin(), v.end()) || v.back() > h.head_offset)
          throw SerializationError(fmt::format("the key-group offsets of operator '{}' in '{}' are malformed",
                                               op.operator_id, h.file));
      }
      if (o.contains("keyed_state_file")) {
        op.keyed_state_file = o["keyed_state_file"].get<std::string>();
        if (!relative_inside(op.keyed_state_file))
          throw SerializationError(
              fmt::format("it names the file '{}', which is outside the directory", op.keyed_state_file));
      }
      h.operators.push_back(std::move(op));
    }
  return h;
}

fs::Path dir_of(const std::string& path) {
  fs::Path p = fs::Path::parse(path);
  return p.name() == "_metadata" ? p.parent() : p;
}

}  // namespace

std::string encode_metadata(const CheckpointMetadata& m) {
  nlohmann::json j;
  j["format"] = "weir-checkpoint-2";
  j["job_id"] = m.job_id;
  j["checkpoint_id"] = m.checkpoint_id;
  j["timestamp"] = m.timestamp;
  j["savepoint"] = m.savepoint;
  j["vertices"] = nlohmann::json::array();
  for (const auto& v : m.vertices)
    j["vertices"].push_back({{"vertex", v.vertex},
                             {"name", v.name},
                             {"parallelism", v.parallelism},
                             {"max_parallelism", v.max_parallelism},
                             {"operator_ids", v.operator_ids}});
  j["tasks"] = nlohmann::json::array();
  for (const auto& t : m.tasks) j["tasks"].push_back(encode_task(t));
  std::string body = j.dump(1);
  return body + fmt::format("\n#crc32c={:08x}\n", crc32c(body));
}

std::string encode_task_handle(const TaskStateHandle& h) {
  return encode_task(h).dump();
}

TaskStateHandle decode_task_handle(std::string_view json, const std::string& what) {
  try {
    return decode_task(nlohmann::json::parse(json));
  } catch (const nlohmann::json::exception& e) {
    throw SerializationError("the state handle in " + what + " is malformed: " + e.what());
  } catch (const SerializationError& e) {
    throw SerializationError("the state handle in " + what + " is malformed: " + e.what());
  }
}

CheckpointMetadata decode_metadata(std::string_view bytes, const std::string& what) {
  auto pos = bytes.rfind("\n#crc32c=");
  if (pos == std::string_view::npos)
    throw SerializationError("'" + what + "' has no checksum: incomplete or not a checkpoint");
  std::string_view body = bytes.substr(0, pos);
  uint32_t stored = 0;
  try {
    stored = static_cast<uint32_t>(std::stoul(std::string(bytes.substr(pos + 9, 8)), nullptr, 16));
  } catch (const std::exception&) {
    throw SerializationError("'" + what + "' has a malformed checksum");
  }
  if (crc32c(body) != stored) throw SerializationError("'" + what + "' is corrupt: checksum mismatch");
  CheckpointMetadata m;
  try {
    auto j = nlohmann::json::parse(body);
    m.job_id = j.at("job_id").get<std::string>();
    m.checkpoint_id = j.at("checkpoint_id").get<int64_t>();
    m.timestamp = j.at("timestamp").get<int64_t>();
    m.savepoint = j.at("savepoint").get<bool>();
    if (j.contains("vertices"))
      for (const auto& v : j["vertices"]) {
        VertexInfo vi{v.at("vertex").get<int>(), v.at("name").get<std::string>(),
                      v.at("parallelism").get<int>(), v.at("max_parallelism").get<int>(),
                      v.at("operator_ids").get<std::vector<std::string>>()};
        if (vi.vertex < 0 || vi.vertex > kMaxIndex || vi.parallelism < 1 || vi.max_parallelism < 1 ||
            vi.max_parallelism > kMaxKeyGroups || vi.parallelism > vi.max_parallelism)
          throw SerializationError(
              fmt::format("vertex '{}' has an index or parallelism out of range", vi.name));
        m.vertices.push_back(std::move(vi));
      }
    if (j.contains("tasks"))
      for (const auto& t : j["tasks"]) m.tasks.push_back(decode_task(t));
  } catch (const nlohmann::json::exception& e) {
    throw SerializationError("'" + what + "' is malformed: " + e.what());
  } catch (const SerializationError& e) {
    throw SerializationError("'" + what + "' is malformed: " + e.what());
  }
  return m;
}

CheckpointStorage::CheckpointStorage(std::string base_dir, std::string job_id)
    : job_dir_(base_dir.empty() ? std::string() : (fs::Path::parse(base_dir) / job_id).str()) {}

std::string CheckpointStorage::checkpoint_dir(int64_t id) const {
  if (job_dir_.empty()) throw WeirError("no checkpoint directory: set execution.checkpointing.dir");
  return (fs::Path::parse(job_dir_) / fmt::format("chk-{}", id)).str();
}

TaskStateHandle CheckpointStorage::write_task_state(const std::string& dir, const TaskSnapshot& snapshot) {
  EncodedTaskSnapshot e = encode_task_snapshot(snapshot);
  e.handle.file = fmt::format("{}-{}", snapshot.vertex, snapshot.subtask);
  fs::Path p = fs::Path::parse(dir) / e.handle.file;
  fs::get(p)->write_file(p, e.bytes);
  return std::move(e.handle);
}

void CheckpointStorage::write_metadata(const std::string& dir, const CheckpointMetadata& m) const {
  fs::Path d = fs::Path::parse(dir);
  auto fs = fs::get(d);
  // shared/ belongs to checkpoints under the job directory (savepoints live elsewhere).
  if (!job_dir_.empty() && fs::Path::parse(job_dir_).contains(d))
    fs->mkdirs(fs::Path::parse(job_dir_) / "shared");
  fs->write_file(d / "_metadata", encode_metadata(m), fs::WriteMode::kNoOverwrite);
}

void CheckpointStorage::discard(const std::string& dir) const {
  try {
    fs::Path d = fs::Path::parse(dir);
    auto fs = fs::get(d);
    // _metadata first, so that a discard cut short (a crash, an error) leaves an incomplete checkpoint
    // that every reader skips, never a _metadata whose files are gone.
    fs->remove(d / "_metadata");
    fs->remove_all(d);
  } catch (const std::exception& e) {
    // What is left is garbage, not a correctness problem: no _metadata refers to it any more.
    std::fprintf(stderr, "weir: cannot remove checkpoint directory '%s': %s\n", dir.c_str(), e.what());
  }
}

OperatorRestore RestoredCheckpoint::for_operator(const std::string& id) const {
  OperatorRestore r;
  for (const auto& t : tasks)
    for (const auto& op : t.operators)
      if (op.operator_id == id) r.parts.push_back(&op);
  return r;
}

CompletedCheckpoint load_checkpoint(const std::string& path) {
  if (path.empty()) throw WeirError("no checkpoint or savepoint path given");
  fs::Path dir = dir_of(path);
  auto fs = fs::get(dir);
  fs::Path meta = dir / "_metadata";
  std::string bytes;
  try {
    bytes = fs->read(meta);
  } catch (const fs::FileNotFoundError&) {
    throw WeirError(fmt::format("'{}' is not a complete checkpoint or savepoint: no _metadata", dir.str()));
  }
  CompletedCheckpoint c;
  c.path = dir.str();
  c.metadata = decode_metadata(bytes, meta.str());
  std::set<std::string> checked;
  auto check = [&](const std::string& name, std::optional<uint64_t> size) {
    if (!checked.insert(name).second) return;
    auto st = fs->stat(dir / name);
    if (!st || st->is_dir)
      throw WeirError(fmt::format("checkpoint '{}' is incomplete: '{}' is missing", dir.str(), name));
    if (size && st->size != *size)
      throw WeirError(fmt::format("checkpoint '{}' is incomplete: '{}' has {} bytes, its handle says {}",
                                  dir.str(), name, st->size, *size));
  };
  for (const auto& t : c.metadata.tasks) {
    check(t.file, t.size);
    for (const auto& op : t.operators)
      if (!op.keyed_state_file.empty()) check(op.keyed_state_file, std::nullopt);
  }
  return c;
}

std::optional<CompletedCheckpoint> latest_valid_checkpoint(const std::string& job_dir,
                                                           std::vector<std::string>* why) {
  fs::Path dir = fs::Path::parse(job_dir);
  std::vector<std::pair<int64_t, fs::Path>> found;
  for (const auto& e : fs::get(dir)->list(dir)) {
    std::string name = e.path.name();
    if (!e.is_dir || name.rfind("chk-", 0) != 0) continue;
    try {
      found.emplace_back(std::stoll(name.substr(4)), e.path);
    } catch (const std::exception&) {
    }
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [id, p] : found) {
    try {
      return load_checkpoint(p.str());
    } catch (const std::exception& e) {
      if (why) why->push_back(fmt::format("skipping checkpoint {}: {}", id, e.what()));
    }
  }
  return std::nullopt;
}

CompletedCheckpoint restore_handles_for(const CompletedCheckpoint& c,
                                        const std::vector<std::string>& operator_ids,
                                        const KeyGroupRange& range) {
  CompletedCheckpoint out;
  out.path = c.path;
  out.metadata.job_id = c.metadata.job_id;
  out.metadata.checkpoint_id = c.metadata.checkpoint_id;
  out.metadata.timestamp = c.metadata.timestamp;
  out.metadata.savepoint = c.metadata.savepoint;
  std::set<std::string> ids(operator_ids.begin(), operator_ids.end());
  for (const auto& t : c.metadata.tasks) {
    TaskStateHandle h = t;
    h.operators.clear();
    for (const auto& op : t.operators) {
      if (!ids.count(op.operator_id) || !op.has_state) continue;
      OperatorStateHandle o = op;
      o.key_groups = op.key_groups.restricted_to(range);
      h.operators.push_back(std::move(o));
    }
    // Files of an older format carry no operator list: keep them, they are read whole.
    if (!h.operators.empty() || t.head_length == 0) out.metadata.tasks.push_back(std::move(h));
  }
  return out;
}

RestoredCheckpoint read_task_restore(const CompletedCheckpoint& handles, const KeyGroupRange& range) {
  RestoredCheckpoint r;
  r.path = handles.path;
  r.metadata = handles.metadata;
  fs::Path dir = fs::Path::parse(handles.path);
  auto fs = fs::get(dir);
  for (const auto& h : handles.metadata.tasks) {
    fs::Path file = dir / h.file;
    const std::string what = file.str();
    TaskSnapshot snap;
    if (h.head_length == 0) {
      std::string bytes = fs->read(file);
      r.bytes_read += bytes.size();
      snap = decode_task_snapshot(bytes, what);
      for (auto& op : snap.operators)
        std::erase_if(op.keyed, [&](const auto& kv) {
          return kv.first != kNativeKeyedState && !range.contains(kv.first);
        });
    } else {
      std::string head = fs->read_range(file, h.head_offset, h.head_length);
      r.bytes_read += head.size();
      if (head.size() != h.head_length)
        throw SerializationError("'" + what + "' is truncated: its head is cut short");
      std::vector<KeyGroupOffsets> offsets;
      snap = decode_task_head(head, h.size, what, &offsets);
      // Operators this subtask does not run (and their key groups) are dropped unread.
      std::vector<OperatorSnapshot> kept;
      for (size_t i = 0; i < snap.operators.size(); ++i) {
        auto& op = snap.operators[i];
        auto it = std::find_if(h.operators.begin(), h.operators.end(),
                               [&](const auto& o) { return o.operator_id == op.operator_id; });
        if (it == h.operators.end()) continue;
        const KeyGroupOffsets& want = it->key_groups;
        if (!want.empty()) {
          if (offsets[i].empty() || want.restricted_to(offsets[i].range()).offsets != want.offsets)
            throw SerializationError(fmt::format(
                "'{}' does not match its handle: key groups of operator '{}'", what, op.operator_id));
          uint64_t a = want.offsets.front(), b = want.offsets.back();
          std::string blocks = fs->read_range(file, a, b - a);
          r.bytes_read += blocks.size();
          decode_key_group_blocks(blocks, want, op, what);
        }
        kept.push_back(std::move(op));
      }
      snap.operators = std::move(kept);
    }
    for (auto& op : snap.operators) op.source_dir = r.path;
    r.tasks.push_back(std::move(snap));
  }
  return r;
}

}  // namespace weir::checkpoint
