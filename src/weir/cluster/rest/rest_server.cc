#include "weir/cluster/rest/rest_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <httplib.h>

#include "weir/common/error.h"
#include "weir/common/thread_name.h"

namespace weir::cluster::rest {

namespace {

// HTTP worker threads: a browser's six keep-alive connections and a client or two.
constexpr size_t kWorkers = 8;

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

RestServer::RestServer() = default;

RestServer::~RestServer() {
  stop();
}

void RestServer::add_route(const std::string& method, const std::string& pattern, RestHandler handler) {
  routes_.push_back(Route{method, split_path(pattern), std::move(handler)});
}

RestResponse RestServer::dispatch(const std::string& method, const std::string& target,
                                  const std::string& body) const {
  RestRequest req;
  req.method = method;
  size_t q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) req.query = parse_query(target.substr(q + 1));
  req.body = body;
  return dispatch(std::move(req));
}

RestResponse RestServer::dispatch(RestRequest req) const {
  const std::string& method = req.method;
  const std::string& path = req.path;
  auto segments = split_path(path);
  std::vector<std::string> allowed;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    req.params.clear();
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
    } catch (const RestError& e) {
      return RestResponse::error(e.status(), e.what());
    } catch (const std::exception& e) {
      return RestResponse::error(500, fmt::format("internal error: {}", e.what()));
    }
  }
  if (fallback_) {
    try {
      return fallback_(req);
    } catch (const RestError& e) {
      return RestResponse::error(e.status(), e.what());
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
  // REST is a cold path, but httplib keeps a worker for each open keep-alive connection until it idles
  // out, and a browser showing the web UI holds up to six: with fewer workers its requests would queue
  // for seconds behind idle connections. Idle workers cost nothing but their stacks. The library takes
  // ownership of the queue it asks for.
  http_->new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  http_->set_keep_alive_timeout(2);
  // httplib's default sets SO_REUSEPORT, with which a second JobManager on the same port would start
  // silently; SO_REUSEADDR alone still allows a quick restart on a port in TIME_WAIT.
  http_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // Every request goes through our routes, so unknown paths and wrong methods get JSON errors too.
  // Catch-all handlers rather than the pre-routing hook, which runs before the body is read.
  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    RestRequest request;
    request.method = req.method;
    request.path = req.path;
    for (const auto& [name, value] : req.params) request.query.emplace(name, value);  // first one wins
    request.body = req.body;
    RestResponse r = dispatch(std::move(request));
    res.status = r.status;
    if (!r.allow.empty()) res.set_header("Allow", r.allow);
    res.set_content(r.body, r.content_type.c_str());
  };
  // A request without Content-Length or Transfer-Encoding has no body (RFC 9112), but httplib would
  // read one until the connection closes (`curl -X PATCH URL` would hang): such requests are
  // answered here, before httplib reads.
  http_->set_pre_routing_handler([handle](const httplib::Request& req, httplib::Response& res) {
    bool may_have_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
    if (!may_have_body || req.has_header("Content-Length") || req.has_header("Transfer-Encoding"))
      return httplib::Server::HandlerResponse::Unhandled;
    handle(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  if (max_body_bytes_ > 0) {
    http_->set_payload_max_length(max_body_bytes_);
    // httplib answers 413 before any route runs, with an empty body: say why, in the usual JSON shape.
    http_->set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request&,
                                                                         httplib::Response& res) {
      if (res.status != 413 || !res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      auto r = RestResponse::error(
          413, fmt::format("the request body is larger than {} bytes ({}): a job library or Python job that "
                           "large must be made smaller, or the limit raised",
                           max_body_bytes_, max_body_key_));
      res.set_content(r.body, r.content_type.c_str());
      return httplib::Server::HandlerResponse::Handled;
    }));
  }
  http_->Get(".*", handle);
  http_->Post(".*", handle);
  http_->Put(".*", handle);
  http_->Patch(".*", handle);
  http_->Delete(".*", handle);
  http_->Options(".*", handle);
  int bound = 0;
  if (port == 0)
    bound = http_->bind_to_any_port(host);
  else if (http_->bind_to_port(host, port))
    bound = port;
  if (bound <= 0)
    throw WeirError(fmt::format(
        "cannot bind the REST server to {}:{} ({}): the address is in use or not local", host, port, keys));
  address_ = fmt::format("{}:{}", host, bound);
  auto returned = std::make_shared<std::atomic<bool>>(false);
  accept_thread_ = std::thread([this, returned] {
    set_thread_name("rest-accept");
    http_->listen_after_bind();
    returned->store(true);
  });
  // httplib's stop() before the accept loop runs is lost (the loop would then run for ever): return
  // only once it runs, so that stop() right after start() works.
  while (!http_->is_running() && !returned->load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void RestServer::stop() {
  if (!http_) return;
  http_->stop();
  if (accept_thread_.joinable()) accept_thread_.join();
  http_.reset();
}

}  // namespace weir::cluster::rest
