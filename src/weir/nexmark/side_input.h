#pragma once
// q13's bounded side input: a table of (key BIGINT, value VARCHAR) rows read once from a CSV file
// ("key,value" per line, as Nexmark's side_input.txt), or Nexmark's default table when no file is
// given: keys 0 ... 9999, each with its decimal text as value. q13 joins bids on auction % 10000 = key,
// so only keys in [0, 10000) can ever match; the table is indexed by key for a lookup without hashing.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace weir::nexmark {

class SideInput {
 public:
  //! Keys the join can look up: [0, kKeys).
  static constexpr int64_t kKeys = 10'000;

  //! Nexmark's default side input (SideInputGenerator with --num 10000): "i,i" for i in [0, 10000).
  static std::shared_ptr<const SideInput> nexmark_default();
  //! Reads `path`: one "key,value" row per line (blank lines skipped). The value is the rest of the line,
  //! unquoted when it is a CSV quoted field. Rows whose key is outside [0, 10000) can never match and are
  //! counted but not kept. Throws ConfigError naming the file and line of a row that does not parse, or
  //! the file when it cannot be read.
  static std::shared_ptr<const SideInput> read(const std::string& path);

  //! The values of `key` (several when the file repeats a key; the join emits one row for each).
  const std::vector<std::string>& values(int64_t key) const {
    static const std::vector<std::string> kNone;
    return key >= 0 && key < kKeys ? values_[static_cast<size_t>(key)] : kNone;
  }
  int64_t rows() const { return rows_; }

 private:
  SideInput() : values_(kKeys) {}
  void add(int64_t key, std::string value);

  std::vector<std::vector<std::string>> values_;
  int64_t rows_ = 0;
};

}  // namespace weir::nexmark
