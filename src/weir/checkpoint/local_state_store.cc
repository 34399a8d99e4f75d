#include "weir/checkpoint/local_state_store.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "weir/checkpoint/checkpoint_options.h"
#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/common/crc32c.h"
#include "weir/common/error.h"
#include "weir/common/log.h"
#include "weir/fs/file_system.h"
#include "weir/fs/local_file_copies.h"

namespace weir::checkpoint {

namespace stdfs = std::filesystem;

namespace {

constexpr const char* kManifest = "_manifest";

void write_local_file(const stdfs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw WeirError("cannot write " + p.string());
}

std::string read_local_file(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw WeirError("cannot read " + p.string());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// CRC-32C of a whole local file, read in chunks.
uint32_t file_crc(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw WeirError("cannot read " + p.string());
  std::string buf(1 << 20, '\0');
  uint32_t crc = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    crc = crc32c(buf.data(), static_cast<size_t>(in.gcount()), crc);
  }
  return crc;
}

// chk-<n> -> n; -1 for any other name.
int64_t checkpoint_of(const std::string& name) {
  if (name.rfind("chk-", 0) != 0 || name.size() == 4) return -1;
  int64_t n = 0;
  for (size_t i = 4; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || n > (INT64_MAX - 9) / 10) return -1;
    n = n * 10 + (name[i] - '0');
  }
  return n;
}

void remove_quietly(const stdfs::path& p) {
  std::error_code ec;
  if (!stdfs::exists(p, ec)) return;
  stdfs::remove_all(p, ec);
  if (ec) log::get("checkpoint").warn("local recovery: cannot remove '{}': {}", p.string(), ec.message());
}

}  // namespace

LocalStateStore::LocalStateStore(std::vector<std::string> root_dirs) : roots_(std::move(root_dirs)) {
  if (roots_.empty()) throw WeirError("a local state store needs at least one directory");
}

std::string LocalStateStore::subtask_dir(const std::string& job, int vertex, int subtask) const {
  const auto& root = roots_[static_cast<size_t>(vertex * 131 + subtask) % roots_.size()];
  return (stdfs::path(root) / job / fmt::format("{}-{}", vertex, subtask)).string();
}

bool LocalStateStore::store(const std::string& job, int64_t checkpoint_id, const std::string& remote_dir,
                            const TaskStateHandle& handle, std::string_view bytes) noexcept {
  static std::atomic<uint64_t> seq{0};
  const stdfs::path dir = subtask_dir(job, handle.vertex, handle.subtask);
  const stdfs::path tmp = dir / fmt::format("tmp-chk-{}-{}", checkpoint_id, seq.fetch_add(1));
  try {
    stdfs::create_directories(tmp);
    nlohmann::json files = nlohmann::json::array();
    write_local_file(tmp / handle.file, bytes);
    files.push_back({{"name", handle.file}, {"size", bytes.size()}, {"crc32c", crc32c(bytes)}});
    // Keyed-state files (RocksDB full snapshots) were streamed to the checkpoint storage by the backend:
    // copy them back once, here on the writer thread, so that a restore needs no remote read.
    std::set<std::string> copied;
    const fs::Path remote = fs::Path::parse(remote_dir);
    for (const auto& op : handle.operators) {
      if (op.keyed_state_file.empty() || !copied.insert(op.keyed_state_file).second) continue;
      const stdfs::path local = tmp / op.keyed_state_file;
      stdfs::create_directories(local.parent_path());
      fs::Path from = remote / op.keyed_state_file;
      fs::get(from)->download(from, local.string());
      files.push_back(
          {{"name", op.keyed_state_file}, {"size", stdfs::file_size(local)}, {"crc32c", file_crc(local)}});
    }
    nlohmann::json m = {{"job", job},
                        {"checkpoint_id", checkpoint_id},
                        {"remote_dir", fs::Path::parse(remote_dir).str()},
                        {"handle", nlohmann::json::parse(encode_task_handle(handle))},
                        {"files", files}};
    std::string body = m.dump(1);
    write_local_file(tmp / kManifest, body + fmt::format("\n#crc32c={:08x}\n", crc32c(body)));
    std::lock_guard lock(mu_);
    const stdfs::path target = dir / fmt::format("chk-{}", checkpoint_id);
    stdfs::remove_all(target);
    stdfs::rename(tmp, target);
    if (after_store_) after_store_((target / handle.file).string());
    return true;
  } catch (const std::exception& e) {
    log::get("checkpoint")
        .warn(
            "local recovery: no local copy of checkpoint {} of subtask {}-{} (the checkpoint goes on without "
            "it): {}",
            checkpoint_id, handle.vertex, handle.subtask, e.what());
  } catch (...) {
    log::get("checkpoint")
        .warn("local recovery: no local copy of checkpoint {} of subtask {}-{}", checkpoint_id, handle.vertex,
              handle.subtask);
  }
  remove_quietly(tmp);
  return false;
}

