#pragma once
// Configuration by Flink-style keys. Every key Weir knows is declared once as a ConfigOption (see
// config_options.h); setting an unknown key or a bad value is a ConfigError that names the key and
// what it accepts.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace weir {

enum class ConfigType { kInt, kBool, kDuration, kMemorySize, kString, kEnum };

//! Declaration of one configuration key.
struct ConfigOptionSpec {
  std::string key;
  ConfigType type;
  std::string default_value;  //!< empty: no default
  std::string description;
  std::vector<std::string> allowed;  //!< for kEnum
  int64_t min = INT64_MIN;           //!< for kInt, and for kMemorySize in bytes
  int64_t max = INT64_MAX;
};

//! The registry of every known key.
class ConfigRegistry {
 public:
  static ConfigRegistry& instance();
  void add(ConfigOptionSpec spec);
  const ConfigOptionSpec* find(const std::string& key) const;
  const std::map<std::string, ConfigOptionSpec>& all() const { return specs_; }

 private:
  std::map<std::string, ConfigOptionSpec> specs_;
};

//! Registers an option at static-initialization time: `static ConfigOption<int64_t> kFoo{{...}};`
template <typename T>
class ConfigOption {
 public:
  explicit ConfigOption(ConfigOptionSpec spec) : key_(spec.key) {
    ConfigRegistry::instance().add(std::move(spec));
  }
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

using Duration = std::chrono::milliseconds;

//! Parses "200 ms", "5s", "1 min", "2 h"; a bare number is milliseconds.
Duration parse_duration(const std::string& key, const std::string& text);
//! Parses "32kb", "64 mb", "1g"; a bare number is bytes.
int64_t parse_memory_size(const std::string& key, const std::string& text);

//! A validated set of key/value pairs. Values are stored as text, validated on set.
class Configuration {
 public:
  //! Sets a key; throws ConfigError for an unknown key or a value its type does not accept.
  void set(const std::string& key, const std::string& value);
  //! Parses "key=value" (the -D form).
  void set_from_flag(const std::string& kv);
  bool contains(const std::string& key) const { return values_.count(key) > 0; }
  void merge(const Configuration& other);

  int64_t get_int(const ConfigOption<int64_t>& opt) const;
  bool get_bool(const ConfigOption<bool>& opt) const;
  Duration get_duration(const ConfigOption<Duration>& opt) const;
  int64_t get_memory(const ConfigOption<int64_t>& opt, bool is_memory) const;
  std::string get_string(const ConfigOption<std::string>& opt) const;

  //! Raw text of a key (with its default applied), or nullopt when neither is set.
  std::optional<std::string> raw(const std::string& key) const;
  const std::map<std::string, std::string>& values() const { return values_; }

  //! Loads a flat YAML file (`key: value` lines, or nested maps joined with dots).
  static Configuration load_yaml(const std::string& path);

 private:
  std::string text_or_default(const std::string& key) const;
  std::map<std::string, std::string> values_;
};

}  // namespace weir
