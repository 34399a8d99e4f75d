#include "weir/common/config.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "weir/common/error.h"

namespace weir {

ConfigRegistry& ConfigRegistry::instance() {
  static ConfigRegistry r;
  return r;
}

void ConfigRegistry::add(ConfigOptionSpec spec) {
  specs_[spec.key] = std::move(spec);
}

const ConfigOptionSpec* ConfigRegistry::find(const std::string& key) const {
  auto it = specs_.find(key);
  return it == specs_.end() ? nullptr : &it->second;
}

namespace {

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Splits "123 unit" into number and unit. Throws when there is no leading integer.
std::pair<int64_t, std::string> split_number(const std::string& key, const std::string& text,
                                             const char* what) {
  std::string t = trim(text);
  size_t i = 0;
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
  if (i == 0)
    throw ConfigError(
        fmt::format("invalid value '{}' for configuration key '{}': expected a {}", text, key, what));
  int64_t n;
  try {
    n = std::stoll(t.substr(0, i));
  } catch (const std::exception&) {
    throw ConfigError(
        fmt::format("invalid value '{}' for configuration key '{}': number out of range", text, key));
  }
  return {n, lower(trim(t.substr(i)))};
}

int64_t parse_int(const std::string& key, const std::string& text) {
  std::string t = trim(text);
  size_t pos = 0;
  int64_t v = 0;
  try {
    v = std::stoll(t, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (t.empty() || pos != t.size())
    throw ConfigError(
        fmt::format("invalid value '{}' for configuration key '{}': expected an integer", text, key));
  return v;
}

bool parse_bool(const std::string& key, const std::string& text) {
  std::string t = lower(trim(text));
  if (t == "true") return true;
  if (t == "false") return false;
  throw ConfigError(
      fmt::format("invalid value '{}' for configuration key '{}': expected true or false", text, key));
}

void validate(const ConfigOptionSpec& spec, const std::string& value) {
  switch (spec.type) {
    case ConfigType::kInt: {
      int64_t v = parse_int(spec.key, value);
      if (v < spec.min || v > spec.max)
        throw ConfigError(
            fmt::format("invalid value '{}' for configuration key '{}': must be between {} and {}", value,
                        spec.key, spec.min, spec.max));
      break;
    }
    case ConfigType::kBool:
      parse_bool(spec.key, value);
      break;
    case ConfigType::kDuration:
      parse_duration(spec.key, value);
      break;
    case ConfigType::kMemorySize: {
      int64_t v = parse_memory_size(spec.key, value);
      if (v < spec.min || v > spec.max)
        throw ConfigError(
            spec.max == INT64_MAX
                ? fmt::format("invalid value '{}' for configuration key '{}': must be at least {} bytes",
                              value, spec.key, spec.min)
                : fmt::format(
                      "invalid value '{}' for configuration key '{}': must be between {} and {} bytes", value,
                      spec.key, spec.min, spec.max));
      break;
    }
    case ConfigType::kEnum: {
      std::string v = lower(trim(value));
      if (std::find(spec.allowed.begin(), spec.allowed.end(), v) == spec.allowed.end())
        throw ConfigError(fmt::format("invalid value '{}' for configuration key '{}': allowed values are {}",
                                      value, spec.key, fmt::join(spec.allowed, ", ")));
      break;
    }
    case ConfigType::kString:
      break;
  }
}

// n * unit, refusing results that do not fit in int64 (they would silently wrap around).
int64_t scaled(const std::string& key, const std::string& text, int64_t n, int64_t unit) {
  if (n > INT64_MAX / unit)
    throw ConfigError(
        fmt::format("invalid value '{}' for configuration key '{}': number out of range", text, key));
  return n * unit;
}

}  // namespace

Duration parse_duration(const std::string& key, const std::string& text) {
  auto [n, unit] = split_number(key, text, "duration such as '200 ms', '5 s' or '1 min'");
  if (unit.empty() || unit == "ms" || unit == "milli" || unit == "millis" || unit == "milliseconds")
    return Duration(n);
  if (unit == "s" || unit == "sec" || unit == "secs" || unit == "second" || unit == "seconds")
    return Duration(scaled(key, text, n, 1000));
  if (unit == "min" || unit == "m" || unit == "minute" || unit == "minutes")
    return Duration(scaled(key, text, n, 60'000));
  if (unit == "h" || unit == "hour" || unit == "hours") return Duration(scaled(key, text, n, 3'600'000));
  if (unit == "d" || unit == "day" || unit == "days") return Duration(scaled(key, text, n, 86'400'000));
  throw ConfigError(
      fmt::format("invalid value '{}' for configuration key '{}': unknown time unit '{}' (use ms, s, "
                  "min, h or d)",
                  text, key, unit));
}

int64_t parse_memory_size(const std::string& key, const std::string& text) {
  auto [n, unit] = split_number(key, text, "memory size such as '32kb' or '64 mb'");
  if (unit.empty() || unit == "b" || unit == "bytes") return n;
  if (unit == "k" || unit == "kb" || unit == "kib") return scaled(key, text, n, 1LL << 10);
  if (unit == "m" || unit == "mb" || unit == "mib") return scaled(key, text, n, 1LL << 20);
  if (unit == "g" || unit == "gb" || unit == "gib") return scaled(key, text, n, 1LL << 30);
  throw ConfigError(fmt::format(
      "invalid value '{}' for configuration key '{}': unknown size unit '{}' (use b, kb, mb or gb)", text,
      key, unit));
}

void Configuration::set(const std::string& key, const std::string& value) {
  const ConfigOptionSpec* spec = ConfigRegistry::instance().find(key);
  if (!spec)
    throw ConfigError(fmt::format("unknown configuration key '{}' (see docs/configuration.md)", key));
  validate(*spec, value);
  values_[key] = spec->type == ConfigType::kEnum ? lower(trim(value)) : trim(value);
}

void Configuration::set_from_flag(const std::string& kv) {
  auto eq = kv.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError(fmt::format("invalid -D argument '{}': expected key=value", kv));
  set(trim(kv.substr(0, eq)), kv.substr(eq + 1));
}

void Configuration::merge(const Configuration& other) {
  for (const auto& [k, v] : other.values_) values_[k] = v;
}

std::optional<std::string> Configuration::raw(const std::string& key) const {
  auto it = values_.find(key);
  if (it != values_.end()) return it->second;
  const ConfigOptionSpec* spec = ConfigRegistry::instance().find(key);
  if (spec && !spec->default_value.empty()) return spec->default_value;
  return std::nullopt;
}

std::string Configuration::text_or_default(const std::string& key) const {
  auto v = raw(key);
  if (!v) throw ConfigError(fmt::format("configuration key '{}' is required but not set", key));
  return *v;
}

int64_t Configuration::get_int(const ConfigOption<int64_t>& opt) const {
  return parse_int(opt.key(), text_or_default(opt.key()));
}
bool Configuration::get_bool(const ConfigOption<bool>& opt) const {
  return parse_bool(opt.key(), text_or_default(opt.key()));
}
Duration Configuration::get_duration(const ConfigOption<Duration>& opt) const {
  return parse_duration(opt.key(), text_or_default(opt.key()));
}
int64_t Configuration::get_memory(const ConfigOption<int64_t>& opt, bool) const {
  return parse_memory_size(opt.key(), text_or_default(opt.key()));
}
std::string Configuration::get_string(const ConfigOption<std::string>& opt) const {
  auto v = raw(opt.key());
  return v ? *v : std::string();
}

namespace {
void flatten(const YAML::Node& node, const std::string& prefix, Configuration& out) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      // A key is a name: a list or a map as a key (`[a]: 1`, `? {a: 1}`) or an empty one names no option.
      if (!kv.first.IsScalar() || kv.first.Scalar().empty())
        throw ConfigError(fmt::format("configuration key at line {}, column {}{} must be a plain name",
                                      kv.first.Mark().line + 1, kv.first.Mark().column + 1,
                                      prefix.empty() ? "" : fmt::format(" (under '{}')", prefix)));
      const std::string& k = kv.first.Scalar();
      flatten(kv.second, prefix.empty() ? k : prefix + "." + k, out);
    }
  } else if (node.IsScalar()) {
    out.set(prefix, node.as<std::string>());
  } else if (!node.IsNull()) {
    throw ConfigError(fmt::format("configuration key '{}' must be a scalar value", prefix));
  }
}
}  // namespace

Configuration Configuration::load_yaml(const std::string& path) {
  Configuration conf;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("cannot read configuration file '{}': {}", path, e.what()));
  }
  try {
    flatten(root, "", conf);
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("cannot read configuration file '{}': {}", path, e.what()));
  }
  return conf;
}

}  // namespace weir