std::optional<LocalStateStore::Copy> LocalStateStore::find(const std::string& job, int64_t checkpoint_id,
                                                           const std::string& remote_dir,
                                                           const TaskStateHandle& handle,
                                                           std::string* why) const {
  const stdfs::path dir =
      stdfs::path(subtask_dir(job, handle.vertex, handle.subtask)) / fmt::format("chk-{}", checkpoint_id);
  std::error_code ec;
  if (!stdfs::exists(dir / kManifest, ec)) return std::nullopt;
  auto reject = [&](const std::string& reason) -> std::optional<Copy> {
    if (why) *why = fmt::format("local copy '{}' not used: {}", dir.string(), reason);
    return std::nullopt;
  };
  try {
    std::string bytes = read_local_file(dir / kManifest);
    auto pos = bytes.rfind("\n#crc32c=");
    if (pos == std::string::npos) return reject("its manifest has no checksum");
    std::string_view body(bytes.data(), pos);
    if (fmt::format("{:08x}", crc32c(body)) != std::string_view(bytes).substr(pos + 9, 8))
      return reject("its manifest is corrupt (checksum mismatch)");
    auto m = nlohmann::json::parse(body);
    if (m.at("job").get<std::string>() != job || m.at("checkpoint_id").get<int64_t>() != checkpoint_id ||
        m.at("remote_dir").get<std::string>() != fs::Path::parse(remote_dir).str())
      return reject("it is a copy of another checkpoint");
    TaskStateHandle mine = decode_task_handle(m.at("handle").dump(), "a local copy's manifest");
    if (mine.vertex != handle.vertex || mine.subtask != handle.subtask || mine.file != handle.file ||
        mine.size != handle.size || mine.head_offset != handle.head_offset ||
        mine.head_length != handle.head_length)
      return reject("it is a copy of another file");
    for (const auto& want : handle.operators) {
      auto it = std::find_if(mine.operators.begin(), mine.operators.end(),
                             [&](const auto& o) { return o.operator_id == want.operator_id; });
      if (it == mine.operators.end() || it->keyed_state_file != want.keyed_state_file ||
          (!want.key_groups.empty() &&
           it->key_groups.restricted_to(want.key_groups.range()).offsets != want.key_groups.offsets))
        return reject(fmt::format("its handle of operator '{}' differs", want.operator_id));
    }
    for (const auto& f : m.at("files")) {
      const std::string name = f.at("name").get<std::string>();
      const stdfs::path p = dir / name;
      if (!stdfs::is_regular_file(p, ec) || stdfs::file_size(p, ec) != f.at("size").get<uint64_t>())
        return reject(fmt::format("'{}' is missing or has another size", name));
      // The task file's head and key-group blocks carry CRC-32Cs checked as they are read; other files
      // are checked whole here.
      if (name != handle.file && file_crc(p) != f.at("crc32c").get<uint32_t>())
        return reject(fmt::format("'{}' is corrupt (checksum mismatch)", name));
    }
    return Copy{dir.string(), (dir / handle.file).string()};
  } catch (const std::exception& e) {
    return reject(e.what());
  }
}

