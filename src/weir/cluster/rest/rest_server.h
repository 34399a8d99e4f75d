#pragma once
// A small HTTP/1.1 server for JSON and text endpoints: routes are (method, path pattern) pairs where a
// segment `:name` matches any one segment and is passed to the handler. A path no route matches is 404;
// a path some route matches with another method is 405 (with an Allow header); a handler that throws is
// 500. Every error body is Flink's shape, `{"errors": ["..."]}`.
//
// Threading: routes are added before start() and are read-only afterwards. Requests run on the HTTP
// library's worker threads (a fixed pool of two: REST is a cold path), so handlers must be thread-safe;
// start() spawns one accept thread; stop() joins it and is idempotent.
//
// Dependencies: cpp-httplib (Debian's libcpp-httplib-dev) is an implementation detail of rest_server.cc.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace httplib {
class Server;
}

namespace weir::cluster::rest {

struct RestRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> params;  //!< values of the `:name` segments
};

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

using RestHandler = std::function<RestResponse(const RestRequest&)>;

class RestServer {
 public:
  RestServer();
  ~RestServer();
  RestServer(const RestServer&) = delete;
  RestServer& operator=(const RestServer&) = delete;

  //! Adds a route; call before start(). `pattern` is like "/jobs/:jobid/exceptions".
  void add_route(const std::string& method, const std::string& pattern, RestHandler handler);
  //! Routes a request without the network: the dispatch rules above. Used by the server and by tests.
  RestResponse dispatch(const std::string& method, const std::string& path) const;

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
  std::unique_ptr<httplib::Server> http_;
  std::thread accept_thread_;
  std::string address_;
};

}  // namespace weir::cluster::rest
