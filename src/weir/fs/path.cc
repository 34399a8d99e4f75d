#include "weir/fs/path.h"

#include <filesystem>

#include <fmt/format.h>

#include "weir/fs/file_system.h"

namespace weir::fs {

namespace {

// Appends the '/'-separated segments of `rel` to `key`, dropping empty and "." segments.
void append_segments(std::string& key, std::string_view rel, std::string_view whole) {
  size_t i = 0;
  while (i <= rel.size()) {
    size_t j = rel.find('/', i);
    if (j == std::string_view::npos) j = rel.size();
    std::string_view seg = rel.substr(i, j - i);
    i = j + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") throw FileSystemError(fmt::format("path '{}' has a '..' segment", whole));
    if (!key.empty() && key.back() != '/') key.push_back('/');
    key.append(seg);
  }
}

}  // namespace

Path Path::parse(std::string_view text) {
  if (text.empty()) throw FileSystemError("empty path");
  Path p;
  auto sep = text.find("://");
  if (sep == std::string_view::npos) {
    p.scheme_ = "file";
    p.key_ = "/";
    // A relative local path is relative to the process's working directory.
    if (text.front() != '/') append_segments(p.key_, std::filesystem::current_path().string(), text);
    append_segments(p.key_, text, text);
    return p;
  }
  std::string scheme(text.substr(0, sep));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view rest = text.substr(sep + 3);
  if (scheme == "file") {
    if (rest.empty() || rest.front() != '/')
      throw FileSystemError(
          fmt::format("path '{}': a file:// URI needs an absolute path (file:///dir)", text));
    p.scheme_ = "file";
    p.key_ = "/";
    append_segments(p.key_, rest, text);
    return p;
  }
  if (scheme == "s3" || scheme == "s3a" || scheme == "s3p") {
    auto slash = rest.find('/');
    std::string_view bucket = rest.substr(0, slash);
    if (bucket.empty()) throw FileSystemError(fmt::format("path '{}' names no bucket", text));
    p.scheme_ = "s3";
    p.authority_ = std::string(bucket);
    if (slash != std::string_view::npos) append_segments(p.key_, rest.substr(slash + 1), text);
    return p;
  }
  throw FileSystemError(
      fmt::format("path '{}' has the scheme '{}', which Weir does not know (file://, s3://)", text, scheme));
}

std::string Path::str() const {
  if (scheme_.empty() || is_local()) return key_;
  return key_.empty() ? fmt::format("{}://{}", scheme_, authority_)
                      : fmt::format("{}://{}/{}", scheme_, authority_, key_);
}

Path Path::operator/(std::string_view rel) const {
  Path p = *this;
  append_segments(p.key_, rel, rel);
  return p;
}

Path Path::parent() const {
  Path p = *this;
  auto slash = p.key_.rfind('/');
  if (is_local()) {
    p.key_ = (slash == 0 || slash == std::string::npos) ? "/" : p.key_.substr(0, slash);
  } else {
    p.key_ = slash == std::string::npos ? "" : p.key_.substr(0, slash);
  }
  return p;
}

std::string Path::name() const {
  auto slash = key_.rfind('/');
  return slash == std::string::npos ? key_ : key_.substr(slash + 1);
}

bool Path::contains(const Path& other) const {
  if (scheme_ != other.scheme_ || authority_ != other.authority_) return false;
  if (other.key_ == key_) return true;
  if (key_.empty() || key_ == "/") return other.key_.size() > key_.size();
  return other.key_.size() > key_.size() && other.key_.compare(0, key_.size(), key_) == 0 &&
         other.key_[key_.size()] == '/';
}

std::string Path::relative(const Path& other) const {
  if (other.key_ == key_) return "";
  if (key_.empty()) return other.key_;
  if (key_ == "/") return other.key_.substr(1);
  return other.key_.substr(key_.size() + 1);
}

}  // namespace weir::fs
