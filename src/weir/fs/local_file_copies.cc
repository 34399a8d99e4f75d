#include "weir/fs/local_file_copies.h"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "weir/common/crc32c.h"
#include "weir/common/error.h"
#include "weir/common/log.h"

namespace weir::fs {

namespace stdfs = std::filesystem;

namespace {

constexpr std::string_view kSidecar = ".crc";
constexpr std::string_view kRefs = "refs-";

struct Check {
  uint64_t size = 0;
  uint32_t crc = 0;
};

Check check_file(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw WeirError("cannot read " + p.string());
  std::string buf(1 << 20, '\0');
  Check c;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto n = static_cast<size_t>(in.gcount());
    c.crc = crc32c(buf.data(), n, c.crc);
    c.size += n;
  }
  return c;
}

void write_atomically(const stdfs::path& p, std::string_view bytes) {
  static std::atomic<uint64_t> seq{0};
  stdfs::path tmp = p;
  tmp += fmt::format(".tmp-{}", seq.fetch_add(1));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw WeirError("cannot write " + tmp.string());
  }
  stdfs::rename(tmp, p);
}

// refs-<checkpoint>-<owner> -> checkpoint; -1 for any other name.
int64_t checkpoint_of_refs(std::string_view name) {
  if (name.substr(0, kRefs.size()) != kRefs) return -1;
  name.remove_prefix(kRefs.size());
  int64_t n = 0;
  size_t i = 0;
  for (; i < name.size() && name[i] >= '0' && name[i] <= '9' && n < (INT64_MAX - 9) / 10; ++i)
    n = n * 10 + (name[i] - '0');
  return (i > 0 && i < name.size() && name[i] == '-') ? n : -1;
}

void remove_quietly(const stdfs::path& p) {
  std::error_code ec;
  stdfs::remove(p, ec);
  if (ec) log::get("fs").warn("local recovery: cannot remove '{}': {}", p.string(), ec.message());
}

}  // namespace

LocalFileCopies::LocalFileCopies(std::string dir) : dir_(std::move(dir)) {}

std::string LocalFileCopies::name_of(std::string_view path) {
  auto slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string LocalFileCopies::path_of(std::string_view name) const {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.substr(0, kRefs.size()) == kRefs)
    throw WeirError(fmt::format("'{}' is not a name for a local copy of a shared file", name));
  return (stdfs::path(dir_) / name).string();
}

void LocalFileCopies::add(const std::string& from, std::string_view name) {
  const stdfs::path target = path_of(name);
  stdfs::create_directories(dir_);
  std::error_code ec;
  stdfs::remove(target, ec);
  stdfs::create_hard_link(from, target, ec);
  if (ec) {
    stdfs::path tmp = target;
    tmp += ".tmp-copy";
    stdfs::copy_file(from, tmp, stdfs::copy_options::overwrite_existing);
    stdfs::rename(tmp, target);
  }
  seal(name);
}

void LocalFileCopies::seal(std::string_view name) {
  const stdfs::path p = path_of(name);
  Check c = check_file(p);
  write_atomically(p.string() + std::string(kSidecar), fmt::format("{} {:08x}\n", c.size, c.crc));
}

bool LocalFileCopies::has(std::string_view name) const {
  std::error_code ec;
  return stdfs::exists(path_of(name) + std::string(kSidecar), ec) && stdfs::exists(path_of(name), ec);
}

std::optional<std::string> LocalFileCopies::find(std::string_view name, std::string* why) const {
  const std::string p = path_of(name);
  const std::string sidecar = p + std::string(kSidecar);
  std::error_code ec;
  if (!stdfs::exists(sidecar, ec)) return std::nullopt;
  auto reject = [&](const std::string& reason) -> std::optional<std::string> {
    if (why) *why = fmt::format("local copy '{}' not used: {}", p, reason);
    remove_quietly(sidecar);
    remove_quietly(p);
    return std::nullopt;
  };
  try {
    std::ifstream in(sidecar);
    uint64_t size = 0;
    std::string crc;
    if (!(in >> size >> crc) || crc.size() != 8) return reject("its check file is damaged");
    if (!stdfs::is_regular_file(p, ec) || stdfs::file_size(p, ec) != size)
      return reject("it is missing or has another size");
    if (fmt::format("{:08x}", check_file(p).crc) != crc) return reject("it is corrupt (checksum mismatch)");
    return p;
  } catch (const std::exception& e) {
    return reject(e.what());
  }
}

void LocalFileCopies::reference(int64_t checkpoint_id, std::string_view owner,
                                const std::vector<std::string>& names) {
  std::string body;
  for (const auto& n : names) body += n + "\n";
  stdfs::create_directories(dir_);
  write_atomically(stdfs::path(dir_) / fmt::format("{}{}-{}", kRefs, checkpoint_id, owner), body);
}

void LocalFileCopies::release_before(int64_t checkpoint_id) noexcept {
  std::error_code ec;
  for (stdfs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    int64_t n = checkpoint_of_refs(it->path().filename().string());
    if (n >= 0 && n < checkpoint_id) remove_quietly(it->path());
  }
  remove_unreferenced();
}

void LocalFileCopies::release(int64_t checkpoint_id) noexcept {
  std::error_code ec;
  for (stdfs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec))
    if (checkpoint_of_refs(it->path().filename().string()) == checkpoint_id) remove_quietly(it->path());
  remove_unreferenced();
}

void LocalFileCopies::remove_unreferenced() noexcept {
  try {
    std::error_code ec;
    std::set<std::string> needed;
    std::vector<stdfs::path> candidates;
    for (stdfs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (checkpoint_of_refs(name) >= 0) {
        std::ifstream in(it->path());
        for (std::string line; std::getline(in, line);)
          if (!line.empty()) needed.insert(line);
      } else {
        candidates.push_back(it->path());
      }
    }
    for (const auto& p : candidates) {
      std::string name = p.filename().string();
      if (name.size() > kSidecar.size() &&
          name.compare(name.size() - kSidecar.size(), kSidecar.size(), kSidecar.data()) == 0)
        name.resize(name.size() - kSidecar.size());
      if (!needed.count(name)) remove_quietly(p);
    }
  } catch (const std::exception& e) {
    log::get("fs").warn("local recovery: cannot prune '{}': {}", dir_, e.what());
  }
}

}  // namespace weir::fs
