#include "weir/cluster/rest/rest_request.h"

#include <fmt/format.h>

namespace weir::cluster::rest {

namespace {

using Json = nlohmann::json;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The field's value, or null when absent; `body` is an object (json_body() made sure).
const Json* field(const Json& body, const std::string& name) {
  auto it = body.find(name);
  return it == body.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace

Json RestRequest::json_body() const {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return Json::object();
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw RestError(400, "the request body is not valid JSON");
  if (!j.is_object())
    throw RestError(400, fmt::format("the request body must be a JSON object, not {}", j.type_name()));
  return j;
}

std::optional<std::string> RestRequest::query_param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> string_field(const Json& body, const std::string& name) {
  const Json* v = field(body, name);
  if (!v) return std::nullopt;
  if (!v->is_string())
    throw RestError(400, fmt::format("field '{}' must be a string, not {}", name, v->type_name()));
  return v->get<std::string>();
}

std::optional<bool> bool_field(const Json& body, const std::string& name) {
  const Json* v = field(body, name);
  if (!v) return std::nullopt;
  if (!v->is_boolean())
    throw RestError(400, fmt::format("field '{}' must be true or false, not {}", name, v->type_name()));
  return v->get<bool>();
}

std::string required_string_field(const Json& body, const std::string& name) {
  auto v = string_field(body, name);
  if (!v) throw RestError(400, fmt::format("missing field '{}'", name));
  return *v;
}

RestResponse RestResponse::json(const Json& j, int status) {
  return RestResponse{status, j.dump(), "application/json", {}};
}

RestResponse RestResponse::error(int status, const std::string& message) {
  return json(Json{{"errors", Json::array({message})}}, status);
}

RestResponse RestResponse::text(std::string body, std::string content_type) {
  return RestResponse{200, std::move(body), std::move(content_type), {}};
}

std::map<std::string, std::string> parse_query(const std::string& query) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i <= query.size()) {
    size_t j = query.find('&', i);
    if (j == std::string::npos) j = query.size();
    std::string pair = query.substr(i, j - i);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string name = percent_decode(pair.substr(0, eq));
      std::string value = eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1));
      out.emplace(std::move(name), std::move(value));
    }
    i = j + 1;
  }
  return out;
}

}  // namespace weir::cluster::rest
