#include "weir/client/rest_operation.h"

#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::client {

using Json = nlohmann::json;

std::string operation_request_id(const Json& accepted, const std::string& what, const std::string& address) {
  if (!accepted.is_object() || !accepted.contains("request-id") || !accepted["request-id"].is_string())
    throw WeirError(fmt::format("{}: the JobManager at {} accepted it without a request-id: {}", what,
                                address, accepted.dump().substr(0, 200)));
  return accepted["request-id"].get<std::string>();
}

std::optional<Json> completed_operation(const Json& status, const std::string& what,
                                        const std::string& address) {
  if (!status.is_object() || !status.contains("status") || !status["status"].is_object() ||
      !status["status"].contains("id") || !status["status"]["id"].is_string())
    throw WeirError(fmt::format("{}: the JobManager at {} answered without the operation's status: {}", what,
                                address, status.dump().substr(0, 200)));
  if (status["status"]["id"].get<std::string>() != "COMPLETED") return std::nullopt;
  const Json& op = status.contains("operation") ? status["operation"] : Json();
  if (!op.is_object())
    throw WeirError(fmt::format("{}: the JobManager at {} completed it without an outcome", what, address));
  if (op.contains("failure-cause"))
    throw WeirError(fmt::format("{} failed: {}", what,
                                op["failure-cause"].is_object()
                                    ? op["failure-cause"].value("stack-trace", std::string("unknown cause"))
                                    : op["failure-cause"].dump()));
  return op;
}

std::string operation_string(const Json& operation, const char* field, const std::string& what,
                             const std::string& address) {
  if (!operation.contains(field) || !operation[field].is_string())
    throw WeirError(fmt::format("{}: the JobManager at {} completed it without a {}", what, address, field));
  return operation[field].get<std::string>();
}

}  // namespace weir::client
