#include "weir/checkpoint/checkpoint_storage.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "weir/checkpoint/local_state_store.h"
#include "weir/common/crc32c.h"
#include "weir/common/error.h"
#include "weir/common/log.h"
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
    o["union"] = op.union_state;
    if (op.union_only) o["union_only"] = true;
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
      // Metadata older than the flag says nothing about union list state: assume there is some.
      op.union_state = o.contains("union") ? o["union"].get<bool>() : true;
      op.union_only = o.contains("union_only") && o["union_only"].get<bool>();
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

TaskStateHandle CheckpointStorage::write_task_state(const std::string& dir, const TaskSnapshot& snapshot,
                                                    std::string* bytes) {
  EncodedTaskSnapshot e = encode_task_snapshot(snapshot);
  e.handle.file = fmt::format("{}-{}", snapshot.vertex, snapshot.subtask);
  fs::Path p = fs::Path::parse(dir) / e.handle.file;
  fs::get(p)->write_file(p, e.bytes);
  if (bytes) *bytes = std::move(e.bytes);
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
    log::get("checkpoint").warn("cannot remove checkpoint directory '{}': {}", dir, e.what());
  }
}

OperatorRestore RestoredCheckpoint::for_operator(const std::string& id) const {
  OperatorRestore r;
  for (const auto& t : tasks)
    for (const auto& op : t.operators)
      if (op.operator_id == id) r.parts.push_back(&op);
  for (const auto& v : metadata.vertices)
    if (std::find(v.operator_ids.begin(), v.operator_ids.end(), id) != v.operator_ids.end())
      r.in_checkpoint = true;
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
                                        const KeyGroupRange& range, const RestoreTarget* target) {
  CompletedCheckpoint out;
  out.path = c.path;
  out.metadata.job_id = c.metadata.job_id;
  out.metadata.checkpoint_id = c.metadata.checkpoint_id;
  out.metadata.timestamp = c.metadata.timestamp;
  out.metadata.savepoint = c.metadata.savepoint;
  out.metadata.vertices = c.metadata.vertices;  // which operators it knew (OperatorRestore::in_checkpoint)
  std::set<std::string> ids(operator_ids.begin(), operator_ids.end());
  for (const auto& t : c.metadata.tasks) {
    // At an unchanged parallelism (and key-group count) another old subtask's part holds nothing of
    // this subtask's but union list state: its key groups, list elements, source splits and in-flight
    // data are that subtask's, and its broadcast state equals this one's.
    bool other = false;
    if (target && t.subtask != target->subtask)
      for (const auto& v : c.metadata.vertices)
        if (v.vertex == t.vertex)
          other = v.parallelism == target->parallelism && v.max_parallelism == target->max_parallelism;
    TaskStateHandle h = t;
    h.operators.clear();
    for (const auto& op : t.operators) {
      if (!ids.count(op.operator_id) || !op.has_state) continue;
      if (other && !op.union_state) continue;
      OperatorStateHandle o = op;
      o.key_groups = other ? KeyGroupOffsets{} : op.key_groups.restricted_to(range);
      o.union_only = other;
      h.operators.push_back(std::move(o));
    }
    // Files of an older format carry no operator list: keep them, they are read whole.
    if (!h.operators.empty() || t.head_length == 0) out.metadata.tasks.push_back(std::move(h));
  }
  return out;
}

