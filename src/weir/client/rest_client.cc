#include "weir/client/rest_client.h"

#include <fmt/format.h>
#include <httplib.h>

#include "weir/common/error.h"

namespace weir::client {

namespace {

// What went wrong, in words a person running `weir list` understands.
std::string describe(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection:
      return "connection refused or host unreachable";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "no answer: the connection closed or the read timed out";
    case httplib::Error::Write:
      return "the request could not be sent";
    default:
      return httplib::to_string(e);
  }
}

}  // namespace

std::string RestReply::error_message() const {
  if (body.is_object() && body.contains("errors") && body["errors"].is_array() && !body["errors"].empty() &&
      body["errors"][0].is_string())
    return body["errors"][0].get<std::string>();
  return text;
}

RestClient::RestClient(const std::string& address, std::chrono::milliseconds timeout) {
  address_ = address.rfind("http://", 0) == 0 ? address.substr(7) : address;
  size_t colon = address_.rfind(':');
  int port = 0;
  if (colon != std::string::npos && colon > 0) {
    try {
      size_t used = 0;
      port = std::stoi(address_.substr(colon + 1), &used);
      if (used != address_.size() - colon - 1) port = 0;
    } catch (const std::exception&) {
      port = 0;
    }
  }
  if (port <= 0 || port > 65535)
    throw WeirError(fmt::format(
        "bad JobManager address '{}': want HOST:PORT (the REST address, rest.address:rest.port)", address));
  http_ = std::make_unique<httplib::Client>(address_.substr(0, colon), port);
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(timeout - secs);
  http_->set_connection_timeout(secs.count(), usecs.count());
  http_->set_read_timeout(secs.count(), usecs.count());
  http_->set_write_timeout(secs.count(), usecs.count());
}

RestClient::~RestClient() = default;

template <typename Call>
RestReply RestClient::call(const char* method, const std::string& path, Call&& c) {
  httplib::Result r = c();
  if (!r)
    throw WeirError(fmt::format("cannot reach the JobManager's REST API at {} ({} {}: {})", address_, method,
                                path, describe(r.error())));
  RestReply reply;
  reply.status = r->status;
  reply.text = r->body;
  reply.body = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  return reply;
}

RestReply RestClient::get(const std::string& path) {
  return call("GET", path, [&] { return http_->Get(path.c_str()); });
}

RestReply RestClient::post(const std::string& path, const nlohmann::json& body) {
  std::string text = body.dump();
  return call("POST", path, [&] { return http_->Post(path.c_str(), text, "application/json"); });
}

RestReply RestClient::post_bytes(const std::string& path, const std::string& bytes) {
  return call("POST", path, [&] { return http_->Post(path.c_str(), bytes, "application/octet-stream"); });
}

RestReply RestClient::patch(const std::string& path) {
  return call("PATCH", path, [&] { return http_->Patch(path.c_str()); });
}

}  // namespace weir::client