void LocalStateStore::confirm(const std::string& job, int vertex, int subtask,
                              int64_t checkpoint_id) noexcept {
  std::lock_guard lock(mu_);
  std::error_code ec;
  for (stdfs::directory_iterator it(subtask_dir(job, vertex, subtask), ec), end; !ec && it != end;
       it.increment(ec)) {
    int64_t n = checkpoint_of(it->path().filename().string());
    if (n >= 0 && n < checkpoint_id) remove_quietly(it->path());
  }
  fs::LocalFileCopies(shared_dir(job, vertex, subtask)).release_before(checkpoint_id);
}

void LocalStateStore::discard(const std::string& job, int vertex, int subtask,
                              int64_t checkpoint_id) noexcept {
  std::lock_guard lock(mu_);
  remove_quietly(stdfs::path(subtask_dir(job, vertex, subtask)) / fmt::format("chk-{}", checkpoint_id));
  fs::LocalFileCopies(shared_dir(job, vertex, subtask)).release(checkpoint_id);
}

std::string LocalStateStore::shared_dir(const std::string& job, int vertex, int subtask) const {
  return (stdfs::path(subtask_dir(job, vertex, subtask)) / "shared").string();
}

void LocalStateStore::release_job(const std::string& job) noexcept {
  if (job.empty()) return;
  std::lock_guard lock(mu_);
  for (const auto& root : roots_) remove_quietly(stdfs::path(root) / job);
}

std::vector<int64_t> LocalStateStore::checkpoints(const std::string& job, int vertex, int subtask) const {
  std::lock_guard lock(mu_);
  std::vector<int64_t> out;
  std::error_code ec;
  for (stdfs::directory_iterator it(subtask_dir(job, vertex, subtask), ec), end; !ec && it != end;
       it.increment(ec)) {
    int64_t n = checkpoint_of(it->path().filename().string());
    if (n >= 0 && stdfs::exists(it->path() / kManifest)) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string LocalStateStore::read_range(const std::string& path, uint64_t offset, uint64_t length) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw WeirError("cannot read local copy '" + path + "'");
  std::string out(length, '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(out.data(), static_cast<std::streamsize>(length));
  if (static_cast<uint64_t>(in.gcount()) != length)
    throw SerializationError(fmt::format("local copy '{}' is truncated", path));
  return out;
}

std::vector<std::string> local_state_root_dirs(const Configuration& conf) {
  const std::string& key = options::kLocalStateRootDirs.key();
  std::string text = conf.get_string(options::kLocalStateRootDirs);
  std::vector<std::string> entries;
  if (text.find_first_not_of(" \t") == std::string::npos) {
    entries.push_back((stdfs::temp_directory_path() / "weir-local-state").string());
  } else {
    size_t i = 0;
    for (;;) {
      size_t j = text.find(',', i);
      std::string e = text.substr(i, j == std::string::npos ? std::string::npos : j - i);
      e.erase(0, e.find_first_not_of(" \t"));
      e.erase(e.find_last_not_of(" \t") + 1);
      if (e.empty())
        throw ConfigError(
            fmt::format("{}: '{}' has an empty entry; give comma-separated local directories", key, text));
      if (e.rfind("file://", 0) == 0) {
        e = e.substr(7);
      } else if (e.find("://") != std::string::npos) {
        throw ConfigError(fmt::format(
            "{}: '{}' is not a local directory; local copies of state live on the TaskManager's own disk",
            key, e));
      }
      if (e.empty()) throw ConfigError(fmt::format("{}: '{}' names no directory", key, text));
      entries.push_back(stdfs::absolute(e).lexically_normal().string());
      if (j == std::string::npos) break;
      i = j + 1;
    }
  }
  for (const auto& e : entries) {
    std::error_code ec;
    stdfs::create_directories(e, ec);
    if (ec || !stdfs::is_directory(e))
      throw ConfigError(fmt::format("{}: cannot use '{}' as a directory for local copies of state: {}", key,
                                    e, ec ? ec.message() : "not a directory"));
  }
  return entries;
}

}  // namespace weir::checkpoint
