#include "weir/nexmark/event_json.h"

#include <nlohmann/json.hpp>

#include "weir/common/error.h"
#include "weir/connectors/json_format.h"

namespace weir::nexmark {

namespace nx = connectors::nexmark;

namespace {

template <DescribedStruct T>
void read_fields(const nlohmann::json& j, T& out) {
  const char* const* names = weir_struct_names(static_cast<const T*>(nullptr));
  size_t i = 0;
  std::apply(
      [&](auto... member) {
        (
            [&] {
              const char* name = names[i++];
              auto it = j.find(name);
              if (it == j.end())
                throw SerializationError(std::string("the event has no field '") + name + "'");
              try {
                it->get_to(out.*member);
              } catch (const nlohmann::json::exception& e) {
                throw SerializationError(std::string("field '") + name + "' of the event: " + e.what());
              }
            }(),
            ...);
      },
      weir_struct_fields(static_cast<const T*>(nullptr)));
}

}  // namespace

void append_event_json(std::string& out, const nx::Event& e) {
  out += "{\"type\":\"";
  out += nx::kind_name(e.kind);
  out += "\",";
  switch (e.kind) {
    case nx::EventKind::kPerson:
      connectors::append_json_fields(out, e.person);
      break;
    case nx::EventKind::kAuction:
      connectors::append_json_fields(out, e.auction);
      break;
    case nx::EventKind::kBid:
      connectors::append_json_fields(out, e.bid);
      break;
  }
  out += '}';
}

void parse_event_json(std::string_view json, nx::Event& e) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& ex) {
    throw SerializationError(std::string("not a JSON Nexmark event: ") + ex.what());
  }
  if (!j.is_object()) throw SerializationError("not a JSON Nexmark event: not an object");
  auto type = j.find("type");
  if (type == j.end() || !type->is_string())
    throw SerializationError("not a JSON Nexmark event: no \"type\" (person, auction or bid)");
  const auto& t = type->get_ref<const std::string&>();
  if (t == "bid") {
    e.kind = nx::EventKind::kBid;
    read_fields(j, e.bid);
  } else if (t == "auction") {
    e.kind = nx::EventKind::kAuction;
    read_fields(j, e.auction);
  } else if (t == "person") {
    e.kind = nx::EventKind::kPerson;
    read_fields(j, e.person);
  } else {
    throw SerializationError("not a JSON Nexmark event: unknown \"type\" '" + t +
                             "' (expected person, auction or bid)");
  }
}

}  // namespace weir::nexmark
