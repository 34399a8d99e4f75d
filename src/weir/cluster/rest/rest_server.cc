#include "weir/cluster/rest/rest_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <exception>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <httplib.h>

#include "weir/common/error.h"

namespace weir::cluster::rest {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

RestResponse RestResponse::json(const nlohmann::json& j, int status) {
  return RestResponse{status, j.dump(), "application/json", {}};
}

RestResponse RestResponse::error(int status, const std::string& message) {
  return json(nlohmann::json{{"errors", nlohmann::json::array({message})}}, status);
}

RestResponse RestResponse::text(std::string body, std::string content_type) {
  return RestResponse{200, std::move(body), std::move(content_type), {}};
}

RestServer::RestServer() = default;

RestServer::~RestServer() {
  stop();
}

void RestServer::add_route(const std::string& method, const std::string& pattern, RestHandler handler) {
  routes_.push_back(Route{method, split_path(pattern), std::move(handler)});
}

RestResponse RestServer::dispatch(const std::string& method, const std::string& path) const {
  auto segments = split_path(path.substr(0, path.find('?')));
  std::vector<std::string> allowed;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    RestRequest req{method, path, {}};
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      if (!route.segments[i].empty() && route.segments[i][0] == ':')
        req.params[route.segments[i].substr(1)] = segments[i];
      else
        match = route.segments[i] == segments[i];
    }
    if (!match) continue;
    if (route.method != method) {
      allowed.push_back(route.method);
      continue;
    }
    try {
      return route.handler(req);
    } catch (const std::exception& e) {
      return RestResponse::error(500, fmt::format("internal error: {}", e.what()));
    }
  }
  if (!allowed.empty()) {
    auto r = RestResponse::error(405, fmt::format("method {} not allowed for {} (allowed: {})", method, path,
                                                  fmt::join(allowed, ", ")));
    r.allow = fmt::format("{}", fmt::join(allowed, ", "));
    return r;
  }
  return RestResponse::error(404, fmt::format("not found: {}", path));
}

void RestServer::start(const std::string& host, int port, const std::string& keys) {
  http_ = std::make_unique<httplib::Server>();
  // REST is a cold path: two workers are plenty and leave the cores to tasks. The library takes
  // ownership of the queue it asks for.
  http_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  // httplib's default sets SO_REUSEPORT, with which a second JobManager on the same port would start
  // silently; SO_REUSEADDR alone still allows a quick restart on a port in TIME_WAIT.
  http_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // Every request goes through our routes, so unknown paths and wrong methods get JSON errors too.
  http_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    RestResponse r = dispatch(req.method, req.path);
    res.status = r.status;
    if (!r.allow.empty()) res.set_header("Allow", r.allow);
    res.set_content(r.body, r.content_type.c_str());
    return httplib::Server::HandlerResponse::Handled;
  });
  int bound = 0;
  if (port == 0)
    bound = http_->bind_to_any_port(host);
  else if (http_->bind_to_port(host, port))
    bound = port;
  if (bound <= 0)
    throw WeirError(fmt::format(
        "cannot bind the REST server to {}:{} ({}): the address is in use or not local", host, port, keys));
  address_ = fmt::format("{}:{}", host, bound);
  accept_thread_ = std::thread([this] { http_->listen_after_bind(); });
}

void RestServer::stop() {
  if (!http_) return;
  http_->stop();
  if (accept_thread_.joinable()) accept_thread_.join();
  http_.reset();
}

}  // namespace weir::cluster::rest
