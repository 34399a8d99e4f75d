#include "weir/fs/s3/s3_file_system.h"

#include <signal.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "weir/common/config.h"
#include "weir/fs/s3/object_store_ffi.h"

namespace weir::fs {

namespace {

// S3 takes at most 5 GiB in one PUT: the bound of a kNoOverwrite stream's buffer.
constexpr uint64_t kMaxSinglePut = uint64_t{5} << 30;
// The size of one GET of a download.
constexpr uint64_t kDownloadChunk = 64 << 20;

// The message of an FFI call, as a string; the call's copy is freed and the pointer reset, so that the
// next call can reuse it.
std::string take(char*& message) {
  std::string s = message ? message : "";
  wos_string_free(std::exchange(message, nullptr));
  return s;
}

std::string bucket_of(const Path& path) {
  return path.authority();
}

//! A key prefix as object_store wants it: the key itself, or null for the bucket's root.
const char* prefix_or_null(const std::string& key) {
  return key.empty() ? nullptr : key.c_str();
}

int32_t append_to_string(void* ctx, const uint8_t* data, size_t len) {
  static_cast<std::string*>(ctx)->append(reinterpret_cast<const char*>(data), len);
  return 0;
}

class S3OutputStream final : public OutputStream {
 public:
  S3OutputStream(std::shared_ptr<S3FileSystem> fs, Path path, WriteMode mode)
      : fs_(std::move(fs)), path_(std::move(path)), mode_(mode), part_size_(fs_->settings().part_size) {
    store_ = fs_->store(path_, "create");
  }
  ~S3OutputStream() override { abort_upload(); }

  void write(std::string_view bytes) override {
    if (spent_) throw FileSystemError(fmt::format("write to '{}' after commit or failure", path_.str()));
    pos_ += bytes.size();
    if (mode_ == WriteMode::kNoOverwrite) {
      if (pos_ > kMaxSinglePut) {
        spent_ = true;
        throw FileSystemError(
            fmt::format("cannot create '{}' with kNoOverwrite: more than 5 GiB", path_.str()));
      }
      buffer_.append(bytes);
      return;
    }
    while (!bytes.empty()) {
      size_t n = std::min<size_t>(bytes.size(), part_size_ - buffer_.size());
      buffer_.append(bytes.substr(0, n));
      bytes.remove_prefix(n);
      if (buffer_.size() == part_size_) upload_part();
    }
  }

  void commit() override {
    if (spent_) throw FileSystemError(fmt::format("'{}' committed twice or after a failure", path_.str()));
    spent_ = true;
    char* error = nullptr;
    if (!upload_) {
      int32_t rc = wos_put(store_, path_.key().c_str(), reinterpret_cast<const uint8_t*>(buffer_.data()),
                           buffer_.size(), mode_ == WriteMode::kNoOverwrite, &error);
      release_buffer();
      if (rc != WOS_OK) fs_->fail(rc, take(error), "create", path_);
      return;
    }
    if (!buffer_.empty()) upload_part();
    int32_t rc = wos_upload_complete(upload_, &error);
    if (rc != WOS_OK) {
      std::string message = take(error);
      abort_upload();
      fs_->fail(rc, message, "complete the upload of", path_);
    }
    wos_upload_free(std::exchange(upload_, nullptr));
  }

  uint64_t pos() const override { return pos_; }

 private:
  void upload_part() {
    char* error = nullptr;
    if (!upload_) {
      int32_t rc = wos_upload_start(store_, path_.key().c_str(), &upload_, &error);
      if (rc != WOS_OK) {
        spent_ = true;
        fs_->fail(rc, take(error), "start the upload of", path_);
      }
    }
    int32_t rc =
        wos_upload_part(upload_, reinterpret_cast<const uint8_t*>(buffer_.data()), buffer_.size(), &error);
    buffer_.clear();
    if (rc != WOS_OK) {
      spent_ = true;
      std::string message = take(error);
      abort_upload();
      fs_->fail(rc, message, "upload a part of", path_);
    }
  }

