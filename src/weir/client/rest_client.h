#pragma once
// A client of the JobManager's REST API (the `weir` client commands and tests): one request at a
// time to HOST:PORT, JSON in and out. A JobManager that cannot be reached is a WeirError naming the
// address; any HTTP answer, error statuses included, comes back as a RestReply.
//
// Threading: one thread at a time per client.
#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace httplib {
class Client;
}

namespace weir::client {

struct RestReply {
  int status = 0;
  nlohmann::json body;  //!< null when the answer was not JSON (see `text`)
  std::string text;     //!< the raw answer

  //! The first of Flink's `{"errors": [...]}` messages, or the raw text.
  std::string error_message() const;
};

class RestClient {
 public:
  //! `address` is HOST:PORT (an `http://` prefix is accepted); WeirError when it has no port.
  explicit RestClient(const std::string& address,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~RestClient();

  RestReply get(const std::string& path);
  RestReply post(const std::string& path, const nlohmann::json& body);
  RestReply patch(const std::string& path);
  //! POSTs raw bytes (application/octet-stream), e.g. a job library to /jars/upload.
  RestReply post_bytes(const std::string& path, const std::string& bytes);
  const std::string& address() const { return address_; }

 private:
  template <typename Call>
  RestReply call(const char* method, const std::string& path, Call&& c);
  std::string address_;
  std::unique_ptr<httplib::Client> http_;
};

}  // namespace weir::client
