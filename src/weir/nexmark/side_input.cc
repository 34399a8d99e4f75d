#include "weir/nexmark/side_input.h"

#include <charconv>
#include <fstream>

#include "weir/common/error.h"

namespace weir::nexmark {
namespace {

//! A CSV field: as it is, or the text of a quoted field ("" inside stands for one quote). Empty on error.
bool unquote(std::string_view field, std::string& out) {
  out.clear();
  if (field.empty() || field.front() != '"') {
    out.assign(field);
    return true;
  }
  if (field.size() < 2 || field.back() != '"') return false;
  std::string_view inner = field.substr(1, field.size() - 2);
  for (size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == '"') {
      if (i + 1 >= inner.size() || inner[i + 1] != '"') return false;
      ++i;
    }
    out += inner[i];
  }
  return true;
}

}  // namespace

void SideInput::add(int64_t key, std::string value) {
  ++rows_;
  if (key >= 0 && key < kKeys) values_[static_cast<size_t>(key)].push_back(std::move(value));
}

std::shared_ptr<const SideInput> SideInput::nexmark_default() {
  static const std::shared_ptr<const SideInput> table = [] {
    std::shared_ptr<SideInput> t(new SideInput());
    for (int64_t i = 0; i < kKeys; ++i) t->add(i, std::to_string(i));
    return t;
  }();
  return table;
}

std::shared_ptr<const SideInput> SideInput::read(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("side input '" + path + "': cannot read the file");
  std::shared_ptr<SideInput> t(new SideInput());
  std::string line;
  std::string value;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto where = [&] { return "side input '" + path + "' line " + std::to_string(number) + ": "; };
    size_t comma = line.find(',');
    if (comma == std::string::npos)
      throw ConfigError(where() + "expected key,value but found '" + line + "'");
    int64_t key = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + comma, key);
    if (ec != std::errc() || end != line.data() + comma || comma == 0)
      throw ConfigError(where() + "bad key '" + line.substr(0, comma) + "': expected an integer");
    if (!unquote(std::string_view(line).substr(comma + 1), value))
      throw ConfigError(where() + "bad quoted value '" + line.substr(comma + 1) + "'");
    t->add(key, value);
  }
  if (in.bad()) throw ConfigError("side input '" + path + "': read error");
  return t;
}

}  // namespace weir::nexmark
