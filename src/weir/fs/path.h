#pragma once
// A file-system path with a scheme: "/a/b" and "file:///a/b" (local), "s3://bucket/key/parts".
// Normalised on parse: no trailing '/', no empty or "." segments; ".." is refused (a path from a peer or
// a file must not climb out of the directory it names). A relative local path is made absolute against
// the working directory.
#include <string>
#include <string_view>

namespace weir::fs {

class Path {
 public:
  Path() = default;
  //! Parses a path or URI. Throws FileSystemError naming `text` when it is empty, relative with a scheme,
  //! has an unknown form, no bucket (s3://), or a ".." segment.
  static Path parse(std::string_view text);

  const std::string& scheme() const { return scheme_; }        //!< "file" or "s3"
  const std::string& authority() const { return authority_; }  //!< the bucket (s3), empty (file)
  //! Local: absolute ("/a/b", "/" for the root). Object stores: the key without a leading '/' ("" for
  //! the bucket's root).
  const std::string& key() const { return key_; }
  bool is_local() const { return scheme_ == "file"; }
  bool empty() const { return scheme_.empty(); }

  //! Local: the plain absolute path; otherwise "scheme://authority/key".
  std::string str() const;
  //! A child path; `rel` may hold several '/'-separated segments (".." refused).
  Path operator/(std::string_view rel) const;
  //! The parent directory (the root's parent is the root).
  Path parent() const;
  //! The last segment ("" for a root).
  std::string name() const;
  //! True when `other` is this path or below it.
  bool contains(const Path& other) const;
  //! `other` relative to this directory ("" when equal). REQUIRES: contains(other).
  std::string relative(const Path& other) const;

  bool operator==(const Path& o) const = default;
  bool operator<(const Path& o) const { return str() < o.str(); }

 private:
  std::string scheme_;
  std::string authority_;
  std::string key_;
};

}  // namespace weir::fs
