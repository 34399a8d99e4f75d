#pragma once
// A small HTTP/1.1 server for JSON and text endpoints: routes are (method, path pattern) pairs where a
// segment `:name` matches any one segment and is passed to the handler. A path no route matches is 404;
// a path some route matches with another method is 405 (with an Allow header); a handler that throws
// RestError answers its status and message (e.g. 400 for a bad body), any other exception is 500.
// Handlers see the query parameters and the body (rest_request.h). Every error body is Flink's
// shape, `{"errors": ["..."]}`.
//
// Threading: routes are added before start() and are read-only afterwards. Requests run on the HTTP
// library's worker threads (a fixed pool of eight: each open keep-alive connection holds one, and a
// browser opens up to six), so handlers must be thread-safe;
// start() spawns one accept thread; stop() joins it and is idempotent.
//
// Dependencies: cpp-httplib (Debian's libcpp-httplib-dev) is an implementation detail of rest_server.cc.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "weir/cluster/rest/rest_request.h"

namespace httplib {
class Server;
}

namespace weir::cluster::rest {

using RestHandler = std::function<RestResponse(const RestRequest&)>;

class RestServer {
 public:
  RestServer();
  ~RestServer();
  RestServer(const RestServer&) = delete;
  RestServer& operator=(const RestServer&) = delete;

  //! Adds a route; call before start(). `pattern` is like "/jobs/:jobid/exceptions".
  void add_route(const std::string& method, const std::string& pattern, RestHandler handler);
  //! Answers every request no route matches (instead of 404/405); call before start(). An HA JobManager's
  //! public server has only this: it forwards to the current leader term's routes, or says who leads.
  void set_fallback(RestHandler handler) { fallback_ = std::move(handler); }
  //! Bodies larger than this are refused with 413 and a message naming `key` (the configuration key the
  //! limit comes from); call before start(). Default: no limit.
  void set_max_body_bytes(size_t bytes, std::string key) {
    max_body_bytes_ = bytes;
    max_body_key_ = std::move(key);
  }
  //! Routes a request without the network: the dispatch rules above. `req.params` is filled from
  //! the route that matches. Used by the server.
  RestResponse dispatch(RestRequest req) const;
  //! The same for a target with an optional query string ("/jobs/ID?mode=cancel") and a body.
  RestResponse dispatch(const std::string& method, const std::string& target,
                        const std::string& body = {}) const;

  //! Binds host:port (0 = any free port) and serves on a thread. Throws WeirError naming `keys` (the
  //! configuration keys the address came from) when the address cannot be bound.
  void start(const std::string& host, int port, const std::string& keys);
  //! HOST:PORT with the port actually bound; valid after start().
  const std::string& address() const { return address_; }
  void stop();

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    RestHandler handler;
  };
  std::vector<Route> routes_;
  RestHandler fallback_;
  std::unique_ptr<httplib::Server> http_;
  std::thread accept_thread_;
  std::string address_;
  size_t max_body_bytes_ = 0;  // 0: no limit
  std::string max_body_key_;
};

}  // namespace weir::cluster::rest
