#pragma once
// Turning Kafka records into stream elements. A deserializer is any function of a KafkaRecordView; one that
// throws rejects the record, and the source then fails naming the topic, partition and offset (or skips the
// record when built with set_skip_undecodable). Ready-made: the value as bytes, as text, JSON into a
// WEIR_STRUCT.
#include <functional>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "weir/common/error.h"
#include "weir/common/struct_fields.h"
#include "weir/connectors/kafka/kafka_consumer.h"

namespace weir::kafka {

template <typename T>
using KafkaRecordDeserializer = std::function<T(const KafkaRecordView&)>;

struct KafkaDeserializers {
  //! The value's bytes, unchanged (null values become empty).
  static KafkaRecordDeserializer<std::string> bytes() {
    return [](const KafkaRecordView& r) { return std::string(r.value); };
  }
  //! The value as UTF-8 text; a value that is not valid UTF-8 is rejected.
  static KafkaRecordDeserializer<std::string> utf8_string() {
    return [](const KafkaRecordView& r) {
      if (!valid_utf8(r.value)) throw SerializationError("the value is not valid UTF-8");
      return std::string(r.value);
    };
  }
  //! The value as a JSON object whose keys name the fields of `T` (a WEIR_STRUCT); every field must be
  //! present with a value of its type, other keys are ignored.
  template <DescribedStruct T>
  static KafkaRecordDeserializer<T> json() {
    return [](const KafkaRecordView& r) {
      T out{};
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(r.value);
      } catch (const nlohmann::json::exception& e) {
        throw SerializationError(std::string("the value is not JSON: ") + e.what());
      }
      if (!j.is_object()) throw SerializationError("the value is JSON but not an object");
      const char* const* names = weir_struct_names(static_cast<const T*>(nullptr));
      size_t i = 0;
      std::apply(
          [&](auto... member) {
            (
                [&] {
                  const char* name = names[i++];
                  auto it = j.find(name);
                  if (it == j.end())
                    throw SerializationError(std::string("the JSON object has no field '") + name + "'");
                  try {
                    it->get_to(out.*member);
                  } catch (const nlohmann::json::exception& e) {
                    throw SerializationError(std::string("field '") + name + "': " + e.what());
                  }
                }(),
                ...);
          },
          weir_struct_fields(static_cast<const T*>(nullptr)));
      return out;
    };
  }

  //! Well-formed UTF-8 sequences (lead byte and continuation bytes; overlong forms are not checked).
  static bool valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
      if (len == 0 || i + len > s.size()) return false;
      for (size_t k = 1; k < len; ++k)
        if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
      i += len;
    }
    return true;
  }
};

}  // namespace weir::kafka