namespace {

// Keeps of a part restored for its union list state alone (OperatorStateHandle::union_only) only that,
// and its broadcast state (the same on every subtask, and whichever part comes first serves it).
void keep_union_lists(OperatorSnapshot& op) {
  OperatorSnapshot kept;
  kept.operator_id = std::move(op.operator_id);
  kept.subtask = op.subtask;
  kept.parallelism = op.parallelism;
  kept.broadcast_states = std::move(op.broadcast_states);
  for (auto& [name, elems] : op.list_states)
    if (name.rfind("union:", 0) == 0) kept.list_states[name] = std::move(elems);  // operator_state_store.h
  op = std::move(kept);
}

// Reads one task file's share through `read_range` (offset, length) or `read_all`; adds what it read to
// `*bytes`. Throws SerializationError when the file does not match its handle or fails a checksum.
TaskSnapshot read_task_file(const TaskStateHandle& h, const KeyGroupRange& range, const std::string& what,
                            const std::function<std::string(uint64_t, uint64_t)>& read_range,
                            const std::function<std::string()>& read_all, uint64_t* bytes) {
  TaskSnapshot snap;
  if (h.head_length == 0) {
    std::string all = read_all();
    *bytes += all.size();
    snap = decode_task_snapshot(all, what);
    for (auto& op : snap.operators)
      std::erase_if(op.keyed, [&](const auto& kv) {
        return kv.first != kNativeKeyedState && !range.contains(kv.first);
      });
    return snap;
  }
  std::string head = read_range(h.head_offset, h.head_length);
  *bytes += head.size();
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
        throw SerializationError(
            fmt::format("'{}' does not match its handle: key groups of operator '{}'", what, op.operator_id));
      uint64_t a = want.offsets.front(), b = want.offsets.back();
      std::string blocks = read_range(a, b - a);
      *bytes += blocks.size();
      decode_key_group_blocks(blocks, want, op, what);
    }
    if (it->union_only) keep_union_lists(op);
    kept.push_back(std::move(op));
  }
  snap.operators = std::move(kept);
  return snap;
}

}  // namespace

RestoredCheckpoint read_task_restore(const CompletedCheckpoint& handles, const KeyGroupRange& range,
                                     const LocalStateStore* local) {
  RestoredCheckpoint r;
  r.path = handles.path;
  r.metadata = handles.metadata;
  fs::Path dir = fs::Path::parse(handles.path);
  auto fs = fs::get(dir);
  for (const auto& h : handles.metadata.tasks) {
    fs::Path file = dir / h.file;
    std::optional<TaskSnapshot> snap;
    std::string source_dir = r.path;
    if (local) {
      std::string why;
      if (auto copy =
              local->find(handles.metadata.job_id, handles.metadata.checkpoint_id, handles.path, h, &why)) {
        uint64_t bytes = 0;
        try {
          snap = read_task_file(
              h, range, copy->task_file,
              [&](uint64_t offset, uint64_t length) {
                return LocalStateStore::read_range(copy->task_file, offset, length);
              },
              [&] { return LocalStateStore::read_range(copy->task_file, 0, h.size); }, &bytes);
          r.local_bytes_read += bytes;
          ++r.local_files;
          source_dir = copy->dir;  // keyed-state files were copied beside it
        } catch (const std::exception& e) {
          r.local_bytes_read += bytes;
          r.local_fallbacks.push_back(fmt::format("local copy '{}' not used: {}", copy->task_file, e.what()));
        }
      } else if (!why.empty()) {
        r.local_fallbacks.push_back(std::move(why));
      }
    }
    if (!snap) {
      uint64_t bytes = 0;
      snap = read_task_file(
          h, range, file.str(),
          [&](uint64_t offset, uint64_t length) { return fs->read_range(file, offset, length); },
          [&] { return fs->read(file); }, &bytes);
      r.bytes_read += bytes;
      const bool union_only = !h.operators.empty() && std::all_of(h.operators.begin(), h.operators.end(),
                                                                  [](const auto& o) { return o.union_only; });
      if (union_only) r.union_bytes_read += bytes;
    }
    for (auto& op : snap->operators) {
      // Files an operator names resolve against where they are: native (incremental RocksDB) handles
      // name shared files relative to the checkpoint storage's job directory, so they stay remote.
      const bool native = op.keyed.count(kNativeKeyedState) > 0;
      op.source_dir = native ? r.path : source_dir;
    }
    r.tasks.push_back(std::move(*snap));
  }
  return r;
}

}  // namespace weir::checkpoint