  void release_buffer() { std::string().swap(buffer_); }

  // Best effort: an upload the server cannot be told to drop stays invisible (only completion makes
  // an object) and a bucket lifecycle rule for incomplete uploads reclaims its parts.
  void abort_upload() noexcept {
    if (!upload_) return;
    char* error = nullptr;
    wos_upload_abort(upload_, &error);
    take(error);
    wos_upload_free(std::exchange(upload_, nullptr));
  }

  std::shared_ptr<S3FileSystem> fs_;  // keeps the bucket clients alive while the stream is
  Path path_;
  WriteMode mode_;
  uint64_t part_size_;
  const WosStore* store_ = nullptr;
  WosUpload* upload_ = nullptr;
  std::string buffer_;
  uint64_t pos_ = 0;
  bool spent_ = false;
};

}  // namespace

struct S3FileSystem::Bucket {
  WosStore* store = nullptr;
  std::mutex check_mu;   // held while the bucket is checked
  bool checked = false;  // guarded by check_mu
  ~Bucket() { wos_store_free(store); }
};

S3FileSystem::S3FileSystem(s3::S3Settings settings) : settings_(std::move(settings)) {
  // A write to a connection the server closed must fail the request (and be retried), not kill the
  // process: the Rust client writes to its sockets without MSG_NOSIGNAL, and Rust's own start-up code,
  // which ignores SIGPIPE in Rust programs, does not run in a C++ one. A handler the process installed
  // itself stays.
  static std::once_flag sigpipe;
  std::call_once(sigpipe, [] {
    struct sigaction old {};
    if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
  });
}

S3FileSystem::~S3FileSystem() = default;

const WosStore* S3FileSystem::store(const Path& path, std::string_view op) {
  std::shared_ptr<Bucket> bucket;
  {
    std::lock_guard lock(mu_);
    auto& slot = buckets_[bucket_of(path)];
    if (!slot) {
      auto b = std::make_shared<Bucket>();
      const auto& s = settings_;
      std::string bucket_name = bucket_of(path);
      WosConfig cfg{s.endpoint.c_str(),
                    s.region.c_str(),
                    bucket_name.c_str(),
                    s.access_key.c_str(),
                    s.secret_key.c_str(),
                    s.session_token.c_str(),
                    s.path_style,
                    s.retry_limit,
                    static_cast<uint64_t>(s.retry_timeout.count()),
                    static_cast<uint64_t>(s.retry_interval.count()),
                    static_cast<uint64_t>(s.connect_timeout.count()),
                    static_cast<uint64_t>(s.request_timeout.count())};
      char* error = nullptr;
      int32_t rc = wos_store_new(&cfg, &b->store, &error);
      if (rc != WOS_OK) {
        buckets_.erase(bucket_of(path));
        throw FileSystemError(
            fmt::format("cannot {} '{}': bad S3 settings: {}", op, path.str(), take(error)));
      }
      slot = std::move(b);
    }
    bucket = slot;
  }
  // Once per bucket; a failed check (throws) is tried again by the next call. Not std::call_once:
  // libstdc++ runs it on pthread_once, and an exception out of it leaves the flag "running" for ever
  // wherever pthread_once does not unwind (ThreadSanitizer's pthread_once: every later call hung; GCC
  // bug 66146 on other targets).
  std::lock_guard check_lock(bucket->check_mu);
  if (!bucket->checked) {
    char* error = nullptr;
    int32_t rc = wos_check_bucket(bucket->store, &error);
    if (rc != WOS_OK) fail(rc, take(error), op, path);
    bucket->checked = true;
  }
  return bucket->store;
}

void S3FileSystem::fail(int32_t code, const std::string& detail, std::string_view op,
                        const Path& path) const {
  std::string where =
      settings_.endpoint.empty() ? "AWS S3" : fmt::format("S3 endpoint {}", settings_.endpoint);
  switch (code) {
    case WOS_NOT_FOUND:
      throw FileNotFoundError(fmt::format("cannot {} '{}': no such file", op, path.str()));
    case WOS_ALREADY_EXISTS:
      throw FileExistsError(fmt::format("'{}' exists already", path.str()));
    case WOS_ACCESS_DENIED:
      throw FileSystemError(
          fmt::format("cannot {} '{}': access denied by {}; check s3.access-key and s3.secret-key (the keys "
                      "came from {}) "
                      "and the bucket's permissions: {}",
                      op, path.str(), where, settings_.credentials_from, detail));
    case WOS_NO_SUCH_BUCKET:
      throw FileSystemError(fmt::format("cannot {} '{}': bucket '{}' does not exist at {}", op, path.str(),
                                        bucket_of(path), where));
    case WOS_INVALID:
      throw FileSystemError(fmt::format("cannot {} '{}': {}", op, path.str(), detail));
    default:
      break;
  }
  bool unreachable =
      detail.find("error sending request") != std::string::npos || detail.find("onnect") != std::string::npos;
  if (unreachable)
    throw FileSystemError(fmt::format("cannot {} '{}': {} is unreachable (after {} retries within {} ms): {}",
                                      op, path.str(), where, settings_.retry_limit,
                                      settings_.retry_timeout.count(), detail));
  throw FileSystemError(fmt::format("cannot {} '{}' on {}: {}", op, path.str(), where, detail));
}

std::unique_ptr<OutputStream> S3FileSystem::create(const Path& path, WriteMode mode) {
  if (path.key().empty())
    throw FileSystemError(fmt::format("cannot create '{}': a bucket, not a file", path.str()));
  return std::make_unique<S3OutputStream>(shared_from_this(), path, mode);
}

std::string S3FileSystem::read(const Path& path) {
  const WosStore* s = store(path, "read");
  std::string out;
  char* error = nullptr;
  int32_t rc = wos_get(s, path.key().c_str(), 0, UINT64_MAX, append_to_string, &out, &error);
  if (rc != WOS_OK) fail(rc, take(error), "read", path);
  return out;
}

std::string S3FileSystem::read_range(const Path& path, uint64_t offset, uint64_t length) {
  const WosStore* s = store(path, "read");
  if (length == 0) {
    if (!stat(path)) throw FileNotFoundError(fmt::format("cannot read '{}': no such file", path.str()));
    return "";
  }
  std::string out;
  out.reserve(std::min<uint64_t>(length, 64 << 20));
  char* error = nullptr;
  int32_t rc = wos_get(s, path.key().c_str(), offset, length, append_to_string, &out, &error);
  if (rc == WOS_OK) return out;
  // A range that starts at or past the end is an error on S3 (416) and an empty read here.
  std::string message = take(error);
  if (rc != WOS_NOT_FOUND) {
    if (auto st = stat(path); st && !st->is_dir && offset >= st->size) return "";
  }
  fail(rc, message, "read", path);
}

std::optional<FileStatus> S3FileSystem::stat(const Path& path) {
  const WosStore* s = store(path, "stat");
  if (path.key().empty()) return FileStatus{path, 0, true};  // the bucket, which store() checked
  uint64_t size = 0;
  char* error = nullptr;
  int32_t rc = wos_head(s, path.key().c_str(), &size, &error);
  if (rc == WOS_OK) return FileStatus{path, size, false};
  if (rc != WOS_NOT_FOUND) fail(rc, take(error), "stat", path);
  take(error);
  // A "directory" exists while a key below it does: one entry of the listing is enough.
  bool any = false;
  auto first = [](void* ctx, const uint8_t*, size_t, uint64_t, bool) -> int32_t {
    *static_cast<bool*>(ctx) = true;
    return 1;  // stop
  };
  rc = wos_list(s, path.key().c_str(), 1, first, &any, &error);
  if (rc != WOS_OK && rc != WOS_CALLBACK) fail(rc, take(error), "stat", path);
  take(error);
  if (any) return FileStatus{path, 0, true};
  return std::nullopt;
}

std::vector<FileStatus> S3FileSystem::list(const Path& dir) {
  const WosStore* s = store(dir, "list");
  struct Listing {
    Path root;
    std::vector<FileStatus> out;
  } listing{Path::parse(fmt::format("s3://{}", dir.authority())), {}};
  auto add = [](void* ctx, const uint8_t* key, size_t len, uint64_t size, bool is_prefix) -> int32_t {
    auto* l = static_cast<Listing*>(ctx);
    std::string_view k(reinterpret_cast<const char*>(key), len);
    try {
      l->out.push_back({l->root / k, is_prefix ? 0 : size, is_prefix});
    } catch (const FileSystemError&) {
      // A key no Path can name ("a//b", "..") was not written by Weir: not listed.
    }
    return 0;
  };
  char* error = nullptr;
  int32_t rc = wos_list(s, prefix_or_null(dir.key()), settings_.page_size, add, &listing, &error);
  if (rc != WOS_OK) fail(rc, take(error), "list", dir);
  std::sort(listing.out.begin(), listing.out.end(),
            [](const auto& a, const auto& b) { return a.path.key() < b.path.key(); });
  return std::move(listing.out);
}

void S3FileSystem::remove(const Path& path) {
  const WosStore* s = store(path, "remove");
  if (path.key().empty()) return;
  char* error = nullptr;
  int32_t rc = wos_delete(s, path.key().c_str(), &error);
  if (rc != WOS_OK) fail(rc, take(error), "remove", path);
}

void S3FileSystem::remove_all(const Path& dir) {
  const WosStore* s = store(dir, "remove");
  char* error = nullptr;
  int32_t rc = wos_delete_prefix(s, dir.key().c_str(), &error);
  if (rc != WOS_OK) fail(rc, take(error), "remove", dir);
  remove(dir);  // a file at the directory's own key, as a local remove_all() of a file removes it
}

void S3FileSystem::download(const Path& path, const std::string& local) {
  const WosStore* s = store(path, "read");
  auto st = stat(path);
  if (!st || st->is_dir) throw FileNotFoundError(fmt::format("cannot read '{}': no such file", path.str()));
  Path target = Path::parse(local);
  auto out = get(target)->create(target, WriteMode::kOverwrite);
  struct Sink {
    OutputStream* out;
    std::string error;
  } sink{out.get(), {}};
  auto write = [](void* ctx, const uint8_t* data, size_t len) -> int32_t {
    auto* k = static_cast<Sink*>(ctx);
    try {
      k->out->write(std::string_view(reinterpret_cast<const char*>(data), len));
      return 0;
    } catch (const std::exception& e) {
      k->error = e.what();
      return 1;
    }
  };
  // Ranged GETs of kDownloadChunk bytes: each must finish within s3.connection.timeout, and a file of
  // any size then does. (Weir's files do not change once committed, so the pieces are of one version.)
  for (uint64_t off = 0; off < st->size; off += kDownloadChunk) {
    char* error = nullptr;
    uint64_t n = std::min(kDownloadChunk, st->size - off);
    int32_t rc = wos_get(s, path.key().c_str(), off, n, write, &sink, &error);
    if (rc == WOS_CALLBACK) {
      take(error);
      throw FileSystemError(fmt::format("cannot copy '{}' to '{}': {}", path.str(), local, sink.error));
    }
    if (rc != WOS_OK) fail(rc, take(error), "read", path);
  }
  out->commit();
}

std::shared_ptr<FileSystem> make_s3_file_system(const Configuration& config) {
  return std::make_shared<S3FileSystem>(s3::resolve_s3_settings(config));
}

}  // namespace weir::fs
