#pragma once
// What a REST handler sees and returns: the request (path parameters, query parameters, body), the
// response, and RestError, which a handler throws to answer 4xx with a message naming the problem.
// The body helpers turn a malformed JSON body or a missing or mistyped field into such an error.
//
// Threading: plain values; a request is handled by one thread.
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace weir::cluster::rest {

//! Thrown by handlers (and the body helpers): the server answers `status` with `{"errors": [what()]}`.
class RestError : public std::runtime_error {
 public:
  RestError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct RestRequest {
  std::string method;
  std::string path;                           //!< without the query string
  std::map<std::string, std::string> params;  //!< values of the `:name` segments
  std::map<std::string, std::string> query;   //!< query parameters, percent-decoded (first of repeats)
  std::string body;

  //! The body as a JSON object; an empty body is `{}`. Throws RestError(400) when the body is not
  //! JSON or not an object.
  nlohmann::json json_body() const;
  //! A query parameter, or nullopt when absent.
  std::optional<std::string> query_param(const std::string& name) const;
};

//! Fields of a JSON object body. Absent or null: nullopt (or RestError(400) "missing field" for
//! the required_ variants); another JSON type: RestError(400) naming the field and the type wanted.
std::optional<std::string> string_field(const nlohmann::json& body, const std::string& name);
std::optional<bool> bool_field(const nlohmann::json& body, const std::string& name);
std::string required_string_field(const nlohmann::json& body, const std::string& name);

struct RestResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::string allow;  //!< for 405: the methods the path accepts

  static RestResponse json(const nlohmann::json& j, int status = 200);
  //! `{"errors": [message]}` with the given status, like Flink's REST API.
  static RestResponse error(int status, const std::string& message);
  static RestResponse text(std::string body, std::string content_type);
};

//! Splits "a=1&b=x%20y" into decoded pairs ('+' is a space); the first of repeated names wins.
std::map<std::string, std::string> parse_query(const std::string& query);

}  // namespace weir::cluster::rest
